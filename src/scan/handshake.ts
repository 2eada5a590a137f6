/**
 * A scripted DTLS 1.2 client for the probes that need more than a hello:
 * full handshakes (ECDHE, PSK, ECDHE-PSK with every suite the stack can
 * protect records for), abbreviated ones (session ID or ticket), and the
 * deliberate mistakes of the state-machine probes (a wrong verify_data, a
 * ChangeCipherSpec too early, a Finished without one, a flight sent twice).
 * Built from the project's codec, message encoders, PRF and record
 * protection. It authenticates nothing (the server's signature and chain are
 * reported, not trusted), which is what a scanner needs.
 */
import { Reader } from '../codec/reader.js';
import { encode } from '../codec/writer.js';
import { verifyData } from '../crypto/prf.js';
import type { CipherSuite } from '../crypto/suites.js';
import { suiteById } from '../crypto/suites.js';
import { ContentType, DTLS1_2 } from '../record/content-type.js';
import { encodeRecord } from '../record/record.js';
import type { RecordProtection } from '../record/protection.js';
import { groupById } from '../handshake/negotiation.js';
import { HandshakeType } from '../handshake/registry.js';
import { Transcript } from '../handshake/transcript.js';
import { fullMessage } from '../handshake/header.js';
import { pskPremaster } from '../handshake/common.js';
import { encodeClientKeyExchange } from '../handshake/messages/client-key-exchange.js';
import { decodeServerKeyExchange } from '../handshake/messages/server-key-exchange.js';
import { decodeNewSessionTicket } from '../handshake/messages/new-session-ticket.js';
import { findExtension } from '../handshake/extensions.js';
import { type Exchange, type ScanContext, endExchange, exchangeHello } from './exchange.js';
import type { HelloSpec } from './hello.js';
import { deriveMaster, epochKeys, keyBlockParts } from './keys.js';
import { ScanExtension } from './names.js';
import { type ServerAlert, SeqCounter, alertRecord, ccsRecord, datagram, handshakeRecords } from './wire.js';

/** A pre-shared key for PSK servers. */
export interface Psk {
  readonly identity: string;
  readonly key: Uint8Array;
}

/** What a later handshake needs to resume this one. */
export interface ScanSession {
  readonly suite: CipherSuite;
  readonly sessionId: Uint8Array;
  readonly ticket?: Uint8Array;
  readonly master: Uint8Array;
  readonly ems: boolean;
}

/** Deliberate deviations (state-machine probes). */
export interface Script {
  /** Replace our verify_data (S-37). */
  readonly finished?: (verifyData: Uint8Array) => Uint8Array;
  /** Send a ChangeCipherSpec before the ClientKeyExchange, then only watch (SM-02). */
  readonly ccsBeforeKeyExchange?: boolean;
  /** Leave the ChangeCipherSpec out and send the Finished in epoch 0 (SM-03/SM-04). */
  readonly plaintextFinished?: boolean;
  /** Send the final flight twice (same records, same sequence numbers). */
  readonly duplicateFinalFlight?: boolean;
}

export type HandshakeStage = 'hello' | 'keyExchange' | 'finished' | 'done';

/** How a scripted handshake went. */
export interface HandshakeResult {
  readonly ex: Exchange;
  /** The server's Finished arrived and verified. */
  readonly completed: boolean;
  /** The stage we got to; with `failure` the reason we stopped. */
  readonly stage: HandshakeStage;
  readonly failure?: string;
  /** The first fatal alert (or any alert) the server sent after our final flight. */
  readonly alert?: ServerAlert;
  /** Abbreviated handshake (resumption accepted). */
  readonly resumed: boolean;
  readonly suite?: CipherSuite;
  readonly ems: boolean;
  readonly etm: boolean;
  readonly session?: ScanSession;
  readonly ticketIssued: boolean;
  /** The server sent its ChangeCipherSpec / Finished after our final flight. */
  readonly serverCcs: boolean;
  readonly serverFinished: boolean;
  /** Live state for post-handshake probes (renegotiation); close with {@link closeHandshake}. */
  readonly live?: LiveState;
}

/** Keys and counters of a completed handshake. */
export interface LiveState {
  readonly write: RecordProtection;
  readonly writeSeq: SeqCounter;
  readonly read: RecordProtection;
  readonly clientVerifyData: Uint8Array;
  readonly serverVerifyData: Uint8Array;
}

function negotiatedExt(ex: Exchange, type: number): boolean {
  return ex.serverHello !== undefined && findExtension(ex.serverHello.extensions, type) !== undefined;
}

/** A protected record of epoch 1 with our write keys. */
export function sealRecord(live: { write: RecordProtection; writeSeq: SeqCounter }, type: number, plaintext: Uint8Array): Uint8Array {
  const seq = live.writeSeq.take();
  return encodeRecord(type, DTLS1_2, 1, seq, live.write.seal(type, DTLS1_2, 1, seq, plaintext));
}

/**
 * Run a handshake for `spec` up to the server's Finished (or as far as the
 * script or the server lets it). Never throws for what the server does.
 */
export async function scriptedHandshake(ctx: ScanContext, spec: HelloSpec,
  opts: { psk?: Psk; resume?: ScanSession; script?: Script } = {}): Promise<HandshakeResult> {
  const ex = await exchangeHello(ctx, spec, { keepOpen: true });
  const base = { ex, resumed: false, ems: negotiatedExt(ex, ScanExtension.extended_master_secret), etm: false,
    ticketIssued: false, serverCcs: false, serverFinished: false, completed: false };
  const stop = async (stage: HandshakeStage, failure: string, more: Partial<HandshakeResult> = {}): Promise<HandshakeResult> => {
    await endExchange(ex);
    return { ...base, ...more, stage, failure };
  };
  if (ex.outcome !== 'serverHello' || !ex.serverHello) return stop('hello', ex.outcome === 'alert' ? 'alert' : ex.outcome, alertOf(ex));
  const sh = ex.serverHello;
  const suite = suiteById(sh.cipherSuite);
  if (!suite) return stop('hello', `suite 0x${sh.cipherSuite.toString(16)} has no record protection here`);
  const etm = suite.protection.kind === 'cbc' && negotiatedExt(ex, ScanExtension.encrypt_then_mac);
  const rd = ex.reader;
  const transcript = new Transcript();
  transcript.add(HandshakeType.client_hello, ex.helloSeq, ex.helloBody);
  const serverMsgs = () => rd.messages.filter((m) => m.msgType !== HandshakeType.hello_verify_request)
    .sort((a, b) => a.messageSeq - b.messageSeq);
  const abbreviated = rd.find(HandshakeType.server_hello_done) === undefined && rd.ccs > 0;
  const clientRandom = ex.hello.random;
  const serverRandom = sh.random;
  let nextSeq = ex.helloSeq + 1;
  const out: Uint8Array[] = [];
  const addOwn = (msgType: number, body: Uint8Array) => {
    transcript.add(msgType, nextSeq, body);
    out.push(...handshakeRecords(msgType, nextSeq, body, ex.seq));
    return nextSeq++;
  };
  let master: Uint8Array;
  let ticketIssued = false;
  if (abbreviated) {
    if (!opts.resume) return stop('hello', 'server resumed a session we did not offer');
    master = opts.resume.master;
  } else {
    for (const m of serverMsgs()) transcript.add(m.msgType, m.messageSeq, m.body);
    if (rd.find(HandshakeType.certificate_request)) addOwn(HandshakeType.certificate, Uint8Array.of(0, 0, 0));
    const kx = keyExchange(ctx, ex, suite, opts.psk);
    if ('failure' in kx) return stop('keyExchange', kx.failure);
    if (opts.script?.ccsBeforeKeyExchange) {
      await ex.sock.send(ccsRecord(ex.seq));
      await ex.sock.waitFor(() => rd.alerts.length > 0 || rd.ccs > 0, ctx.replyTimeout);
      return stop('keyExchange', 'scripted stop after an early ChangeCipherSpec', { suite, etm, ...alertOf(ex), serverCcs: rd.ccs > 0 });
    }
    addOwn(HandshakeType.client_key_exchange, kx.body);
    const ems = base.ems;
    master = deriveMaster(ctx.provider, suite, kx.preMaster, ems, transcript.hash(ctx.provider, suite.prfHash), clientRandom, serverRandom);
  }
  const keys = epochKeys(ctx.provider, suite, keyBlockParts(ctx.provider, suite, master, clientRandom, serverRandom), etm);
  rd.readProtection = keys.server;
  const serverFinishedMsg = () => rd.messages.find((m) => m.msgType === HandshakeType.finished && m.epoch > 0);
  const writeSeq = new SeqCounter();
  let serverVerifyData: Uint8Array | undefined;
  const checkServerFinished = (): boolean => {
    const f = serverFinishedMsg();
    if (!f) return false;
    const expected = verifyData(ctx.provider, suite.prfHash, master, 'server finished', transcript.hash(ctx.provider, suite.prfHash));
    serverVerifyData = f.body;
    transcript.add(f.msgType, f.messageSeq, f.body);
    return f.body.length === expected.length && f.body.every((b, i) => b === expected[i]);
  };
  let serverOk = false;
  if (abbreviated) {
    await ex.sock.waitFor(() => {
      rd.reopen();
      return serverFinishedMsg() !== undefined;
    }, ctx.replyTimeout);
    for (const m of serverMsgs()) if (m.msgType !== HandshakeType.finished) transcript.add(m.msgType, m.messageSeq, m.body);
    ticketIssued = rd.find(HandshakeType.new_session_ticket) !== undefined;
    serverOk = checkServerFinished();
    if (!serverOk) return stop('finished', 'the server Finished of the abbreviated handshake did not verify', { suite, etm, resumed: true });
  }
  let vd = verifyData(ctx.provider, suite.prfHash, master, 'client finished', transcript.hash(ctx.provider, suite.prfHash));
  const clientVerifyData = vd;
  if (opts.script?.finished) vd = opts.script.finished(vd);
  const finMsg = fullMessage(HandshakeType.finished, nextSeq, vd);
  transcript.add(HandshakeType.finished, nextSeq, clientVerifyData);
  nextSeq++;
  if (opts.script?.plaintextFinished) {
    out.push(encodeRecord(ContentType.handshake, DTLS1_2, 0, ex.seq.take(), finMsg));
  } else {
    out.push(ccsRecord(ex.seq));
    out.push(sealRecord({ write: keys.client, writeSeq }, ContentType.handshake, finMsg));
  }
  const flight = datagram(out);
  await ex.sock.send(flight);
  if (opts.script?.duplicateFinalFlight) await ex.sock.send(flight);
  const alertsBefore = rd.alerts.length;
  if (!abbreviated) {
    await ex.sock.waitFor(() => {
      rd.reopen();
      return serverFinishedMsg() !== undefined || rd.alerts.slice(alertsBefore).some((a) => a.level === 2);
    }, ctx.replyTimeout);
    rd.reopen();
    for (const m of serverMsgs()) {
      if (m.msgType === HandshakeType.new_session_ticket) transcript.add(m.msgType, m.messageSeq, m.body);
    }
    ticketIssued = rd.find(HandshakeType.new_session_ticket) !== undefined;
    serverOk = checkServerFinished();
  } else if (opts.script?.duplicateFinalFlight || opts.script?.finished) {
    await ex.sock.waitFor(() => rd.alerts.length > alertsBefore, ctx.replyTimeout);
  }
  const later = rd.alerts.slice(alertsBefore);
  const alert = later.find((a) => a.level === 2) ?? later[0];
  const result: HandshakeResult = {
    ...base, suite, etm, resumed: abbreviated, ticketIssued, completed: serverOk, stage: serverOk ? 'done' : 'finished',
    serverCcs: rd.ccs > 0, serverFinished: serverFinishedMsg() !== undefined,
    ...(alert && { alert }),
    ...(!serverOk && { failure: alert ? 'alert' : serverFinishedMsg() ? 'server Finished did not verify' : 'no server Finished' }),
  };
  if (!serverOk) {
    ex.sock.close();
    return result;
  }
  const ticket = rd.find(HandshakeType.new_session_ticket);
  let ticketBytes: Uint8Array | undefined;
  if (ticket) {
    try {
      ticketBytes = decodeNewSessionTicket(new Reader(ticket.body)).ticket;
    } catch {
      ticketBytes = undefined;
    }
  }
  const session: ScanSession = {
    suite, master, ems: base.ems, sessionId: sh.sessionId,
    ...(ticketBytes && ticketBytes.length > 0 ? { ticket: ticketBytes } : opts.resume?.ticket && abbreviated ? { ticket: opts.resume.ticket } : {}),
  };
  return {
    ...result, session,
    live: { write: keys.client, writeSeq, read: keys.server, clientVerifyData, serverVerifyData: serverVerifyData! },
  };
}

function alertOf(ex: Exchange): { alert?: ServerAlert } {
  const a = ex.reader.alert;
  return a ? { alert: a } : {};
}

/** Our ClientKeyExchange and the pre-master secret, or why we cannot make one. */
function keyExchange(ctx: ScanContext, ex: Exchange, suite: CipherSuite, psk: Psk | undefined):
  { body: Uint8Array; preMaster: Uint8Array } | { failure: string } {
  const ske = ex.reader.find(HandshakeType.server_key_exchange);
  let ecdhSecret: Uint8Array | undefined;
  let publicKey: Uint8Array | undefined;
  if (suite.kx !== 'PSK') {
    if (!ske) return { failure: 'no ServerKeyExchange' };
    let params;
    try {
      params = decodeServerKeyExchange(new Reader(ske.body), suite.kx).ecdh;
    } catch (e) {
      return { failure: `ServerKeyExchange: ${(e as Error).message}` };
    }
    const group = params && groupById(params.namedGroup);
    if (!params || !group) return { failure: `group ${params?.namedGroup} not implemented here` };
    const share = ctx.provider.generateKeyShare(group);
    try {
      ecdhSecret = share.computeSecret(params.publicKey);
    } catch (e) {
      return { failure: `server key share: ${(e as Error).message}` };
    }
    publicKey = share.publicKey;
  }
  if (suite.kx === 'ECDHE') return { body: encode((w) => encodeClientKeyExchange(w, { publicKey: publicKey! })), preMaster: ecdhSecret! };
  if (!psk) return { failure: 'PSK suite chosen and no --psk given' };
  const pskIdentity = new TextEncoder().encode(psk.identity);
  return {
    body: encode((w) => encodeClientKeyExchange(w, { pskIdentity, ...(publicKey && { publicKey }) })),
    preMaster: pskPremaster(psk.key, ecdhSecret),
  };
}

/** Send close_notify (protected) and close the socket of a completed handshake. */
export async function closeHandshake(hs: HandshakeResult): Promise<void> {
  try {
    if (hs.live) await hs.ex.sock.send(sealRecord(hs.live, ContentType.alert, Uint8Array.of(1, 0)));
  } catch {
    // out of budget
  } finally {
    hs.ex.sock.close();
  }
}

/** A plaintext fatal alert and close, for handshakes that stopped half-way. */
export async function abortHandshake(hs: HandshakeResult): Promise<void> {
  try {
    await hs.ex.sock.send(alertRecord(2, 40, hs.ex.seq));
  } catch {
    // out of budget
  } finally {
    hs.ex.sock.close();
  }
}

export { exchangeHello };
