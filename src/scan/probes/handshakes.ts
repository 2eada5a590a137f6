/**
 * Probes that need whole handshakes: session-ID and ticket resumption (each
 * actually resumed), a renegotiation attempt, and the state-machine probes
 * (from the robustness catalogue: SM-01, SM-02, SM-03/04, SM-10, S-37, and a
 * duplicated final flight), each with what the RFC requires.
 */
import { encode } from '../../codec/writer.js';
import { suiteById } from '../../crypto/suites.js';
import { ContentType } from '../../record/content-type.js';
import { HandshakeType } from '../../handshake/registry.js';
import { describeAlert } from '../answer.js';
import { buildClientHello, encodeHello } from '../hello.js';
import { type HandshakeResult, type Script, abortHandshake, closeHandshake, scriptedHandshake, sealRecord } from '../handshake.js';
import { exchangeHello } from '../exchange.js';
import { handshakeMessage, FlightReader, SeqCounter, datagram, handshakeRecords } from '../wire.js';
import { ProbeSocket } from '../transport.js';
import type { StateMachineProbe } from '../report.js';
import type { ScanState } from '../state.js';
import { alertName, handshakeName } from '../names.js';

export interface SessionFacts {
  sessionIdResumption: boolean | null;
  ticketIssued: boolean | null;
  ticketResumption: boolean | null;
  renegotiation: 'refused' | 'ignored' | 'accepted' | null;
  renegotiationAnswer: string | null;
  /** The state-machine probes need a handshake we can complete. */
  completable: boolean;
}

/** Accepted suites the scripted client can complete (record protection here, and a PSK when needed). */
function completable(st: ScanState): number[] {
  return st.acceptedIds().filter((id) => {
    const ours = suiteById(id);
    return ours !== undefined && (ours.kx === 'ECDHE' || st.settings.psk !== undefined);
  });
}

export async function probeSessions(st: ScanState): Promise<SessionFacts> {
  const facts: SessionFacts = {
    sessionIdResumption: null, ticketIssued: null, ticketResumption: null, renegotiation: null, renegotiationAnswer: null, completable: false,
  };
  const suites = completable(st);
  if (suites.length === 0) {
    st.note(st.accepted.some((s) => s.psk) && !st.settings.psk
      ? 'no handshake could be completed: the server takes only PSK suites and no --psk was given'
      : 'no handshake could be completed: no accepted suite has record protection in puredtls');
    return facts;
  }
  const psk = st.settings.psk;
  const opts = psk ? { psk } : {};
  // Session ID: a handshake without the ticket extension, then the same session ID.
  const full = await scriptedHandshake(st.ctx, st.spec(suites), opts);
  if (!full.completed || !full.session) {
    st.note(`a full handshake did not complete (${full.failure ?? 'unknown'}${full.alert ? `, ${describeAlert(full.alert)}` : ''})`);
    await abortHandshake(full);
    return facts;
  }
  facts.completable = true;
  const reneg = await renegotiate(st, full, suites);
  facts.renegotiation = reneg.verdict;
  facts.renegotiationAnswer = reneg.answer;
  await closeHandshake(full);
  if (full.session.sessionId.length > 0) {
    const again = await scriptedHandshake(st.ctx, st.spec(suites, { sessionId: full.session.sessionId }), { ...opts, resume: full.session });
    facts.sessionIdResumption = again.resumed && again.completed;
    await (again.completed ? closeHandshake(again) : abortHandshake(again));
  } else {
    facts.sessionIdResumption = false;
  }
  // Tickets: ask for one, then resume with it (and a fresh session ID, RFC 5077 §3.4).
  const withTicket = await scriptedHandshake(st.ctx, st.spec(suites, { ticket: true }), opts);
  facts.ticketIssued = withTicket.completed ? withTicket.ticketIssued : null;
  await (withTicket.completed ? closeHandshake(withTicket) : abortHandshake(withTicket));
  if (withTicket.session?.ticket) {
    const again = await scriptedHandshake(st.ctx,
      st.spec(suites, { ticket: withTicket.session.ticket, sessionId: st.ctx.provider.randomBytes(32) }), { ...opts, resume: withTicket.session });
    facts.ticketResumption = again.resumed && again.completed;
    await (again.completed ? closeHandshake(again) : abortHandshake(again));
  } else if (withTicket.completed) {
    facts.ticketResumption = false;
  }
  return facts;
}

/**
 * A client-initiated renegotiation (RFC 5746 §3.5) on a completed
 * handshake: a protected ClientHello carrying our verify_data. A
 * ServerHello means the server renegotiates; an alert (no_renegotiation)
 * or silence means it refuses.
 */
async function renegotiate(st: ScanState, hs: HandshakeResult, suites: readonly number[]): Promise<{ verdict: SessionFacts['renegotiation']; answer: string }> {
  const live = hs.live!;
  const rd = new FlightReader();
  rd.readProtection = live.read;
  hs.ex.sock.onDatagram((d) => rd.add(d), false);
  const spec = st.spec(suites, { renegData: live.clientVerifyData });
  const body = encodeHello(buildClientHello(spec, st.ctx.provider.randomBytes(32)));
  // RFC 6347 §4.2.2: the first message of each handshake, a renegotiation too, has message_seq 0.
  const msg = handshakeMessage(HandshakeType.client_hello, 0, body);
  await hs.ex.sock.send(sealRecord(live, ContentType.handshake, msg));
  await hs.ex.sock.waitFor(() => rd.alerts.length > 0 || rd.find(HandshakeType.server_hello) !== undefined
    || rd.find(HandshakeType.hello_verify_request) !== undefined, st.ctx.replyTimeout);
  if (rd.find(HandshakeType.server_hello)) return { verdict: 'accepted', answer: 'ServerHello (renegotiation started)' };
  if (rd.find(HandshakeType.hello_verify_request)) return { verdict: 'accepted', answer: 'HelloVerifyRequest (renegotiation started)' };
  const a = rd.alert;
  if (a) return { verdict: 'refused', answer: describeAlert(a) };
  return { verdict: 'ignored', answer: 'no answer' };
}

interface Verdict {
  answer: string;
  conforms: boolean;
}

/** An unencrypted handshake message as the very first thing a server hears from a port. */
async function firstMessage(st: ScanState, msgType: number, body: Uint8Array): Promise<Verdict> {
  const sock = await ProbeSocket.open(st.ctx.target, st.ctx.budget);
  const rd = new FlightReader();
  sock.onDatagram((d) => rd.add(d));
  try {
    await sock.send(datagram(handshakeRecords(msgType, 0, body, new SeqCounter())));
    await sock.waitFor(() => rd.alerts.length > 0 || rd.messages.length > 0, st.ctx.replyTimeout);
    const a = rd.alert;
    if (a) return { answer: describeAlert(a), conforms: a.level === 2 && a.description === 10 };
    if (rd.messages.length > 0) return { answer: `handshake messages: ${rd.messages.map((m) => handshakeName(m.msgType)).join(', ')}`, conforms: false };
    return { answer: 'no answer (dropped)', conforms: true };
  } finally {
    sock.close();
  }
}

/** A scripted handshake with one deliberate mistake. */
async function scripted(st: ScanState, suites: readonly number[], script: Script): Promise<HandshakeResult> {
  const psk = st.settings.psk;
  return scriptedHandshake(st.ctx, st.spec(suites), { ...(psk && { psk }), script });
}

function afterMistake(hs: HandshakeResult, wanted: readonly number[], silenceOk = true): Verdict {
  const parts: string[] = [];
  if (hs.alert) parts.push(describeAlert(hs.alert));
  if (hs.serverFinished) parts.push('the server sent its Finished');
  else if (hs.serverCcs) parts.push('the server sent its ChangeCipherSpec');
  const answer = parts.length ? parts.join('; ') : 'no answer';
  const alertOk = hs.alert === undefined ? silenceOk : hs.alert.level === 2 && wanted.includes(hs.alert.description);
  return { answer, conforms: !hs.serverFinished && !hs.serverCcs && alertOk };
}

const PROBES: readonly { id: string; title: string; sent: string; expected: string; reference: string }[] = [
  { id: 'SM-01', title: 'Finished as the first message', sent: 'an epoch-0 Finished before any ClientHello',
    expected: 'dropped, or a fatal unexpected_message; no state kept', reference: 'RFC 5246 §7.3, RFC 6347 §4.1.2.7' },
  { id: 'SM-10', title: 'ClientKeyExchange as the first message', sent: 'an epoch-0 ClientKeyExchange before any ClientHello',
    expected: 'dropped, or a fatal unexpected_message; no state kept', reference: 'RFC 5246 §7.3, RFC 6347 §4.1.2.7' },
  { id: 'SM-02', title: 'ChangeCipherSpec before the key exchange', sent: 'a ChangeCipherSpec right after ServerHelloDone, before ClientKeyExchange',
    expected: 'dropped, or a fatal unexpected_message; the handshake does not advance', reference: 'RFC 5246 §7.1, §7.4.9' },
  { id: 'SM-04', title: 'Finished without ChangeCipherSpec', sent: 'ClientKeyExchange, then Finished in epoch 0 (no ChangeCipherSpec)',
    expected: 'no server ChangeCipherSpec or Finished; dropped or unexpected_message', reference: 'RFC 5246 §7.1, §7.4.9; RFC 6347 §4.1' },
  { id: 'S-37', title: 'Finished with a wrong verify_data', sent: 'a correct flight whose Finished has every verify_data bit 0 flipped',
    expected: 'a fatal decrypt_error; the server never sends its Finished', reference: 'RFC 5246 §7.4.9' },
  { id: 'DUP-01', title: 'Duplicated records', sent: 'the final flight twice, identical records and sequence numbers',
    expected: 'the handshake completes; the copies are discarded (or answered by a resend of the last flight), no alert', reference: 'RFC 6347 §4.1.2.6, §4.2.4' },
];

export async function probeStateMachine(st: ScanState, canComplete: boolean): Promise<StateMachineProbe[]> {
  const suites = completable(st);
  const out: StateMachineProbe[] = [];
  const alive = () => stillAnswers(st);
  const record = async (id: string, run: (() => Promise<Verdict>) | null) => {
    const p = PROBES.find((x) => x.id === id)!;
    if (st.dead) {
      out.push({ ...p, answer: `not run: ${st.dead}`, conforms: null });
      return;
    }
    if (!run) {
      out.push({ ...p, answer: 'not run: no handshake could be completed', conforms: null });
      return;
    }
    const v = await run();
    // A probe that leaves the server answering nobody is the worst answer of all.
    if (!(await alive())) {
      st.deadAfter = id;
      out.push({ ...p, answer: `${v.answer}; then the server answered no other client`, conforms: false });
      return;
    }
    out.push({ ...p, ...v });
  };
  const full = canComplete && suites.length > 0;
  await record('SM-02', full ? async () => afterMistake(await scripted(st, suites, { ccsBeforeKeyExchange: true }), [10]) : null);
  await record('SM-04', full ? async () => {
    const hs = await scripted(st, suites, { plaintextFinished: true });
    await abortHandshake(hs);
    return afterMistake(hs, [10]);
  } : null);
  await record('S-37', full ? async () => {
    const hs = await scripted(st, suites, { finished: (v) => v.map((b) => b ^ 1) });
    await abortHandshake(hs);
    // A Finished that decrypts but does not verify is a failed handshake, not
    // an invalid record: RFC 5246 §7.4.9 wants decrypt_error, silence is not enough.
    return afterMistake(hs, [51], false);
  } : null);
  await record('DUP-01', full ? async () => {
    const dup = await scripted(st, suites, { duplicateFinalFlight: true });
    await (dup.completed ? closeHandshake(dup) : abortHandshake(dup));
    return {
      answer: dup.completed ? `completed${dup.alert ? `; ${describeAlert(dup.alert)}` : ''}` : `did not complete (${dup.failure}${dup.alert ? `: ${alertName(dup.alert.description)}` : ''})`,
      conforms: dup.completed && (dup.alert === undefined || dup.alert.level !== 2),
    };
  } : null);
  // Last: a stray first message is what stops fragile servers for good.
  await record('SM-10', () => firstMessage(st, HandshakeType.client_key_exchange, encode((w) => w.opaque8(st.ctx.provider.randomBytes(32)))));
  await record('SM-01', () => firstMessage(st, HandshakeType.finished, st.ctx.provider.randomBytes(12)));
  return out;
}

/** Does the server still answer a good ClientHello (from a fresh port)? */
export async function stillAnswers(st: ScanState): Promise<boolean> {
  const suite = st.baseline?.serverHello?.cipherSuite;
  const ids = suite !== undefined ? [suite] : st.acceptedIds();
  if (ids.length === 0) return true;
  const ex = await exchangeHello(st.ctx, st.spec(ids), { helloOnly: true });
  return ex.outcome !== 'silence';
}
