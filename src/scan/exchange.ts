/**
 * The scanner's basic move: send a ClientHello from a fresh port, follow a
 * HelloVerifyRequest with the cookie, and read the server's first flight
 * (ServerHello … ServerHelloDone, an abbreviated ServerHello + CCS, or an
 * alert). Everything a probe needs to know is in the {@link Exchange}; the
 * socket stays open when the caller goes on (a full handshake), otherwise
 * the exchange ends with a fatal alert so the server forgets it at once.
 */
import { Reader } from '../codec/reader.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { HandshakeType } from '../handshake/registry.js';
import type { ClientHello } from '../handshake/messages/client-hello.js';
import { type HelloVerifyRequest, decodeHelloVerifyRequest } from '../handshake/messages/hello-verify-request.js';
import { type ServerHello, decodeServerHello } from '../handshake/messages/server-hello.js';
import { type HelloSpec, buildClientHello, encodeHello } from './hello.js';
import { type Budget, ProbeSocket, type Target } from './transport.js';
import { FlightReader, SeqCounter, alertRecord, datagram, handshakeRecords } from './wire.js';

/** What every probe shares: where, within which budget, with which crypto. */
export interface ScanContext {
  readonly target: Target;
  readonly budget: Budget;
  readonly provider: CryptoProvider;
  /** How long to wait for an answer, ms. */
  readonly replyTimeout: number;
  /** Progress lines (`--verbose`). */
  readonly log: (line: string) => void;
  /** Collects what the server sent that did not parse (each distinct reason once). */
  readonly malformed?: Set<string>;
}

export type HelloOutcome = 'serverHello' | 'alert' | 'helloVerifyRequestOnly' | 'silence' | 'malformed';

/** One ClientHello exchange, as it happened. */
export interface Exchange {
  readonly sock: ProbeSocket;
  readonly reader: FlightReader;
  readonly outcome: HelloOutcome;
  /** The HelloVerifyRequests received (normally 0 or 1). */
  readonly hvrs: readonly HelloVerifyRequest[];
  /** The ClientHello the server answered (the one with the cookie, if any). */
  readonly hello: ClientHello;
  /** Its encoded body (the transcript's first message). */
  readonly helloBody: Uint8Array;
  /** message_seq of that ClientHello. */
  readonly helloSeq: number;
  readonly serverHello?: ServerHello;
  /** Record version of the record that carried the ServerHello. */
  readonly serverHelloRecordVersion?: number;
  /** Bytes of the first ClientHello datagram(s), and what the server sent before we spoke again. */
  readonly firstHelloBytes: number;
  readonly firstReply: { readonly datagrams: number; readonly bytes: number };
  /** Round-trip time of the first answer, ms. */
  readonly rtt?: number;
  /** Our record sequence counter (epoch 0), for whatever is sent next. */
  readonly seq: SeqCounter;
  /** Why the answer could not be read, when `outcome` is `malformed`. */
  readonly malformed?: string;
  /** The reply timeout it ran with (for {@link endExchange}). */
  readonly replyTimeout: number;
}

export interface ExchangeOptions {
  /** Fragment ClientHellos into pieces of this many body bytes. */
  readonly fragment?: number;
  /** Only the ClientHello with the cookie is fragmented (DTLSv1_listen reads no fragmented first hello). */
  readonly fragmentOnlyCookieHello?: boolean;
  /** Keep the socket for more (a handshake); the caller closes it. */
  readonly keepOpen?: boolean;
  /** Wait only for the ServerHello, not the rest of the flight. */
  readonly helloOnly?: boolean;
  /** Use this socket instead of a fresh one (e.g. to present another port's cookie). */
  readonly socket?: ProbeSocket;
  /** Send this cookie in the first ClientHello. */
  readonly cookie?: Uint8Array;
  /** Stop at the HelloVerifyRequest (to take its cookie elsewhere). */
  readonly stopAtCookie?: boolean;
  /** Wait this long for each answer instead of the context's reply timeout. */
  readonly timeout?: number;
}

/** Is the server's first flight complete (or over)? */
function flightDone(rd: FlightReader, helloOnly: boolean): boolean {
  // A fatal alert or a close_notify ends it (wolfSSL refuses a hello with close_notify);
  // a warning such as unrecognized_name may come before a ServerHello.
  if (rd.alerts.some((a) => a.level === 2 || a.description === 0)) return true;
  if (helloOnly && rd.find(HandshakeType.server_hello)) return true;
  return rd.find(HandshakeType.server_hello_done) !== undefined || (rd.find(HandshakeType.server_hello) !== undefined && rd.ccs > 0);
}

/** Send `body` as ClientHello `messageSeq`, fragmented when asked. */
async function sendHello(sock: ProbeSocket, body: Uint8Array, messageSeq: number, seq: SeqCounter, version: number, fragment: number | undefined): Promise<number> {
  const records = handshakeRecords(HandshakeType.client_hello, messageSeq, body, seq, { version, ...(fragment !== undefined && { fragment }) });
  let bytes = 0;
  for (const rec of fragment ? records.map((r) => [r]) : [records]) {
    const d = datagram(rec);
    bytes += d.length;
    await sock.send(d);
  }
  return bytes;
}

/**
 * Run one ClientHello exchange for `spec`. Never throws for anything the
 * server sends; throws only `BudgetError` (budget or deadline spent).
 */
export async function exchangeHello(ctx: ScanContext, spec: HelloSpec, opts: ExchangeOptions = {}): Promise<Exchange> {
  const sock = opts.socket ?? await ProbeSocket.open(ctx.target, ctx.budget);
  const reader = new FlightReader();
  const seq = new SeqCounter();
  const random = spec.random ?? ctx.provider.randomBytes(32);
  // Record version of the first ClientHello: 1.0 for compatibility (RFC 6347 §4.1), as OpenSSL sends it.
  const recordVersion = 0xfeff;
  let hello = buildClientHello(spec, random, opts.cookie);
  let helloBody = encodeHello(hello);
  let helloSeq = 0;
  const hvrs: HelloVerifyRequest[] = [];
  sock.onDatagram((d) => reader.add(d));
  try {
    const firstHelloBytes = await sendHello(sock, helloBody, 0, seq, recordVersion, opts.fragmentOnlyCookieHello ? undefined : opts.fragment);
    const sentAt = sock.sentAt[sock.sentAt.length - 1]!;
    let firstReply: { datagrams: number; bytes: number } | undefined;
    let malformed: string | undefined;
    const timeout = opts.timeout ?? ctx.replyTimeout;
    let resent = false;
    for (let round = 0; round < 3; round++) {
      const hvrCount = () => reader.messages.filter((m) => m.msgType === HandshakeType.hello_verify_request).length;
      const handled = hvrs.length;
      const answered = () => hvrCount() > handled || flightDone(reader, opts.helloOnly ?? false);
      const heard = sock.received.length;
      await sock.waitFor(answered, timeout);
      // No answer at all: resend the hello once, as a client's retransmission
      // timer would (a server program between two connections, a lost datagram).
      // After a cookie, only on the full timeout: a fast probe's silence is
      // settled by the caller's confirmation pass.
      if (!answered() && sock.received.length === heard && !resent && (round === 0 || timeout >= ctx.replyTimeout)) {
        resent = true;
        const frag = round === 0 && opts.fragmentOnlyCookieHello ? undefined : opts.fragment;
        await sendHello(sock, helloBody, helloSeq, seq, round === 0 ? recordVersion : spec.version === 0xfeff ? 0xfeff : 0xfefd, frag);
        await sock.waitFor(answered, timeout);
      }
      if (round === 0) firstReply = { datagrams: sock.traffic.datagramsIn, bytes: sock.traffic.bytesIn };
      const hvrMsgs = reader.messages.filter((m) => m.msgType === HandshakeType.hello_verify_request);
      if (hvrMsgs.length <= handled || reader.find(HandshakeType.server_hello)) break;
      let hvr: HelloVerifyRequest;
      try {
        hvr = decodeHelloVerifyRequest(new Reader(hvrMsgs[hvrMsgs.length - 1]!.body));
      } catch (e) {
        malformed = `HelloVerifyRequest: ${(e as Error).message}`;
        break;
      }
      hvrs.push(hvr);
      if (round === 2 || opts.stopAtCookie) break;
      hello = buildClientHello(spec, random, hvr.cookie);
      helloBody = encodeHello(hello);
      helloSeq++;
      await sendHello(sock, helloBody, helloSeq, seq, spec.version === 0xfeff ? 0xfeff : 0xfefd, opts.fragment);
    }
    const sh = reader.find(HandshakeType.server_hello);
    let serverHello: ServerHello | undefined;
    if (sh) {
      try {
        serverHello = decodeServerHello(new Reader(sh.body));
      } catch (e) {
        malformed = `ServerHello: ${(e as Error).message}`;
      }
    }
    malformed ??= reader.malformed[0];
    for (const m of [malformed, ...reader.malformed]) if (m !== undefined) ctx.malformed?.add(m);
    const outcome: HelloOutcome = serverHello ? 'serverHello'
      : reader.alert ? 'alert'
      : malformed ? 'malformed'
      : hvrs.length > 0 ? 'helloVerifyRequestOnly' : 'silence';
    const firstAt = sock.received[0]?.at;
    const ex: Exchange = {
      sock, reader, outcome, hvrs, hello, helloBody, helloSeq, seq, firstHelloBytes, replyTimeout: opts.timeout ?? ctx.replyTimeout,
      firstReply: firstReply ?? { datagrams: 0, bytes: 0 },
      ...(serverHello && { serverHello, serverHelloRecordVersion: firstRecordVersion(sock, HandshakeType.server_hello) }),
      ...(firstAt !== undefined && { rtt: firstAt - sentAt }),
      ...(malformed !== undefined && { malformed }),
    };
    if (!opts.keepOpen) await endExchange(ex);
    return ex;
  } catch (e) {
    sock.close();
    throw e;
  }
}

/** The record version of the first datagram carrying a handshake message of `msgType`. */
function firstRecordVersion(sock: ProbeSocket, msgType: number): number | undefined {
  for (const { data } of sock.received) {
    const rd = new FlightReader();
    rd.add(data);
    if (rd.find(msgType)) return rd.recordVersions.values().next().value;
  }
  return undefined;
}

/**
 * End an exchange the server may still hold state for. After a ServerHello
 * (and no fatal alert or close_notify from the server): a fatal
 * handshake_failure alert in epoch 0. After a HelloVerifyRequest we did not
 * follow: first the hello with the cookie (a stateful server, such as
 * OpenSSL's s_server without -listen, waits for it), then the alert if it
 * brought a ServerHello. Never a stray alert to a server that holds nothing
 * for us: gnutls-serv's UDP loop takes any datagram that is not a
 * ClientHello as a new connection and then serves nobody else.
 */
export async function endExchange(ex: Exchange): Promise<void> {
  try {
    const ended = () => ex.reader.alerts.some((a) => a.level === 2 || a.description === 0);
    if (!ended() && ex.hvrs.length > 0 && ex.helloSeq === 0 && ex.outcome !== 'serverHello') {
      const hello = { ...ex.hello, cookie: ex.hvrs[ex.hvrs.length - 1]!.cookie };
      await ex.sock.send(datagram(handshakeRecords(HandshakeType.client_hello, 1, encodeHello(hello), ex.seq)));
      await ex.sock.waitFor(() => ended() || ex.reader.find(HandshakeType.server_hello) !== undefined, ex.replyTimeout);
      if (!ended() && ex.reader.find(HandshakeType.server_hello)) await ex.sock.send(alertRecord(2, 40, ex.seq));
    } else if (!ended() && ex.outcome === 'serverHello') {
      await ex.sock.send(alertRecord(2, 40, ex.seq));
    }
  } catch {
    // out of budget: the server times the handshake out itself
  } finally {
    ex.sock.close();
  }
}
