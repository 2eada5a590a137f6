/**
 * Denial-of-service posture, timers and fragmentation: the cookie exchange
 * and what a server sends before it (amplification), whether a cookie is
 * bound to the client's address, how many datagrams one spoofed ClientHello
 * draws, the retransmission timer (measured by staying silent), the
 * server's fragment sizes, and whether it reassembles a fragmented
 * ClientHello.
 */
import { endExchange, exchangeHello } from '../exchange.js';
import { ProbeSocket } from '../transport.js';
import type { DosResult, FragmentationResult, TimersResult } from '../report.js';
import type { ScanState } from '../state.js';
import { FlightReader } from '../wire.js';
import { parseDatagram } from '../../record/record.js';

/** Gap (ms) that separates two transmissions of a flight. */
const BURST_GAP = 150;

/** Start times of the bursts of datagrams in `times` (ms). */
function bursts(times: readonly number[]): number[] {
  const out: number[] = [];
  let last = -Infinity;
  for (const t of times) {
    if (t - last > BURST_GAP) out.push(t);
    last = t;
  }
  return out;
}

/** Suites for the probes below: what the server accepted, else the baseline's choice. */
function probeSuites(st: ScanState): number[] {
  return st.accepted.length > 0 ? st.acceptedIds() : st.baseline?.serverHello ? [st.baseline.serverHello.cipherSuite] : [];
}

export async function probeDos(st: ScanState): Promise<DosResult> {
  const base = st.baseline;
  const out: DosResult = {
    cookieRequired: null, cookieLength: null, amplification: null, cookieBoundToAddress: null,
    spoofedHelloDatagrams: null, spoofedHelloWindowMs: st.settings.spoofWindow, stoppedAfterProbe: null,
  };
  if (!base) return out;
  const cookie = base.hvrs[0]?.cookie;
  const amplification = {
    bytesIn: base.firstHelloBytes, bytesOut: base.firstReply.bytes,
    factor: Math.round((base.firstReply.bytes / base.firstHelloBytes) * 100) / 100,
  };
  const result: { -readonly [K in keyof DosResult]: DosResult[K] } = {
    ...out, cookieRequired: cookie !== undefined, cookieLength: cookie?.length ?? null, amplification,
  };
  const suites = probeSuites(st);
  if (cookie !== undefined && st.ctx.target.shared) {
    st.note('cookie binding not tested: every probe comes from one port (--same-port)');
  } else if (cookie !== undefined) {
    // The cookie of one port, presented from another with the very same hello.
    const random = st.ctx.provider.randomBytes(32);
    const spec = st.spec(suites, { random });
    const a = await exchangeHello(st.ctx, spec, { stopAtCookie: true });
    const c = a.hvrs[0]?.cookie;
    if (c) {
      const b = await exchangeHello(st.ctx, spec, { cookie: c, helloOnly: true });
      // Accepted with no new cookie: not bound. A fresh HelloVerifyRequest (RFC 6347
      // §4.2.1) or an alert (OpenSSL without -listen: "cookie mismatch") for the
      // hello the other port got through with: bound.
      result.cookieBoundToAddress = b.hvrs.length > 0 || b.outcome === 'alert' ? true : b.serverHello ? false : null;
    }
  }
  if (cookie !== undefined) {
    // One spoofed ClientHello, and silence: how many datagrams come back?
    const sock = await ProbeSocket.open(st.ctx.target, st.ctx.budget);
    try {
      const first = await exchangeHello(st.ctx, st.spec(suites), { socket: sock, stopAtCookie: true, keepOpen: true });
      try {
        await sleepOn(sock, st.settings.spoofWindow - (first.rtt ?? 0));
        result.spoofedHelloDatagrams = plaintextDatagrams(sock);
      } finally {
        await endExchange(first);
      }
    } finally {
      sock.close();
    }
  }
  return result;
}

/**
 * Datagrams received that carry an epoch-0 record: what an unverified
 * address can draw (a late epoch-1 resend of an earlier probe, on a shared
 * port, is not counted).
 */
function plaintextDatagrams(sock: ProbeSocket): number {
  return sock.received.filter((r) => parseDatagram(r.data).records.some((rec) => rec.epoch === 0)).length;
}

/** Stay silent on `sock` for `ms` (counting whatever arrives). */
function sleepOn(sock: ProbeSocket, ms: number): Promise<boolean> {
  return sock.waitFor(() => false, Math.max(0, ms));
}

/**
 * The server's retransmission timer: a ClientHello (with the cookie when
 * asked), then silence for the window; each new burst of the server's
 * flight is a retransmission. Without a cookie exchange the same run counts
 * what one spoofed ClientHello draws.
 */
export async function probeTimers(st: ScanState, dos: { -readonly [K in keyof DosResult]: DosResult[K] }): Promise<TimersResult> {
  const windowMs = st.settings.timerWindow;
  const none: TimersResult = { initialTimeoutMs: null, intervalsMs: [], retransmissions: null, backoffDoubles: null, windowMs };
  const suites = probeSuites(st);
  if (suites.length === 0) return none;
  const ex = await exchangeHello(st.ctx, st.spec(suites), { keepOpen: true, helloOnly: true });
  try {
    if (!ex.serverHello) return none;
    const start = ex.sock.sentAt[ex.sock.sentAt.length - 1]!;
    await sleepOn(ex.sock, windowMs - (ex.sock.received[ex.sock.received.length - 1]!.at - start));
    // Only datagrams after the (last) ClientHello belong to the flight.
    const times = ex.sock.received.map((r) => r.at).filter((t) => t >= start);
    const b = bursts(times);
    const intervals = b.slice(1).map((t, i) => Math.round(t - b[i]!));
    if (dos.cookieRequired === false) dos.spoofedHelloDatagrams = plaintextDatagrams(ex.sock);
    const doubles = intervals.length >= 2 ? intervals.slice(1).every((d, i) => d > intervals[i]! * 1.5 && d < intervals[i]! * 2.6) : null;
    return {
      initialTimeoutMs: b.length >= 2 ? Math.round(b[1]! - start) : null,
      intervalsMs: intervals, retransmissions: b.length - 1, backoffDoubles: doubles, windowMs,
    };
  } finally {
    await endExchange(ex);
  }
}

/** The server's datagram and record sizes, from the baseline exchange (no traffic). */
export function serverSizes(st: ScanState): FragmentationResult {
  const out: { -readonly [K in keyof FragmentationResult]: FragmentationResult[K] } = {
    largestDatagram: null, largestHandshakeRecord: null, serverFragments: null,
    reassemblesFirstHello: null, reassemblesCookieHello: null, fragmentSize: st.settings.fragmentSize,
  };
  const base = st.baseline;
  if (!base) return out;
  const rd = new FlightReader();
  for (const r of base.sock.received) rd.add(r.data);
  out.largestDatagram = Math.max(...rd.datagramLengths);
  out.largestHandshakeRecord = rd.handshakeRecordLengths.length ? Math.max(...rd.handshakeRecordLengths) : null;
  out.serverFragments = rd.fragmented;
  return out;
}

/** The server's sizes, and two fragmented ClientHellos. */
export async function probeFragmentation(st: ScanState): Promise<FragmentationResult> {
  const size = st.settings.fragmentSize;
  const out = { ...serverSizes(st) };
  if (!st.baseline) return out;
  const base = st.baseline;
  const suites = probeSuites(st);
  // A hello of about 1000 bytes (what post-quantum key shares bring) in pieces.
  const big = st.spec(suites, { padTo: 1000 });
  const whole = await exchangeHello(st.ctx, big, { fragment: size, helloOnly: true });
  out.reassemblesFirstHello = whole.serverHello !== undefined || whole.hvrs.length > 0;
  if (base.hvrs.length > 0) {
    const cookieOnly = await exchangeHello(st.ctx, big, { fragment: size, fragmentOnlyCookieHello: true, helloOnly: true });
    out.reassemblesCookieHello = cookieOnly.hvrs.length > 0 ? cookieOnly.serverHello !== undefined : null;
  } else {
    out.reassemblesCookieHello = whole.serverHello !== undefined;
  }
  return out;
}
