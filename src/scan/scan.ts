/**
 * `scan(options)`: probe one DTLS server and report what it supports and how
 * it behaves ({@link ScanReport}). Probes run one after another from fresh
 * ports, within one budget of datagrams, rate and time; a probe that cannot
 * run (budget spent, nothing to build on) leaves `null`s and a note, never
 * an exception. After each section a good hello checks that the server
 * still answers; the probes most likely to stop a fragile server run last.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { VERSION } from '../version.js';
import { resolveProvider } from '../options.js';
import { certificatesFromPem } from '../x509/pem.js';
import type { PemInput } from '../options.js';
import type { ScanContext } from './exchange.js';
import { deriveFindings } from './findings.js';
import { hasDowngradeSentinel, probeDtls13 } from './dtls13.js';
import type { Psk } from './handshake.js';
import { IANA_SUITES } from './iana-suites.js';
import { type DosResult, SCAN_SCHEMA_VERSION, type ScanReport } from './report.js';
import { ScanState, type ScanSettings } from './state.js';
import { Budget, BudgetError, SharedPort, type Target } from './transport.js';
import { probeCertificate } from './probes/certificate.js';
import { probeDos, probeFragmentation, probeTimers, serverSizes } from './probes/dos.js';
import { probeExtensions } from './probes/extensions.js';
import { probeSessions, probeStateMachine, stillAnswers } from './probes/handshakes.js';
import { probeDtls10, probeDtls12, probeGroups, probePreference, probeSchemes, probeSuites, rebaseline } from './probes/suites.js';

/** Options of {@link scan}. Times in ms. */
export interface ScanOptions {
  readonly host: string;
  readonly port: number;
  /** SNI name (default: `host` when it is a name; none for an IP address). */
  readonly servername?: string;
  /** CA certificates (PEM or DER) to verify the server's chain against. */
  readonly ca?: PemInput;
  /** A pre-shared key, for servers that take only PSK suites. */
  readonly psk?: Psk;
  /** ALPN names to offer (default `coap`, `http/1.1`, `webrtc`, `c-webrtc`). */
  readonly alpn?: readonly string[];
  /** At most this many datagrams (default 3000). */
  readonly maxDatagrams?: number;
  /** At most this many datagrams a second (default 200). */
  readonly rate?: number;
  /** Stop after this long (default 180 000). */
  readonly maxTime?: number;
  /** Wait this long for an answer (default 1500). */
  readonly replyTimeout?: number;
  /** Silence kept to measure retransmissions (default 7500). */
  readonly timerWindow?: number;
  /** Time answers to one spoofed ClientHello are counted (default 3500). */
  readonly spoofWindow?: number;
  /** Body bytes per fragment of the fragmented (1000-byte) ClientHello (default 256). */
  readonly fragmentSize?: number;
  readonly crypto?: 'node' | 'noble';
  /**
   * Send every probe from one UDP port (default: a fresh port per probe). For
   * servers that talk only to their first client's port afterwards, such as
   * `openssl s_server -listen`; the cookie-binding probe then cannot run.
   */
  readonly samePort?: boolean;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export const SCAN_DEFAULTS = Object.freeze({
  maxDatagrams: 3000, rate: 200, maxTime: 180_000, replyTimeout: 1500, timerWindow: 7500, spoofWindow: 3500, fragmentSize: 256,
  alpn: ['coap', 'http/1.1', 'webrtc', 'c-webrtc'] as readonly string[],
});

function positive(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`scan: ${name} must be a positive number`);
  return v;
}

async function resolveTarget(host: string, port: number): Promise<Target> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`scan: bad port ${port}`);
  const literal = isIP(host);
  if (literal) return { host, address: host, family: literal as 4 | 6, port };
  const r = await lookup(host);
  return { host, address: r.address, family: r.family === 6 ? 6 : 4, port };
}

/** Scan one DTLS server. Rejects only for bad options or an unresolvable host. */
export async function scan(options: ScanOptions): Promise<ScanReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const limits = {
    maxDatagrams: positive('maxDatagrams', options.maxDatagrams, SCAN_DEFAULTS.maxDatagrams),
    rate: positive('rate', options.rate, SCAN_DEFAULTS.rate),
    maxTimeMs: positive('maxTime', options.maxTime, SCAN_DEFAULTS.maxTime),
    replyTimeoutMs: positive('replyTimeout', options.replyTimeout, SCAN_DEFAULTS.replyTimeout),
  };
  const resolved = await resolveTarget(options.host, options.port);
  const shared = options.samePort ? await SharedPort.open(resolved.address, resolved.family, resolved.port) : undefined;
  try {
    return await run(options, { ...resolved, ...(shared && { shared }) }, started, startedAt, limits);
  } finally {
    shared?.close();
  }
}

async function run(options: ScanOptions, target: Target, started: number, startedAt: string, limits: ScanReport['limits']): Promise<ScanReport> {
  const log = options.log ?? (() => {});
  const budget = new Budget(limits.maxDatagrams, limits.rate, started + limits.maxTimeMs);
  const malformed = new Set<string>();
  const ctx: ScanContext = { target, budget, provider: resolveProvider(options.crypto), replyTimeout: limits.replyTimeoutMs, log, malformed };
  const settings: ScanSettings = {
    servername: options.servername ?? (isIP(options.host) ? undefined : options.host),
    ca: options.ca === undefined ? undefined : certificatesFromPem(options.ca),
    psk: options.psk,
    alpn: options.alpn ?? SCAN_DEFAULTS.alpn,
    timerWindow: positive('timerWindow', options.timerWindow, SCAN_DEFAULTS.timerWindow),
    spoofWindow: positive('spoofWindow', options.spoofWindow, SCAN_DEFAULTS.spoofWindow),
    fragmentSize: positive('fragmentSize', options.fragmentSize, SCAN_DEFAULTS.fragmentSize),
  };
  const st = new ScanState(ctx, settings);
  /**
   * Run one section; a spent budget or a bug becomes a note and the
   * fallback. Once the server stopped answering, sections are skipped. With
   * `check`, a good hello afterwards tells whether the section stopped it
   * (then the section is named in the report: a fragile server program may
   * stop for good, as wolfSSL's example server does after an unfinished
   * HelloRetryRequest or a fragmented first hello, or gnutls-serv after a
   * stray Finished).
   */
  const section = async <T>(name: string, fallback: T, run: () => Promise<T>, check = true): Promise<T> => {
    if (st.dead) {
      st.note(`${name}: not tested (${st.dead})`);
      return fallback;
    }
    const t0 = performance.now();
    try {
      const v = await run();
      log(`${name}: ${Math.round(performance.now() - t0)} ms`);
      if (check && speaks && !st.dead && !(await stillAnswers(st))) st.deadAfter = name;
      return v;
    } catch (e) {
      st.note(e instanceof BudgetError ? `${name}: not finished (${e.message})` : `${name}: failed (${(e as Error).message})`);
      return fallback;
    }
  };
  let speaks = false;
  const unknown = { supported: null, answer: 'not tested' };
  const firstDtls12 = await section('DTLS 1.2', unknown, () => probeDtls12(st), false);
  const dtls10 = await section('DTLS 1.0', unknown, () => probeDtls10(st), false);
  speaks = firstDtls12.supported !== null || dtls10.supported !== null;
  const suites = speaks
    ? await section('cipher suites', { tested: IANA_SUITES.length, accepted: [], rejectedByAlert: 0, rejectedBySilence: 0 }, () => probeSuites(st))
    : { tested: 0, accepted: [], rejectedByAlert: 0, rejectedBySilence: 0 };
  const dtls12 = await section('DTLS 1.2 again', firstDtls12, () => rebaseline(st, firstDtls12), false);
  const preference = await section('suite order', null, () => probePreference(st));
  const cert = await section('certificate', { cert: null, unknownNameAnswer: null }, () => probeCertificate(st));
  const groups = await section('groups', { tested: [], supported: [], dhe: null }, () => probeGroups(st));
  const schemes = await section('signature schemes', { tested: [], supported: [] }, () => probeSchemes(st));
  const ext = await section('extensions', null, () => probeExtensions(st));
  const sessions = await section('sessions', null, () => probeSessions(st));
  const noDos: DosResult = {
    cookieRequired: null, cookieLength: null, amplification: null, cookieBoundToAddress: null, spoofedHelloDatagrams: null,
    spoofedHelloWindowMs: settings.spoofWindow, stoppedAfterProbe: null,
  };
  const dos = { ...await section('cookie exchange', noDos, () => probeDos(st)) };
  const timers = await section('retransmission timer',
    { initialTimeoutMs: null, intervalsMs: [], retransmissions: null, backoffDoubles: null, windowMs: settings.timerWindow },
    () => probeTimers(st, dos));
  // The probes most likely to stop a fragile server come last: DTLS 1.3,
  // the fragmented hellos, the state machine (which checks after each probe).
  const dtls13 = await section('DTLS 1.3', {
    ...unknown, helloRetryRequest: false, hrrCookie: false, selectedGroup: null, selectedSuite: null, downgradeSentinel: null, downgradeAnswer: null,
  }, () => probeDtls13(ctx, settings.servername));
  const fragmentation = await section('fragmentation', serverSizes(st), () => probeFragmentation(st));
  const stateMachine = speaks ? await section('state machine', [], () => probeStateMachine(st, sessions?.completable ?? false), false) : [];
  // The downgrade check reads the baseline: a 1.2-only ClientHello answered before the 1.3 probe.
  const random = st.baseline?.serverHello?.random;
  const sentinel = dtls13.supported && random ? hasDowngradeSentinel(random) : null;
  const draft: Omit<ScanReport, 'findings'> = {
    schemaVersion: SCAN_SCHEMA_VERSION,
    tool: { name: 'puredtls', version: VERSION },
    target: { host: target.host, address: target.address, port: target.port },
    startedAt, durationMs: Math.round(performance.now() - started), limits, traffic: { ...budget.traffic },
    reachable: dtls12.supported !== null || dtls10.supported !== null || dtls13.supported !== null || malformed.size > 0,
    versions: {
      dtls10, dtls12,
      dtls13: { ...dtls13, downgradeSentinel: sentinel, downgradeAnswer: dtls13.supported ? dtls12.answer : null },
    },
    cipherSuites: { ...suites, preference },
    groups, signatureAlgorithms: schemes, certificate: cert.cert,
    extensions: {
      extendedMasterSecret: ext?.extendedMasterSecret ?? null, encryptThenMac: ext?.encryptThenMac ?? null,
      secureRenegotiation: ext?.secureRenegotiation ?? null,
      renegotiation: sessions?.renegotiation ?? null, renegotiationAnswer: sessions?.renegotiationAnswer ?? null,
      sessionIdResumption: sessions?.sessionIdResumption ?? null, ticketIssued: sessions?.ticketIssued ?? null,
      ticketResumption: sessions?.ticketResumption ?? null,
      connectionId: ext?.connectionId ?? { supported: null, serverCidLength: null },
      alpn: ext?.alpn ?? { offered: [...settings.alpn], selected: null, answer: 'not tested' },
      sni: { sent: settings.servername ?? null, acknowledged: ext?.sniAcknowledged ?? null, unknownNameAnswer: cert.unknownNameAnswer },
      srtpProfiles: ext?.srtpProfiles ?? null, heartbeat: ext?.heartbeat ?? null, recordSizeLimit: ext?.recordSizeLimit ?? null,
      serverHelloExtensions: ext?.serverHelloExtensions ?? [],
    },
    dos: { ...dos, stoppedAfterProbe: st.deadAfter ?? null }, timers, fragmentation, stateMachine,
    malformedAnswers: [...malformed].slice(0, 20), notes: st.notes,
  };
  return { ...draft, findings: deriveFindings(draft) };
}
