/**
 * What the DTLS 1.3 client and server handshakes share (RFC 8446 §4 as
 * RFC 9147 §5 adapts it): the machine skeleton (transition table with the
 * epoch each message must arrive in, the transcript), the key-exchange
 * groups, the key schedule steps that end in the association's epochs 2 and
 * 3, Finished (§4.4.4), CertificateVerify (§4.4.3), PSK binders
 * (§4.2.11.2), which extensions each message may carry (§4.2), and the
 * exporter and key log of the finished handshake. Neither role's file
 * imports the other's.
 *
 * @module
 */
import { Reader } from '../../codec/reader.js';
import { encode } from '../../codec/writer.js';
import type { CryptoProvider, GroupName, KemGroupName, SigningKey, VerifyingKey } from '../../crypto/provider.js';
import { SignatureScheme as S } from '../../crypto/provider.js';
import type { SessionSecrets } from '../../handshake/key-schedule12.js';
import type { HandshakeMessage } from '../../handshake/reassembler.js';
import { ExtensionType as E, HandshakeType as HT, HandshakeTypes, NamedGroup } from '../../handshake/registry.js';
import { HandshakeError, UnexpectedMessageError } from '../../errors.js';
import type { Extension } from '../../handshake/extensions.js';
import type { Group13, HandshakeDriver13, HandshakeMachine13, Negotiated13 } from '../driver.js';
import {
  type KeyScheduleParams, applicationTrafficSecrets, binderKey, earlySecret, exportKeyingMaterial, exporterMasterSecret,
  finishedVerifyData, handshakeSecret, handshakeSecretWithoutPsk, handshakeTrafficSecrets, keyScheduleParams, masterSecret, verifyFinished,
} from '../key-schedule.js';
import type { Tls13Hash } from '../hkdf.js';
import { keyLogLines } from '../keylog.js';
import type { Suite13 } from '../suites.js';
import { Transcript13 } from '../transcript.js';
import { type Certificate13, encodeCertificate13, rawPublicKeyCertificate13, x509Certificate13 } from '../messages/certificate.js';
import { certificateVerifySignedContent, decodeCertificateVerify, encodeCertificateVerify } from '../messages/certificate-verify.js';
import { decodeFinished13, encodeFinished13 } from '../messages/finished.js';

/** Which side a message comes from. */
export type Role = 'client' | 'server';

// --- groups -----------------------------------------------------------------------------

/** The key-exchange groups of DTLS 1.3, in our order of preference, with their NamedGroup code points. */
export const GROUPS13: readonly { readonly id: number; readonly name: Group13 }[] = Object.freeze([
  { id: NamedGroup.x25519, name: 'x25519' },
  { id: NamedGroup.secp256r1, name: 'secp256r1' },
  { id: NamedGroup.secp384r1, name: 'secp384r1' },
  { id: NamedGroup.X25519MLKEM768, name: 'x25519mlkem768' },
]);

/** The group of a NamedGroup code point, if we do it. */
export function group13ById(id: number): Group13 | undefined {
  return GROUPS13.find((g) => g.id === id)?.name;
}

/** The NamedGroup code point of a group. */
export function group13Id(name: Group13): number {
  return GROUPS13.find((g) => g.name === name)!.id;
}

const isKem = (g: Group13): g is KemGroupName => g === 'x25519mlkem768';

/** The client's half of a key exchange: what goes in key_share, and how to finish it with the server's share. */
export interface ClientShare13 {
  readonly group: Group13;
  readonly publicKey: Uint8Array;
  /** The shared secret from the server's key_exchange; throws `illegal_parameter` for a bad share (S-50). */
  complete(serverShare: Uint8Array): Uint8Array;
}

/** A fresh client key share: ECDHE (RFC 8446 §4.2.8.2), or the hybrid KEM (draft-ietf-tls-ecdhe-mlkem). */
export function clientShare(provider: CryptoProvider, group: Group13): ClientShare13 {
  if (isKem(group)) {
    const k = provider.generateKemKeyShare(group);
    return { group, publicKey: k.publicKey, complete: (s) => k.decapsulate(s) };
  }
  const k = provider.generateKeyShare(group as GroupName);
  return { group, publicKey: k.publicKey, complete: (s) => k.computeSecret(s) };
}

/** The server's half: its share for ServerHello and the shared secret (a KEM encapsulates to the client's key). */
export function serverShare(provider: CryptoProvider, group: Group13, clientKeyExchange: Uint8Array): { share: Uint8Array; secret: Uint8Array } {
  if (isKem(group)) return provider.encapsulateKeyShare(group, clientKeyExchange);
  const k = provider.generateKeyShare(group as GroupName);
  return { share: k.publicKey, secret: k.computeSecret(clientKeyExchange) };
}

// --- the key schedule, step by step --------------------------------------------------------

/** The handshake's secrets once ServerHello is known (RFC 8446 §7.1). */
export interface HandshakeKeys {
  readonly k: KeyScheduleParams;
  readonly suite: Suite13;
  /** Handshake Secret. */
  readonly hs: Uint8Array;
  /** client_handshake_traffic_secret (epoch 2, client to server). */
  readonly client: Uint8Array;
  /** server_handshake_traffic_secret (epoch 2, server to client). */
  readonly server: Uint8Array;
}

/** The secrets after the server's Finished (RFC 8446 §7.1). */
export interface ApplicationKeys {
  readonly master: Uint8Array;
  /** client_application_traffic_secret_0 (epoch 3). */
  readonly client: Uint8Array;
  /** server_application_traffic_secret_0 (epoch 3). */
  readonly server: Uint8Array;
  readonly exporter: Uint8Array;
}

/**
 * Early Secret (from the PSK, or zeros), Handshake Secret (from the (EC)DHE
 * or KEM secret, or zeros for psk_ke), and the handshake traffic secrets over
 * the transcript up to ServerHello. The PSK and shared secret are wiped.
 */
export function handshakeKeys(provider: CryptoProvider, suite: Suite13, transcript: Transcript13, psk: Uint8Array | undefined, shared: Uint8Array | undefined): HandshakeKeys {
  const k = keyScheduleParams(provider, suite.hash);
  let hs: Uint8Array;
  if (psk === undefined && shared !== undefined) {
    hs = handshakeSecretWithoutPsk(k, shared);
  } else {
    const early = earlySecret(k, psk);
    hs = handshakeSecret(k, early, shared);
    early.fill(0);
  }
  psk?.fill(0);
  shared?.fill(0);
  const t = handshakeTrafficSecrets(k, hs, transcript.hash(provider, suite.hash));
  return { k, suite, hs, client: t.client, server: t.server };
}

/** Master Secret and what it makes, over the transcript up to the server's Finished (RFC 8446 §7.1). */
export function applicationKeys(hk: HandshakeKeys, transcript: Transcript13): ApplicationKeys {
  const master = masterSecret(hk.k, hk.hs);
  const h = transcript.hash(hk.k.provider, hk.suite.hash);
  const ap = applicationTrafficSecrets(hk.k, master, h);
  return { master, client: ap.client, server: ap.server, exporter: exporterMasterSecret(hk.k, master, h) };
}

/** Wipe every secret of a key set. */
export function wipeKeys(...sets: (HandshakeKeys | ApplicationKeys | undefined)[]): void {
  for (const s of sets) {
    if (!s) continue;
    for (const v of Object.values(s)) if (v instanceof Uint8Array) v.fill(0);
  }
}

// --- Finished (RFC 8446 §4.4.4) ------------------------------------------------------------

/** Our Finished over the transcript so far, keyed by our handshake traffic secret; sent and added to the transcript. */
export function sendFinished(d: HandshakeDriver13, hk: HandshakeKeys, transcript: Transcript13, baseKey: Uint8Array): void {
  const verifyData = finishedVerifyData(hk.k, baseKey, transcript.hash(hk.k.provider, hk.suite.hash));
  const body = encode((w) => encodeFinished13(w, { verifyData }));
  transcript.add(HT.finished, body);
  d.sendMessage(HT.finished, body);
}

/** The peer's Finished: verify_data as we compute it (constant time), or decrypt_error (RFC 8446 §4.4.4). */
export function checkFinished(hk: HandshakeKeys, transcript: Transcript13, baseKey: Uint8Array, sender: Role, msg: HandshakeMessage): void {
  const { verifyData } = decodeFinished13(new Reader(msg.body), hk.suite.hash === 'sha384' ? 48 : 32);
  if (!verifyFinished(hk.k, baseKey, transcript.hash(hk.k.provider, hk.suite.hash), verifyData)) {
    throw new HandshakeError('ERR_DTLS_BAD_FINISHED', `${sender} Finished does not verify`, 'decrypt_error');
  }
  transcript.add(msg.msgType, msg.body);
}

// --- signatures (RFC 8446 §4.2.3, §4.4.3) ---------------------------------------------------

/** The SignatureSchemes a DTLS 1.3 CertificateVerify may use with our provider, in our order of preference. */
export const SCHEMES13: readonly number[] = Object.freeze([
  S.ecdsa_secp256r1_sha256, S.ecdsa_secp384r1_sha384, S.ecdsa_secp521r1_sha512, S.ed25519,
  S.rsa_pss_rsae_sha256, S.rsa_pss_rsae_sha384, S.rsa_pss_rsae_sha512,
]);

/**
 * Does a scheme fit a key in TLS 1.3? ECDSA schemes name the curve (RFC 8446
 * §4.2.3: "ecdsa_secp256r1_sha256" is P-256 only), RSA keys sign with PSS only.
 */
export function schemeFits13(scheme: number, key: Pick<SigningKey, 'kind' | 'curve'>): boolean {
  switch (scheme) {
    case S.ecdsa_secp256r1_sha256: return key.kind === 'ecdsa' && key.curve === 'P-256';
    case S.ecdsa_secp384r1_sha384: return key.kind === 'ecdsa' && key.curve === 'P-384';
    case S.ecdsa_secp521r1_sha512: return key.kind === 'ecdsa' && key.curve === 'P-521';
    case S.ed25519: return key.kind === 'ed25519';
    case S.rsa_pss_rsae_sha256: case S.rsa_pss_rsae_sha384: case S.rsa_pss_rsae_sha512: return key.kind === 'rsa';
    default: return false;
  }
}

/** The scheme to sign a CertificateVerify with: ours that the peer listed and that fits the key. */
export function chooseScheme13(key: Pick<SigningKey, 'kind' | 'curve'>, offered: readonly number[] | undefined): number | undefined {
  return offered && SCHEMES13.find((s) => offered.includes(s) && schemeFits13(s, key));
}

/** Sign and send CertificateVerify over the transcript so far (RFC 8446 §4.4.3); added to the transcript. */
export function sendCertificateVerify(d: HandshakeDriver13, transcript: Transcript13, hash: Tls13Hash, side: Role, key: SigningKey, scheme: number): void {
  const signature = key.sign(scheme, certificateVerifySignedContent(side, transcript.hash(d.provider, hash)));
  const body = encode((w) => encodeCertificateVerify(w, { scheme, signature }));
  transcript.add(HT.certificate_verify, body);
  d.sendMessage(HT.certificate_verify, body);
}

/**
 * The peer's CertificateVerify: a scheme we offered that fits its key
 * (illegal_parameter otherwise, RFC 8446 §4.4.3), and a signature over the
 * transcript that verifies (decrypt_error otherwise). Returns the scheme.
 */
export function checkCertificateVerify(provider: CryptoProvider, transcript: Transcript13, hash: Tls13Hash, side: Role, key: VerifyingKey, msg: HandshakeMessage): number {
  const cv = decodeCertificateVerify(new Reader(msg.body));
  if (!SCHEMES13.includes(cv.scheme) || !schemeFits13(cv.scheme, key)) {
    throw new HandshakeError('ERR_DTLS_BAD_SIGNATURE_SCHEME', `${side} CertificateVerify uses scheme 0x${cv.scheme.toString(16)}, not one we offered for its key`, 'illegal_parameter');
  }
  if (!key.verify(cv.scheme, certificateVerifySignedContent(side, transcript.hash(provider, hash)), cv.signature)) {
    throw new HandshakeError('ERR_DTLS_BAD_CERTIFICATE_VERIFY', `${side} CertificateVerify signature does not verify`, 'decrypt_error');
  }
  transcript.add(msg.msgType, msg.body);
  return cv.scheme;
}

/** Our Certificate message (RFC 8446 §4.4.2): an X.509 chain, a raw public key (RFC 7250), or empty. */
export function sendCertificate(d: HandshakeDriver13, transcript: Transcript13, cert: { chain?: readonly Uint8Array[]; rawPublicKey?: Uint8Array }, context?: Uint8Array): void {
  const m: Certificate13 = cert.rawPublicKey ? rawPublicKeyCertificate13(cert.rawPublicKey, context) : x509Certificate13(cert.chain ?? [], context);
  const body = encode((w) => encodeCertificate13(w, m), 1024);
  transcript.add(HT.certificate, body);
  d.sendMessage(HT.certificate, body);
}

// --- PSK binders (RFC 8446 §4.2.11.2) --------------------------------------------------------

/** A PSK as the handshake uses it: the key, its hash, and which binder label it takes. */
export interface Psk13 {
  readonly key: Uint8Array;
  readonly hash: Tls13Hash;
  readonly kind: 'external' | 'resumption';
}

/**
 * A binder: Finished-style HMAC, keyed from the PSK's binder key, over the
 * transcript so far (message_hash and HelloRetryRequest after a retry)
 * followed by the truncated ClientHello.
 */
export function computeBinder(provider: CryptoProvider, psk: Psk13, transcript: Transcript13, truncatedHello: Uint8Array): Uint8Array {
  const k = keyScheduleParams(provider, psk.hash);
  const early = earlySecret(k, psk.key);
  const bk = binderKey(k, early, psk.kind);
  early.fill(0);
  const out = finishedVerifyData(k, bk, transcript.hashWith(provider, psk.hash, truncatedHello));
  bk.fill(0);
  return out;
}

/** The length of a binder for a hash. */
export const binderLength = (hash: Tls13Hash): number => (hash === 'sha384' ? 48 : 32);

// --- extensions per message (RFC 8446 §4.2) ---------------------------------------------------

/** Which extensions each message may carry in (D)TLS 1.3 (RFC 8446 §4.2's table; connection_id in ServerHello, RFC 9147 §9 / RFC 9146). */
const ALLOWED: Readonly<Record<string, readonly number[]>> = Object.freeze({
  server_hello: [E.key_share, E.pre_shared_key, E.supported_versions, E.connection_id],
  hello_retry_request: [E.key_share, E.cookie, E.supported_versions],
  encrypted_extensions: [E.server_name, E.max_fragment_length, E.supported_groups, E.use_srtp, E.heartbeat,
    E.application_layer_protocol_negotiation, E.client_certificate_type, E.server_certificate_type, E.early_data, 28 /* record_size_limit */],
  certificate_request: [E.status_request, E.signature_algorithms, 18 /* signed_certificate_timestamp */, E.certificate_authorities,
    E.oid_filters, E.signature_algorithms_cert],
  certificate: [E.status_request, 18],
  new_session_ticket: [E.early_data],
});

/** Every extension type this stack knows (recognized: RFC 8446 §4.2's illegal_parameter rule applies to them). */
const KNOWN = new Set<number>([
  E.server_name, E.max_fragment_length, E.status_request, E.supported_groups, E.ec_point_formats, E.signature_algorithms, E.use_srtp,
  E.heartbeat, E.application_layer_protocol_negotiation, E.client_certificate_type, E.server_certificate_type, E.padding,
  E.encrypt_then_mac, E.extended_master_secret, E.session_ticket, E.pre_shared_key, E.early_data, E.supported_versions, E.cookie,
  E.psk_key_exchange_modes, E.certificate_authorities, E.oid_filters, E.post_handshake_auth, E.signature_algorithms_cert,
  E.key_share, E.connection_id, E.rrc, E.renegotiation_info,
]);

/**
 * RFC 8446 §4.2: an extension we recognize in a message it is not defined
 * for is illegal_parameter (a DTLS 1.2 extension — renegotiation_info,
 * encrypt_then_mac, extended_master_secret — in a 1.3 ServerHello included);
 * a response to something we did not ask is unsupported_extension.
 * `requested` is what our hello (or CertificateRequest) offered; undefined
 * when the message answers nothing of ours (the server's view of a
 * CertificateEntry).
 */
export function checkExtensions(exts: readonly Extension[], where: keyof typeof ALLOWED, requested: ReadonlySet<number> | undefined): void {
  const allowed = ALLOWED[where]!;
  for (const e of exts) {
    if (KNOWN.has(e.type) && !allowed.includes(e.type)) {
      throw new HandshakeError('ERR_DTLS_BAD_EXTENSION', `extension ${e.type} is not allowed in ${where} (DTLS 1.3)`, 'illegal_parameter');
    }
    if (requested && !requested.has(e.type) && !(where === 'hello_retry_request' && e.type === E.cookie)) {
      throw new HandshakeError('ERR_DTLS_BAD_EXTENSION', `unsolicited extension ${e.type} in ${where}`, 'unsupported_extension');
    }
  }
}

// --- the exporter and the key log -------------------------------------------------------------

/** The secrets an established DTLS 1.3 association keeps: the exporter master secret and the key-log secrets (copies). */
export class Tls13Secrets implements SessionSecrets {
  private readonly k: KeyScheduleParams;
  private readonly exporter: Uint8Array;
  private readonly log: Uint8Array[];
  private readonly clientRandom: Uint8Array;

  constructor(provider: CryptoProvider, suite: Suite13, clientRandom: Uint8Array, hk: HandshakeKeys, ak: ApplicationKeys) {
    this.k = keyScheduleParams(provider, suite.hash);
    this.clientRandom = Uint8Array.from(clientRandom);
    this.log = [hk.client, hk.server, ak.client, ak.server, ak.exporter].map((s) => Uint8Array.from(s));
    this.exporter = this.log[4]!;
  }

  /**
   * The secrets of a restored association (src/persist): the exporter master
   * secret and the key-log secrets as saved (copied).
   */
  static restored(provider: CryptoProvider, suite: Suite13, clientRandom: Uint8Array, secrets: readonly Uint8Array[]): Tls13Secrets {
    const [ch, sh, c0, s0, ex] = secrets;
    if (!ch || !sh || !c0 || !s0 || !ex) throw new RangeError('five key-log secrets expected');
    const k = keyScheduleParams(provider, suite.hash);
    return new Tls13Secrets(provider, suite, clientRandom, { k, suite, hs: new Uint8Array(0), client: ch, server: sh }, { master: new Uint8Array(0), client: c0, server: s0, exporter: ex });
  }

  /** What src/persist saves: the client random and the five key-log secrets, exporter last (the arrays themselves: copy, never change). */
  material(): { readonly clientRandom: Uint8Array; readonly secrets: readonly Uint8Array[] } {
    return { clientRandom: this.clientRandom, secrets: this.log };
  }

  /** TLS-Exporter (RFC 8446 §7.5); an absent context is the same as an empty one. */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array {
    const max = 255 * (this.k.hash === 'sha384' ? 48 : 32);
    if (!Number.isInteger(length) || length < 1 || length > Math.min(max, 65_535)) throw new RangeError(`length must be 1..${Math.min(max, 65_535)}`);
    if (label.length > 249) throw new RangeError('label too long');
    return exportKeyingMaterial(this.k, this.exporter, label, context, length);
  }

  /** CLIENT_HANDSHAKE_TRAFFIC_SECRET … EXPORTER_SECRET, built from copies when read (the association may have closed). */
  keylogLines(): () => string[] {
    const random = Uint8Array.from(this.clientRandom);
    const [ch, sh, c0, s0, ex] = this.log.map((s) => Uint8Array.from(s));
    return () => keyLogLines(random, { clientHandshake: ch!, serverHandshake: sh!, clientTraffic0: c0!, serverTraffic0: s0!, exporter: ex! });
  }

  wipe(): void {
    this.exporter.fill(0);
    for (const s of this.log) s.fill(0);
  }
}

// --- the machine skeleton -----------------------------------------------------------------------

/** What a state accepts: message types, and the epoch they must arrive in (RFC 9147 §6.1: 0 for the hellos, 2 for the rest). */
export interface Accepts {
  readonly types: readonly number[];
  readonly epoch: number;
}

/** A state of either machine: a name, and perhaps what was negotiated so far. */
export interface MachineState13 {
  readonly kind: string;
  readonly p?: { readonly neg: Negotiated13 };
}

/**
 * The skeleton of both DTLS 1.3 machines: states are a discriminated union,
 * a table says which message types each accepts and in which epoch (anything
 * else is one unexpected_message), the transcript is the machine's own, and
 * `connected` keeps what post-handshake messages need until wiped.
 */
export abstract class Tls13Machine<S extends MachineState13> implements HandshakeMachine13 {
  protected readonly transcript = new Transcript13();
  private final: Negotiated13 | undefined;

  protected constructor(
    protected readonly d: HandshakeDriver13,
    protected state: S,
    private readonly table: { readonly [K in S['kind']]: Accepts },
  ) {}

  /** Handle the next message in state `st` (one the table accepts, in the right epoch). */
  protected abstract onMessage(st: S, msg: HandshakeMessage): void;
  abstract handlePostHandshake(msg: HandshakeMessage): void;
  /** Wipe the secrets a state holds. */
  protected abstract wipeState(st: S): void;

  get stateName(): string {
    return this.state.kind;
  }
  get negotiated(): Negotiated13 | undefined {
    return this.final ?? this.state.p?.neg;
  }

  handleMessage(msg: HandshakeMessage): void {
    const st = this.state;
    const ok = this.table[st.kind as S['kind']];
    if (!ok.types.includes(msg.msgType)) {
      throw new UnexpectedMessageError(ok.types.map((t) => HandshakeTypes.nameOf(t)), HandshakeTypes.nameOf(msg.msgType));
    }
    if (msg.epoch !== ok.epoch) {
      throw new HandshakeError('ERR_DTLS_EPOCH_MISMATCH', `${HandshakeTypes.nameOf(msg.msgType)} in epoch ${msg.epoch}, expected ${ok.epoch}`, 'unexpected_message');
    }
    this.onMessage(st, msg);
  }

  /** The handshake is over: keep what it negotiated, tell the association. */
  protected finish(neg: Negotiated13, next: S, awaitAck = false): void {
    this.final = neg;
    this.transcript.clear();
    this.state = next;
    this.d.complete(awaitAck);
  }

  /** A post-handshake message this role never accepts (RFC 8446 §4.6; no post_handshake_auth offered). */
  protected refusePostHandshake(msg: HandshakeMessage): never {
    throw new UnexpectedMessageError([], HandshakeTypes.nameOf(msg.msgType));
  }

  wipe(): void {
    this.final ??= this.state.p?.neg;
    this.wipeState(this.state);
    this.transcript.clear();
    this.state = { kind: 'done' } as S;
  }
}

/** Run `k` with a value that may come later (a callback's Promise): via the driver's suspend. */
export function whenReady<T>(d: HandshakeDriver13, v: T | Promise<T>, k: (value: T) => void): void {
  if (typeof (v as { then?: unknown })?.then === 'function') d.suspend(v as Promise<T>, k);
  else k(v as T);
}

/** What a handshake negotiated, with more. */
export function withNeg<P extends { readonly neg: Negotiated13 }>(p: P, more: Partial<Negotiated13>): P {
  return { ...p, neg: { ...p.neg, ...more } };
}

/** Is this extension present? */
export const has = (exts: readonly Extension[], type: number): boolean => exts.some((e) => e.type === type);

/** An extension built with the codec's writer. */
export function ext(type: number, f: Parameters<typeof encode>[0]): Extension {
  return { type, data: encode(f) };
}
