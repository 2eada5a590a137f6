/**
 * Versions 1.0 and 1.2, the cipher suites (one ClientHello per suite), who
 * decides the order, the groups and the signature schemes.
 */
import { HandshakeType } from '../../handshake/registry.js';
import { describeAnswer } from '../answer.js';
import { type Exchange, exchangeHello } from '../exchange.js';
import { ALL_GROUPS, ALL_SCHEMES } from '../hello.js';
import { IANA_SUITES, type IanaSuite, ianaSuite, preferenceOrder } from '../iana-suites.js';
import { Group, Version, groupName, schemeName } from '../names.js';
import type { SuiteResult, VersionResult } from '../report.js';
import { type KeyExchangeInfo, parseServerKeyExchange } from '../ske.js';
import { type OfferResult, type ScanState, enumerate } from '../state.js';

/** A suite as the report lists it. */
export function suiteResult(s: IanaSuite): SuiteResult {
  const flags: string[] = [];
  if (s.aead) flags.push('aead');
  if (s.cbc) flags.push('cbc');
  if (s.nullCipher) flags.push('null');
  if (s.export) flags.push('export');
  if (s.rc4) flags.push('rc4');
  if (s.tripleDes) flags.push('3des');
  if (s.weakCipher) flags.push('weak-cipher');
  if (s.anonymous) flags.push('anonymous');
  if (!s.forwardSecret && !s.nullCipher) flags.push('no-forward-secrecy');
  if (s.psk) flags.push('psk');
  return { id: `0x${s.id.toString(16).padStart(4, '0')}`, name: s.name, kx: s.kx, cipher: s.cipher, mac: s.mac, flags };
}

/** The ServerKeyExchange of an exchange, read for its suite; undefined when absent or unreadable. */
export function keyExchangeOf(ex: Exchange): KeyExchangeInfo | undefined {
  const ske = ex.reader.find(HandshakeType.server_key_exchange);
  if (!ske || !ex.serverHello) return undefined;
  try {
    return parseServerKeyExchange(ske.body, ianaSuite(ex.serverHello.cipherSuite), ex.serverHello.serverVersion === Version.dtls12);
  } catch {
    return undefined;
  }
}

/** Extra extensions a suite needs to be accepted at all (SRP's user name). */
function needs(s: IanaSuite): { srpUser?: string } {
  return s.srp ? { srpUser: 'scan' } : {};
}

/**
 * DTLS 1.2 as a typical client asks for it: the 64 best catalogue suites
 * (some servers refuse a hello with hundreds: wolfSSL answers decode_error).
 * Its exchange is the baseline the other probes start from; {@link
 * rebaseline} repeats it with the accepted suites when it found none.
 */
export async function probeDtls12(st: ScanState, suites?: readonly number[]): Promise<VersionResult> {
  const typical = preferenceOrder(IANA_SUITES.filter((s) => s.dtlsOk && !s.srp && !s.export && !s.nullCipher && !s.anonymous))
    .slice(0, 64).map((s) => s.id);
  const ex = await exchangeHello(st.ctx, st.spec(suites ?? typical, { ticket: true }));
  const sh = ex.serverHello;
  if (sh && sh.serverVersion === Version.dtls12) {
    st.baseline = ex;
    const sentAt = ex.sock.sentAt[ex.sock.sentAt.length - 2] ?? ex.sock.sentAt[0]!;
    const last = ex.sock.received[ex.sock.received.length - 1]?.at ?? sentAt;
    st.serverTime = Math.max(1, last - sentAt);
  }
  return {
    supported: sh ? sh.serverVersion === Version.dtls12 : ex.outcome === 'alert' || ex.outcome === 'helloVerifyRequestOnly' ? false : null,
    answer: describeAnswer(ex),
  };
}

/** Without a baseline yet, DTLS 1.2 again with the suites the server accepted one by one. */
export async function rebaseline(st: ScanState, first: VersionResult): Promise<VersionResult> {
  if (st.baseline || st.accepted.length === 0) return first;
  const again = await probeDtls12(st, st.acceptedIds());
  return again.supported ? again : first;
}

/** DTLS 1.0 (RFC 4347): a 1.0 ClientHello with the suites 1.0 can use. */
export async function probeDtls10(st: ScanState): Promise<VersionResult> {
  const ids = preferenceOrder(IANA_SUITES.filter((s) => s.dtls10 && s.dtlsOk && !s.srp)).map((s) => s.id);
  const ex = await exchangeHello(st.ctx, st.spec(ids, { version: Version.dtls10, etm: false }), { helloOnly: true });
  const sh = ex.serverHello;
  return {
    supported: sh ? sh.serverVersion === Version.dtls10 : ex.outcome === 'alert' || ex.outcome === 'helloVerifyRequestOnly' ? false : null,
    answer: describeAnswer(ex),
  };
}

/** One hello offering `suites`, answered how? */
async function offerSuites(st: ScanState, suites: readonly IanaSuite[], timeout: number): Promise<OfferResult<IanaSuite>> {
  const ex = await exchangeHello(st.ctx, st.spec(suites.map((s) => s.id), Object.assign({}, ...suites.map(needs))), { helloOnly: true, timeout });
  const id = ex.serverHello?.cipherSuite;
  const chosen = id === undefined ? undefined : suites.find((s) => s.id === id);
  return { ...(chosen && { chosen }), answer: ex.outcome };
}

export async function probeSuites(st: ScanState): Promise<{ tested: number; accepted: SuiteResult[]; rejectedByAlert: number; rejectedBySilence: number }> {
  const r = await enumerate(IANA_SUITES, (offer, t) => offerSuites(st, offer, t), st.fastTimeout, st.ctx.replyTimeout);
  st.accepted = r.accepted;
  return { tested: IANA_SUITES.length, accepted: r.accepted.map(suiteResult), rejectedByAlert: r.byAlert, rejectedBySilence: r.bySilence };
}

/** Offer two accepted suites in both orders: the same pick both times means the server's order decides. */
export async function probePreference(st: ScanState): Promise<'server' | 'client' | null> {
  const [a, b] = st.accepted;
  if (!a || !b) return null;
  const first = await offerSuites(st, [a, b], st.ctx.replyTimeout);
  const second = await offerSuites(st, [b, a], st.ctx.replyTimeout);
  if (!first.chosen || !second.chosen) return null;
  return first.chosen === second.chosen ? 'server' : first.chosen === a && second.chosen === b ? 'client' : null;
}

/**
 * Groups: the accepted ECDHE suites with one curve offered at a time (the
 * ServerKeyExchange names the curve used), and the accepted DHE suites with
 * one RFC 7919 group at a time (its prime says which group it is).
 */
export async function probeGroups(st: ScanState): Promise<{ tested: string[]; supported: string[]; dhe: { bits: number; group: string | null } | null }> {
  const ecdhe = st.accepted.filter((s) => /^ECDHE_/.test(s.kx) || s.kx === 'ECDH_anon');
  const dhe = st.accepted.filter((s) => /^DHE_/.test(s.kx) || s.kx === 'DH_anon');
  const curves = ALL_GROUPS.filter((g) => g < 256);
  const ffdhe = ALL_GROUPS.filter((g) => g >= 256);
  const tested = [...(ecdhe.length ? curves : []), ...(dhe.length ? ffdhe : [])];
  // RFC 8422 §5.1: a server may insist that its ECDSA certificate's curve be
  // among the client's groups too (OpenSSL does). So when a group offered
  // alone is refused with ECDSA suites, it is offered again with that curve
  // after it (a server that prefers its own order may then pick the curve:
  // the group then counts as not shown).
  const certCurve = st.certificateCurve;
  const once = async (suites: readonly IanaSuite[], groups: readonly number[], offer: readonly number[], timeout: number): Promise<OfferResult<number>> => {
    const ex = await exchangeHello(st.ctx, st.spec(suites.map((s) => s.id), { groups }), { timeout });
    const kx = keyExchangeOf(ex);
    const g = kx?.group ?? (kx?.dhGroup ? ffdhe.find((x) => groupName(x) === kx.dhGroup) : undefined);
    const chosen = g !== undefined && offer.includes(g) ? g : undefined;
    return { ...(chosen !== undefined && { chosen }), answer: ex.outcome };
  };
  const probe = async (suites: readonly IanaSuite[], offer: readonly number[], timeout: number): Promise<OfferResult<number>> => {
    const first = await once(suites, offer, offer, timeout);
    const ecdsa = suites.some((s) => s.kx === 'ECDHE_ECDSA');
    if (first.chosen !== undefined || !ecdsa || certCurve === undefined || offer.includes(certCurve)) return first;
    return once(suites, [...offer, certCurve], offer, timeout);
  };
  const supported: number[] = [];
  if (ecdhe.length) supported.push(...(await enumerate(curves, (o, t) => probe(ecdhe, o, t), st.fastTimeout, st.ctx.replyTimeout)).accepted);
  let dheParams: { bits: number; group: string | null } | null = null;
  if (dhe.length) {
    supported.push(...(await enumerate(ffdhe, (o, t) => probe(dhe, o, t), st.fastTimeout, st.ctx.replyTimeout)).accepted);
    // The prime a client that names no RFC 7919 group gets.
    const kx = keyExchangeOf(await exchangeHello(st.ctx, st.spec(dhe.map((s) => s.id), { groups: curves })));
    if (kx?.dhBits) dheParams = { bits: kx.dhBits, group: kx.dhGroup ?? null };
  }
  return { tested: tested.map(groupName), supported: supported.map(groupName), dhe: dheParams };
}

/** Signature schemes: the accepted signed suites with one scheme offered at a time. */
export async function probeSchemes(st: ScanState): Promise<{ tested: string[]; supported: string[] }> {
  const signed = st.accepted.filter((s) => /^(ECDHE|DHE)_(ECDSA|RSA|DSS)$/.test(s.kx));
  if (signed.length === 0) return { tested: [], supported: [] };
  const groups = [Group.x25519, Group.secp256r1, Group.secp384r1, Group.secp521r1, Group.ffdhe2048, Group.ffdhe3072];
  const r = await enumerate(ALL_SCHEMES, async (offer, timeout) => {
    const ex = await exchangeHello(st.ctx, st.spec(signed.map((s) => s.id), { schemes: offer, groups }), { timeout });
    const scheme = keyExchangeOf(ex)?.scheme;
    const chosen = scheme !== undefined && offer.includes(scheme) ? scheme : undefined;
    return { ...(chosen !== undefined && { chosen }), answer: ex.outcome };
  }, st.fastTimeout, st.ctx.replyTimeout);
  return { tested: ALL_SCHEMES.map(schemeName), supported: r.accepted.map(schemeName) };
}
