/**
 * Real third-party DTLS 1.2 peers for the interop tests: `openssl s_client`,
 * `openssl s_server`, `gnutls-cli --udp` and `gnutls-serv --udp --echo`.
 *
 * Every process started here is bounded by a timeout, tracked, and stopped by
 * {@link stopAllPeers} (call it in `afterEach`). Readiness is always detected
 * from the peer's own output, never by sleeping:
 *
 * - `openssl s_server` prints `ACCEPT <addr>:<port>` on stdout once bound
 *   (only without `-brief`/`-quiet`, so it runs in its verbose mode here);
 * - `gnutls-serv` prints `UDP Echo Server listening on IPv4 0.0.0.0 port N...done`
 *   on stderr;
 * - `openssl s_client -brief` prints `CONNECTION ESTABLISHED` on stderr after
 *   the handshake (its stdout then carries only application data);
 * - `gnutls-cli` prints `- Simple Client Mode:` on stdout after the handshake.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The test PKI (see test/fixtures/pki/README.md). */
export const PKI_DIR = fileURLToPath(new URL('../fixtures/pki/', import.meta.url));
export function pkiPath(name: string): string {
  return join(PKI_DIR, name);
}
export function pki(name: string): Buffer {
  return readFileSync(pkiPath(name));
}

/** Prefix of every message the tests send; the s_server echo loop only echoes lines carrying it. */
export const MESSAGE_PREFIX = 'puredtls-interop-';

/** Whether a command can be run on this machine. */
export function hasCommand(cmd: string, args: string[] = ['--version']): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 5_000 });
  return r.error === undefined && r.status === 0;
}

/** True when running under CI (`CI=true`, which .ci/run sets): interop peers are then required. */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/**
 * Whether an interop peer is here. On a developer's machine the suites that
 * need a missing peer are skipped; under CI a missing peer throws when the
 * test file loads, so the run fails (naming what .ci/run should install)
 * instead of passing with the interop tests left out.
 */
export function requirePeer(what: string, available: boolean, install: string): boolean {
  if (!available && IN_CI) throw new Error(`CI=true and ${what} is missing: the interop tests need it (.ci/run installs ${install})`);
  return available;
}
export const HAS_OPENSSL = requirePeer('openssl', hasCommand('openssl', ['version']), 'openssl');
export const HAS_GNUTLS_CLI = requirePeer('gnutls-cli', hasCommand('gnutls-cli'), 'gnutls-bin');
export const HAS_GNUTLS_SERV = requirePeer('gnutls-serv', hasCommand('gnutls-serv'), 'gnutls-bin');

// ---------------------------------------------------------------------------
// Processes

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

type Stream = 'stdout' | 'stderr';

/** One spawned peer process with its collected output. */
export class PeerProcess {
  readonly commandLine: string;
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  exit: Exit | undefined;
  readonly exited: Promise<Exit>;
  private readonly listeners = new Set<() => void>();
  private readonly cleanups: (() => void)[] = [];

  constructor(readonly command: string, readonly args: readonly string[], timeoutMs: number) {
    this.commandLine = [command, ...args].map(quote).join(' ');
    // The bound: Node kills the process (SIGKILL) once `timeoutMs` has passed.
    this.child = spawn(command, [...args], { stdio: 'pipe', timeout: timeoutMs, killSignal: 'SIGKILL', env: { ...process.env, LC_ALL: 'C' } });
    this.child.stdout.setEncoding('latin1');
    this.child.stderr.setEncoding('latin1');
    this.child.stdout.on('data', (d: string) => { this.stdout += d; this.notify(); });
    this.child.stderr.on('data', (d: string) => { this.stderr += d; this.notify(); });
    this.child.stdin.on('error', () => { /* the peer exited: EPIPE is expected */ });
    this.exited = new Promise<Exit>((resolve) => {
      this.child.on('error', (err) => {
        this.stderr += `\n[spawn error: ${err.message}]\n`;
        this.exit ??= { code: -1, signal: null };
        this.notify();
        resolve(this.exit);
      });
      this.child.on('close', (code, signal) => {
        this.exit ??= { code, signal };
        this.notify();
        resolve(this.exit);
      });
    });
    live.add(this);
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Register something to undo when the process is stopped (temp files, ...). */
  onStop(fn: () => void): void {
    this.cleanups.push(fn);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Call `fn` whenever new output arrives or the process exits, until `fn` returns a value. */
  private watch<T>(fn: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        this.listeners.delete(check);
        if (timer) clearTimeout(timer);
      };
      const check = () => {
        let v: T | undefined;
        try {
          v = fn();
        } catch (e) {
          done();
          reject(e as Error);
          return;
        }
        if (v !== undefined) {
          done();
          resolve(v);
        } else if (!this.running) {
          done();
          reject(new Error(`${what}: the peer exited (${fmtExit(this.exit)}) first\n${this.describe()}`));
        }
      };
      timer = setTimeout(() => {
        done();
        reject(new Error(`${what}: not within ${timeoutMs} ms\n${this.describe()}`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  /** Wait until `re` matches the given output stream (from character offset `from`). */
  waitFor(stream: Stream, re: RegExp, timeoutMs = 10_000, from = 0): Promise<RegExpMatchArray> {
    return this.watch(() => this[stream].slice(from).match(re) ?? undefined, timeoutMs, `waiting for ${re} on ${stream}`);
  }

  /**
   * Wait until `re` matches `stream` or the process exits, whichever comes
   * first: the match, or null when it exited without it.
   */
  waitForOrExit(stream: Stream, re: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray | null> {
    return this.watch<RegExpMatchArray | null>(
      () => this[stream].match(re) ?? (this.running ? undefined : null), timeoutMs, `waiting for ${re} on ${stream} or exit`);
  }

  /** Wait for the process to exit, up to `timeoutMs`; stops it (TERM, then KILL) when it does not. */
  async waitExit(timeoutMs = 5_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), timeoutMs); });
    const r = await Promise.race([this.exited, timedOut]);
    if (timer) clearTimeout(timer);
    if (r === 'timeout') return this.stop();
    return r;
  }

  write(text: string): void {
    if (this.running && this.child.stdin.writable) this.child.stdin.write(text);
  }

  endInput(): void {
    if (!this.child.stdin.writableEnded) this.child.stdin.end();
  }

  /** Stop the process: SIGTERM, then SIGKILL after a second. Resolves once it is gone. */
  async stop(): Promise<Exit> {
    if (this.running) {
      this.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((r) => { timer = setTimeout(r, 1_000); });
      await Promise.race([this.exited, grace]);
      if (timer) clearTimeout(timer);
      if (this.running) this.child.kill('SIGKILL');
    }
    const exit = await this.exited;
    live.delete(this);
    for (const fn of this.cleanups.splice(0)) {
      try {
        fn();
      } catch {
        // best effort
      }
    }
    return exit;
  }

  /** The command line and the end of both outputs, for failure messages. */
  describe(lines = 25): string {
    const tail = (s: string) => s.split('\n').slice(-lines).join('\n');
    return `$ ${this.commandLine}\n--- stdout (tail) ---\n${tail(this.stdout)}\n--- stderr (tail) ---\n${tail(this.stderr)}`;
  }
}

const live = new Set<PeerProcess>();

/** Stop every peer process still running (use in afterEach/afterAll). */
export async function stopAllPeers(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

process.once('exit', () => {
  for (const p of live) {
    if (p.running) p.child.kill('SIGKILL');
  }
});

function quote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function fmtExit(e: Exit | undefined): string {
  if (!e) return 'running';
  return e.signal ? `signal ${e.signal}` : `exit ${e.code}`;
}

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `puredtls-interop-${prefix}-`));
}

function readIfExists(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}

/** A UDP port free on the wildcard address right now (for gnutls-serv, which cannot bind one address). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------
// openssl -msg logs

export const HANDSHAKE_TYPES: Readonly<Record<number, string>> = {
  0: 'HelloRequest', 1: 'ClientHello', 2: 'ServerHello', 3: 'HelloVerifyRequest', 4: 'NewSessionTicket',
  11: 'Certificate', 12: 'ServerKeyExchange', 13: 'CertificateRequest', 14: 'ServerHelloDone',
  15: 'CertificateVerify', 16: 'ClientKeyExchange', 20: 'Finished',
};

export interface MsgLogMessage {
  /** '<<<' received, '>>>' sent. */
  dir: '<<<' | '>>>';
  type: string;
  /** Body length from the handshake header. */
  length: number;
  /** It travelled in more than one record. */
  fragmented: boolean;
  /** ClientHello only: length of its cookie. */
  cookie?: number;
}

export interface MsgLog {
  messages: MsgLogMessage[];
  /** A HelloVerifyRequest was sent or received, or a ClientHello carried a cookie. */
  cookieExchange: boolean;
  /** Some handshake message was sent or received in fragments. */
  fragmented: boolean;
  /** Largest handshake-type record received / sent (record payload length). */
  maxHandshakeRecord: { '<<<': number; '>>>': number };
  /** Alerts sent and received (level 1 warning / 2 fatal; description 0 = close_notify). */
  alerts: { dir: '<<<' | '>>>'; level: number; description: number }[];
}

/**
 * Parse OpenSSL's `-msg` output. For every record it prints a line
 * `<<< ... content_type=256` (or `>>> DTLS 1.0, RecordHeader`) and the 13-byte
 * header; for every whole handshake message a line `content_type=22` and its
 * bytes, after the records that carried it (received: once reassembled; sent:
 * after all its fragments went out). A handshake message whose 12-byte header
 * plus body is longer than the last record before it came or went in
 * fragments. (The HelloVerifyRequest sent by `s_server -listen` is printed as
 * a record header only; its effect shows as the cookie in the next ClientHello.)
 */
export function parseMsgLog(text: string): MsgLog {
  const lines = text.split('\n');
  const messages: MsgLogMessage[] = [];
  const lastHeaderLen = { '<<<': -1, '>>>': -1 };
  const maxHandshakeRecord = { '<<<': 0, '>>>': 0 };
  const alerts: MsgLog['alerts'] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(<<<|>>>) (.*)$/.exec(lines[i]!);
    if (!m) continue;
    const dir = m[1] as '<<<' | '>>>';
    const ctMatch = /content_type=(\d+)/.exec(m[2]!);
    const ct = ctMatch ? Number(ctMatch[1]) : /RecordHeader/.test(m[2]!) ? 256 : -1;
    const bytes: number[] = [];
    for (let j = i + 1; j < lines.length && /^ {4}[0-9a-f]{2}( |$)/.test(lines[j]!); j++) {
      for (const b of lines[j]!.trim().split(/\s+/)) if (/^[0-9a-f]{2}$/.test(b)) bytes.push(parseInt(b, 16));
    }
    if (ct === 256 && bytes.length >= 13) {
      if (bytes[0] !== 22) continue;
      const len = (bytes[11]! << 8) | bytes[12]!;
      maxHandshakeRecord[dir] = Math.max(maxHandshakeRecord[dir], len);
      lastHeaderLen[dir] = len;
    } else if (ct === 21 && bytes.length >= 2) {
      alerts.push({ dir, level: bytes[0]!, description: bytes[1]! });
    } else if (ct === 22 && bytes.length >= 4) {
      const length = (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!;
      const type = HANDSHAKE_TYPES[bytes[0]!] ?? `type${bytes[0]}`;
      // Epoch-0 records only: an encrypted record is longer than what it carries.
      const fragmented = lastHeaderLen[dir] >= 0 && lastHeaderLen[dir] < length + 12;
      const msg: MsgLogMessage = { dir, type, length, fragmented };
      if (type === 'ClientHello' && !fragmented) {
        // header 12, client_version 2, random 32, session_id <0..32>, cookie <0..255>
        const sid = bytes[12 + 34];
        const cookie = sid === undefined ? undefined : bytes[12 + 35 + sid];
        if (cookie !== undefined) msg.cookie = cookie;
      }
      messages.push(msg);
    }
  }
  return {
    messages,
    cookieExchange: messages.some((m) => m.type === 'HelloVerifyRequest' || (m.cookie ?? 0) > 0),
    fragmented: messages.some((m) => m.fragmented),
    maxHandshakeRecord,
    alerts,
  };
}

// ---------------------------------------------------------------------------
// Clients (to test our server)

export interface ClientRun {
  commandLine: string;
  /** The handshake completed (the peer said so). */
  handshake: boolean;
  /** The message came back. */
  echoed: boolean;
  exit: Exit;
  stdout: string;
  stderr: string;
  /** Printed on failed assertions. */
  describe(): string;
}

export interface OpensslClientRun extends ClientRun {
  /** `Ciphersuite:` line of `-brief`. */
  cipher: string | undefined;
  protocol: string | undefined;
  /** Raw `-msg` log and its analysis. */
  msgLog: string;
  msg: MsgLog;
}

export interface OpensslClientOptions {
  port: number;
  host?: string;
  /** Sent after the handshake (a line); it must come back. Default `puredtls-interop-ping`. */
  message?: string;
  cipher?: string;
  groups?: string;
  sigalgs?: string;
  cert?: string;
  key?: string;
  /** Trust anchors, a file name in the PKI directory (default ca-bundle.pem). */
  CAfile?: string;
  /** Fail on server certificate verification errors (default true). */
  verify?: boolean;
  mtu?: number;
  servername?: string;
  extra?: string[];
  /** Bound for the whole run (default 15 s). */
  timeoutMs?: number;
  /**
   * Who ends the connection after the echo: 'client' (default: stdin EOF makes
   * s_client send close_notify) or 'server' (call `closeServerSide`, then wait
   * for s_client to exit on the server's close_notify).
   */
  closeBy?: 'client' | 'server';
  closeServerSide?: () => void | Promise<void>;
}

/**
 * Run `openssl s_client -dtls1_2` against a server: handshake, send one line,
 * wait for it to be echoed, close (stdin EOF makes s_client send close_notify).
 */
export async function runOpensslClient(o: OpensslClientOptions): Promise<OpensslClientRun> {
  const host = o.host ?? '127.0.0.1';
  const addr = host.includes(':') ? `[${host}]` : host;
  const dir = tempDir('s_client');
  const msgFile = join(dir, 'msg.log');
  const args = ['s_client', '-dtls1_2', '-brief', '-connect', `${addr}:${o.port}`, '-nocommands',
    '-CAfile', pkiPath(o.CAfile ?? 'ca-bundle.pem'), '-msg', '-msgfile', msgFile];
  if (o.verify ?? true) args.push('-verify_return_error');
  args.push(...(o.servername ? ['-servername', o.servername] : ['-noservername']));
  if (o.cipher) args.push('-cipher', o.cipher);
  if (o.groups) args.push('-groups', o.groups);
  if (o.sigalgs) args.push('-sigalgs', o.sigalgs);
  if (o.cert) args.push('-cert', pkiPath(o.cert));
  if (o.key) args.push('-key', pkiPath(o.key));
  if (o.mtu) args.push('-mtu', String(o.mtu));
  args.push(...(o.extra ?? []));
  const timeoutMs = o.timeoutMs ?? 15_000;
  const p = new PeerProcess('openssl', args, timeoutMs);
  p.onStop(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const message = o.message ?? `${MESSAGE_PREFIX}ping`;
    const hs = await p.waitForOrExit('stderr', /^CONNECTION ESTABLISHED$/m, timeoutMs);
    let echoed = false;
    if (hs) {
      p.write(`${message}\n`);
      echoed = (await p.waitFor('stdout', new RegExp(escapeRe(message)), timeoutMs).catch(() => null)) !== null;
    }
    if (hs && o.closeBy === 'server') await o.closeServerSide?.();
    else p.endInput();
    const exit = await p.waitExit(15_000);
    const msgLog = readIfExists(msgFile);
    const cipher = /^Ciphersuite: *(\S+)/m.exec(p.stderr)?.[1];
    const protocol = /^Protocol version: *(\S+)/m.exec(p.stderr)?.[1];
    return {
      commandLine: p.commandLine, handshake: hs !== null, echoed, exit, stdout: p.stdout, stderr: p.stderr,
      cipher, protocol, msgLog, msg: parseMsgLog(msgLog), describe: () => p.describe(),
    };
  } finally {
    await p.stop();
  }
}

export interface GnutlsClientRun extends ClientRun {
  /** GnuTLS's `- Description:` of the session, e.g. `(DTLS1.2)-(ECDHE-SECP256R1)-(ECDSA-SECP256R1-SHA256)-(AES-128-GCM)`. */
  description: string | undefined;
}

export interface GnutlsClientOptions {
  port: number;
  host?: string;
  message?: string;
  /** GnuTLS priority string (default: NORMAL restricted to DTLS 1.2). */
  priority?: string;
  CAfile?: string;
  /** Name to check the server certificate against (default localhost). */
  verifyHostname?: string;
  cert?: string;
  key?: string;
  mtu?: number;
  extra?: string[];
  timeoutMs?: number;
}

/** GnuTLS priority string selecting exactly one suite (DTLS 1.2 only). */
export function gnutlsPriority(kx: 'ECDHE-ECDSA' | 'ECDHE-RSA', cipher: string): string {
  return `NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:+${kx}:-CIPHER-ALL:+${cipher}:-MAC-ALL:+AEAD`;
}

/** Run `gnutls-cli --udp` against a server: handshake, one line echoed, close. */
export async function runGnutlsClient(o: GnutlsClientOptions): Promise<GnutlsClientRun> {
  const args = ['--udp', '-p', String(o.port), '--priority', o.priority ?? 'NORMAL:-VERS-ALL:+VERS-DTLS1.2',
    '--x509cafile', pkiPath(o.CAfile ?? 'ca-bundle.pem'), '--verify-hostname', o.verifyHostname ?? 'localhost'];
  if (o.cert) args.push('--x509certfile', pkiPath(o.cert));
  if (o.key) args.push('--x509keyfile', pkiPath(o.key));
  if (o.mtu) args.push('--mtu', String(o.mtu));
  args.push(...(o.extra ?? []), o.host ?? '127.0.0.1');
  const timeoutMs = o.timeoutMs ?? 15_000;
  const p = new PeerProcess('gnutls-cli', args, timeoutMs);
  try {
    const message = o.message ?? `${MESSAGE_PREFIX}ping`;
    const marker = /^- Simple Client Mode:.*$/m;
    const hs = await p.waitForOrExit('stdout', marker, timeoutMs);
    let echoed = false;
    if (hs) {
      const from = hs.index! + hs[0].length;
      p.write(`${message}\n`);
      echoed = (await p.waitFor('stdout', new RegExp(escapeRe(message)), timeoutMs, from).catch(() => null)) !== null;
    }
    p.endInput();
    const exit = await p.waitExit(15_000);
    return {
      commandLine: p.commandLine, handshake: hs !== null, echoed, exit, stdout: p.stdout, stderr: p.stderr,
      description: /^- Description: *(.*)$/m.exec(p.stdout)?.[1], describe: () => p.describe(),
    };
  } finally {
    await p.stop();
  }
}

// ---------------------------------------------------------------------------
// Servers (to test our client)

export interface OpensslServerOptions {
  /** Certificate and key, file names in the PKI directory (default server-ecdsa-p256). */
  cert?: string;
  key?: string;
  cipher?: string;
  mtu?: number;
  /** Stateless cookie exchange first (`-listen`). */
  listen?: boolean;
  /** Demand a client certificate verified against `CAfile` (`-Verify 1 -verify_return_error`). */
  requireClientCert?: boolean;
  CAfile?: string;
  /** Connections to serve before exiting (default 1). */
  naccept?: number;
  extra?: string[];
  /** Bound for the whole run (default 30 s). */
  timeoutMs?: number;
}

export class OpensslServer {
  private echoedUpTo = 0;
  constructor(readonly proc: PeerProcess, readonly port: number, readonly msgFile: string) {}

  /** The `-msg` log so far (complete once the server exited). */
  msgLog(): MsgLog {
    return parseMsgLog(readIfExists(this.msgFile));
  }

  /** @internal echo every complete stdout line that carries a test message */
  pump(): void {
    const out = this.proc.stdout;
    const end = out.lastIndexOf('\n') + 1;
    if (end <= this.echoedUpTo) return;
    for (const line of out.slice(this.echoedUpTo, end).split('\n')) {
      const m = new RegExp(`${escapeRe(MESSAGE_PREFIX)}[\\w.-]*`).exec(line);
      if (m) this.proc.write(`${m[0]}\n`);
    }
    this.echoedUpTo = end;
  }
}

/**
 * Start `openssl s_server -dtls1_2` on 127.0.0.1 and a free port, wait for
 * its `ACCEPT` line. It echoes test messages: every stdout line with
 * {@link MESSAGE_PREFIX} is written back to s_server's stdin, which sends it
 * to the client. (s_server runs without `-brief` so that it prints `ACCEPT`;
 * its stdout then also carries session details, hence the prefix. Lines
 * starting with `Q`, `q`, `P`, `S`... would be s_server commands: the prefix
 * starts with a lower-case `p`.)
 */
export async function startOpensslServer(o: OpensslServerOptions = {}): Promise<OpensslServer> {
  const dir = tempDir('s_server');
  const msgFile = join(dir, 'msg.log');
  const args = ['s_server', '-dtls1_2', '-accept', '127.0.0.1:0', '-naccept', String(o.naccept ?? 1),
    '-cert', pkiPath(o.cert ?? 'server-ecdsa-p256.crt.pem'), '-key', pkiPath(o.key ?? 'server-ecdsa-p256.key.pem'),
    '-msg', '-msgfile', msgFile];
  if (o.cipher) args.push('-cipher', o.cipher);
  if (o.mtu) args.push('-mtu', String(o.mtu));
  if (o.listen) args.push('-listen');
  if (o.requireClientCert) args.push('-Verify', '1', '-verify_return_error', '-CAfile', pkiPath(o.CAfile ?? 'ca-bundle.pem'));
  args.push(...(o.extra ?? []));
  const p = new PeerProcess('openssl', args, o.timeoutMs ?? 30_000);
  p.onStop(() => rmSync(dir, { recursive: true, force: true }));
  const m = await p.waitFor('stdout', /^ACCEPT (?:\S+):(\d+)$/m, 10_000);
  const server = new OpensslServer(p, Number(m[1]), msgFile);
  p.child.stdout.on('data', () => server.pump());
  server.pump();
  return server;
}

export interface GnutlsServerOptions {
  cert?: string;
  key?: string;
  priority?: string;
  mtu?: number;
  extra?: string[];
  timeoutMs?: number;
}

export class GnutlsServer {
  constructor(readonly proc: PeerProcess, readonly port: number) {}
}

/**
 * Start `gnutls-serv --udp --echo` (echoes every record) on a free port and
 * wait for its "listening on IPv4" line. gnutls-serv binds the wildcard
 * addresses; connect to it through 127.0.0.1 only. A port taken between our
 * probe and its bind makes it exit: then another port is tried.
 */
export async function startGnutlsServer(o: GnutlsServerOptions = {}): Promise<GnutlsServer> {
  let last: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeUdpPort();
    const args = ['--udp', '--echo', '-p', String(port), '--priority', o.priority ?? 'NORMAL:-VERS-ALL:+VERS-DTLS1.2',
      '--x509certfile', pkiPath(o.cert ?? 'server-ecdsa-p256.crt.pem'), '--x509keyfile', pkiPath(o.key ?? 'server-ecdsa-p256.key.pem'),
      '--disable-client-cert'];
    if (o.mtu) args.push('--mtu', String(o.mtu));
    args.push(...(o.extra ?? []));
    const p = new PeerProcess('gnutls-serv', args, o.timeoutMs ?? 30_000);
    try {
      await p.waitFor('stderr', new RegExp(`listening on IPv4 \\S+ port ${port}\\.\\.\\.done`), 10_000);
      return new GnutlsServer(p, port);
    } catch (e) {
      last = e as Error;
      await p.stop();
    }
  }
  throw last!;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
