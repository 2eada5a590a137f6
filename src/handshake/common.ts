/**
 * What the DTLS 1.2 client and server handshakes share: the machine skeleton
 * (transition table, ChangeCipherSpec, wiping), Finished (RFC 5246 §7.4.9),
 * the master secret and the keys it makes (RFC 5246 §8.1, RFC 7627), the
 * checks both roles make of the hello extensions (RFC 5746, RFC 7627,
 * RFC 7366), raw public keys (RFC 7250), the PSK premaster secret (RFC 4279,
 * RFC 5489) and the session a completed handshake leaves (RFC 5246 §7.3).
 * Neither role's file imports the other's.
 *
 * @module
 */
import { Reader } from '../codec/reader.js';
import { encode } from '../codec/writer.js';
import { constantTimeEqual } from '../crypto/ct.js';
import { extendedMasterSecret, masterSecret, verifyData } from '../crypto/prf.js';
import type { CryptoProvider, VerifyingKey } from '../crypto/provider.js';
import type { CipherSuite } from '../crypto/suites.js';
import { type DtlsError, HandshakeError, UnexpectedMessageError } from '../errors.js';
import type { HandshakeDriver, HandshakeMachine } from './driver.js';
import { type Extension, findExtension, isEmptyExtension, renegotiationInfo } from './extensions.js';
import { Tls12Secrets, deriveEpochKeys } from './key-schedule12.js';
import { decodeFinished, encodeFinished } from './messages/finished.js';
import type { HandshakeMessage } from './reassembler.js';
import { ExtensionType, HandshakeType as HT, HandshakeTypes } from './registry.js';
import type { Session } from './session.js';

/**
 * What a handshake negotiated: the `negotiated` property of a {@link Peer}
 * and of a {@link ClientConnection}, once the handshake completed.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { connectAsync, type Negotiated } from 'puredtls';
 *
 * const client = await connectAsync({ host: 'localhost', port: 4433, ca: readFileSync('ca.pem') });
 * const n: Negotiated | undefined = client.negotiated;
 * console.log(n?.suite.openssl, n?.group, n?.extendedMasterSecret, n?.resumed ? 'resumed' : 'full handshake');
 * ```
 */
export interface Negotiated {
  /** The cipher suite. */
  readonly suite: CipherSuite;
  /** The ECDHE group (`x25519`, `secp256r1`, `secp384r1`); absent for plain PSK and resumed handshakes. */
  readonly group?: string;
  /** The extended master secret (RFC 7627) in use. */
  readonly extendedMasterSecret: boolean;
  /** encrypt_then_mac (RFC 7366) in use. */
  readonly encryptThenMac: boolean;
  /** On a server: the name the client asked for (SNI, RFC 6066). */
  readonly servername?: string;
  /** The peer's certificate chain, DER, leaf first (empty when it sent none). */
  readonly peerCertificates: readonly Uint8Array[];
  /** Whether the peer's certificate (or raw public key) verified; on a server that requests none, true. */
  readonly authorized: boolean;
  /** Why it did not verify (when the handshake went on regardless). */
  readonly authorizationError?: DtlsError;
  /** The TLS SignatureScheme of the server's ServerKeyExchange signature (certificate suites, full handshakes). */
  readonly signatureScheme?: number;
  /** The PSK identity the client used. */
  readonly pskIdentity?: string;
  /** The handshake resumed a session (abbreviated handshake). */
  readonly resumed: boolean;
  /** The ALPN protocol agreed on (RFC 7301). */
  readonly alpnProtocol?: string;
  /** The DTLS-SRTP profile agreed on (RFC 5764), by its OpenSSL name. */
  readonly srtpProfile?: string;
  /** The peer's raw public key (SPKI DER), when it authenticated with one (RFC 7250). */
  readonly peerRawPublicKey?: Uint8Array;
  /** Connection IDs in use (RFC 9146): ours (in records to us) and the peer's. */
  readonly connectionIds?: { readonly ours: Uint8Array; readonly peers: Uint8Array };
  /** The protocol version: absent for DTLS 1.2, `'DTLSv1.3'` for 1.3 (whose `suite` is then a view of a 1.3 suite). */
  readonly protocol?: 'DTLSv1.3';
}

/** What both roles know once the hellos are exchanged: the facts the rest of the handshake needs. */
export interface HelloParams {
  readonly suite: CipherSuite;
  readonly clientRandom: Uint8Array;
  readonly serverRandom: Uint8Array;
  /** The extended master secret (RFC 7627) in use. */
  readonly ems: boolean;
  /** encrypt_then_mac in use (CBC suites only, RFC 7366). */
  readonly etm: boolean;
  /** What has been negotiated so far, travelling with the state. */
  readonly neg: Negotiated;
}

/** A state of either role's machine: its name, and for the middle states the hello facts. */
export interface MachineState {
  readonly kind: string;
  readonly p?: HelloParams;
  readonly master?: Uint8Array;
  readonly pms?: Uint8Array;
}

/**
 * The skeleton of both DTLS 1.2 state machines: the states are a
 * discriminated union, a table says which message types each accepts
 * (anything else is one `UnexpectedMessageError`), `expectChangeCipherSpec`
 * turns into `expectFinished` on the peer's ChangeCipherSpec, and `done`
 * keeps only what was negotiated.
 */
export abstract class Tls12Machine<S extends MachineState> implements HandshakeMachine {
  /** What was negotiated when the machine reached `done` (completed, or failed and wiped). */
  private final: Negotiated | undefined;

  protected constructor(
    protected readonly d: HandshakeDriver,
    protected state: S,
    private readonly table: { readonly [K in S['kind']]: readonly number[] },
  ) {}

  abstract readonly peerMessageTypes: readonly number[];

  /** Handle the next message in state `st` (it is one the table accepts). */
  protected abstract onMessage(st: S, msg: HandshakeMessage, r: Reader): void;

  get stateName(): string {
    return this.state.kind;
  }
  get accepts(): readonly number[] {
    return this.table[this.state.kind as S['kind']];
  }
  get expectsChangeCipherSpec(): boolean {
    return this.state.kind === 'expectChangeCipherSpec';
  }
  /** What has been negotiated: so far, or (once complete) in the end. */
  get negotiated(): Negotiated | undefined {
    return this.final ?? this.state.p?.neg;
  }

  handleMessage(msg: HandshakeMessage): void {
    const st = this.state;
    const ok = this.accepts;
    if (!ok.includes(msg.msgType)) {
      throw new UnexpectedMessageError(ok.map((t) => HandshakeTypes.nameOf(t)), HandshakeTypes.nameOf(msg.msgType));
    }
    this.onMessage(st, msg, new Reader(msg.body));
  }

  handleChangeCipherSpec(): void {
    const st = this.state;
    if (st.kind !== 'expectChangeCipherSpec') throw new UnexpectedMessageError([], 'change_cipher_spec');
    this.state = { ...st, kind: 'expectFinished' };
  }

  /** The handshake is over: keep what it negotiated, wipe its secrets, tell the connection. */
  protected finish(neg: Negotiated): void {
    this.final = neg;
    this.wipe();
    this.d.complete();
  }

  wipe(): void {
    const st = this.state;
    this.final ??= st.p?.neg;
    st.master?.fill(0);
    st.pms?.fill(0);
    this.state = { kind: 'done' } as S;
  }
}

// --- Finished (RFC 5246 §7.4.9) ---------------------------------------------------

/** Which side a Finished message comes from. */
export type Role = 'client' | 'server';

/** verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]. */
export function finishedVerifyData(d: HandshakeDriver, suite: CipherSuite, master: Uint8Array, sender: Role): Uint8Array {
  const h = suite.prfHash;
  return verifyData(d.provider, h, master, `${sender} finished`, d.transcript.hash(d.provider, h));
}

/** The peer's Finished: authenticated (never epoch 0), and verify_data as we compute it, compared in constant time. */
export function checkFinished(d: HandshakeDriver, p: HelloParams, master: Uint8Array, sender: Role, msg: HandshakeMessage, r: Reader): void {
  if (msg.epoch === 0) throw new HandshakeError('ERR_DTLS_FINISHED_EPOCH', 'Finished in epoch 0', 'unexpected_message');
  const { verifyData: got } = decodeFinished(r);
  if (!constantTimeEqual(got, finishedVerifyData(d, p.suite, master, sender))) {
    throw new HandshakeError('ERR_DTLS_BAD_FINISHED', `${sender} Finished does not verify`, 'decrypt_error');
  }
  d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
}

/** ChangeCipherSpec and our Finished, ending the flight (the last one, or one that waits for an answer). */
export function sendChangeCipherSpecAndFinished(d: HandshakeDriver, p: HelloParams, master: Uint8Array, sender: Role, last: boolean): void {
  const ours = finishedVerifyData(d, p.suite, master, sender);
  d.sendChangeCipherSpec();
  d.sendMessage(HT.finished, encode((w) => encodeFinished(w, { verifyData: ours })));
  d.flushFlight(last);
}

// --- the master secret and its keys -----------------------------------------------

/**
 * The master secret from the premaster secret (RFC 5246 §8.1), or the
 * extended master secret over the transcript so far (RFC 7627 §4: call it
 * right after ClientKeyExchange). The premaster secret is wiped.
 */
export function masterFromPremaster(d: HandshakeDriver, p: HelloParams, pms: Uint8Array): Uint8Array {
  const h = p.suite.prfHash;
  const master = p.ems
    ? extendedMasterSecret(d.provider, h, pms, d.transcript.hash(d.provider, h))
    : masterSecret(d.provider, h, pms, p.clientRandom, p.serverRandom);
  pms.fill(0);
  return master;
}

/** Hand the master secret's products to the connection: the next epoch's keys, the exporter and the key log. */
export function useMaster(d: HandshakeDriver, role: Role, p: HelloParams, master: Uint8Array): void {
  d.secretsReady(new Tls12Secrets(d.provider, p.suite, master, p.clientRandom, p.serverRandom));
  d.installPendingKeys(deriveEpochKeys(d.provider, role, p.suite, master, p.clientRandom, p.serverRandom, p.etm));
}

/**
 * The PSK premaster secret (RFC 4279 §2, RFC 5489 §2):
 * `opaque other_secret<0..2^16-1>; opaque psk<0..2^16-1>;` where other_secret
 * is N zero bytes for plain PSK and the ECDH secret for ECDHE_PSK.
 */
export function pskPremaster(psk: Uint8Array, ecdhSecret: Uint8Array | undefined): Uint8Array {
  const other = ecdhSecret ?? new Uint8Array(psk.length);
  const out = new Uint8Array(4 + other.length + psk.length);
  out[0] = other.length >>> 8;
  out[1] = other.length & 0xff;
  out.set(other, 2);
  out[2 + other.length] = psk.length >>> 8;
  out[3 + other.length] = psk.length & 0xff;
  out.set(psk, 4 + other.length);
  if (ecdhSecret) ecdhSecret.fill(0);
  return out;
}

// --- hello extensions both roles check ---------------------------------------------

/**
 * renegotiation_info on an initial handshake (RFC 5746 §3.4, §3.5): present
 * means secure renegotiation is supported, and it must be empty (S-24).
 */
export function renegotiationInfoOf(exts: readonly Extension[], where: string): boolean {
  const reneg = findExtension(exts, ExtensionType.renegotiation_info);
  if (reneg !== undefined && renegotiationInfo.decode(reneg).length !== 0) {
    throw new HandshakeError('ERR_DTLS_RENEGOTIATION', `non-empty renegotiation_info ${where}`, 'handshake_failure');
  }
  return reneg !== undefined;
}

/** extended_master_secret (RFC 7627): whether it is on, refused when required and not. */
export function extendedMasterSecretOf(exts: readonly Extension[], required: boolean, refusal: string): boolean {
  const ext = findExtension(exts, ExtensionType.extended_master_secret);
  // Stryker disable next-line StringLiteral: only the text of an error message
  const ems = ext !== undefined && isEmptyExtension(ext, 'extended_master_secret');
  if (!ems && required) throw new HandshakeError('ERR_DTLS_EMS_REQUIRED', refusal, 'handshake_failure');
  return ems;
}

/** encrypt_then_mac (RFC 7366 §3): on only with a CBC suite. */
export function encryptThenMacOf(exts: readonly Extension[], suite: CipherSuite): boolean {
  const ext = findExtension(exts, ExtensionType.encrypt_then_mac);
  // Stryker disable next-line StringLiteral: only the text of an error message
  return ext !== undefined && isEmptyExtension(ext, 'encrypt_then_mac') && suite.protection.kind === 'cbc';
}

/** An empty extension (the ones that only say "yes"). */
export function flagExtension(type: number): Extension {
  return { type, data: new Uint8Array(0) };
}

// --- raw public keys (RFC 7250) -----------------------------------------------------

/** The peer's raw public key (a SubjectPublicKeyInfo): importable, or bad_certificate. */
export function importRawPublicKey(provider: CryptoProvider, spki: Uint8Array, who: Role): VerifyingKey {
  try {
    return provider.importVerifyingKey(spki);
  } catch {
    throw new HandshakeError('ERR_DTLS_BAD_CERTIFICATE', `${who} raw public key cannot be parsed`, 'bad_certificate');
  }
}

/** Why a raw public key is refused: `verifyRawPublicKey` did not trust it. */
export function untrustedRawPublicKey(who: Role): HandshakeError {
  return new HandshakeError('ERR_DTLS_RAW_KEY_UNTRUSTED', `${who} raw public key is not trusted`, 'bad_certificate');
}

// --- sessions -------------------------------------------------------------------------

/**
 * The session a completed handshake leaves: what an abbreviated handshake
 * needs and the peer's identity as verified. `leafOnly` keeps just the leaf
 * of the peer's chain (the server's tickets: the rest would only swell them).
 */
export function sessionOf(p: HelloParams, master: Uint8Array, created: number, leafOnly: boolean): Session {
  const n = p.neg;
  return {
    suiteId: p.suite.id, masterSecret: Uint8Array.from(master), extendedMasterSecret: p.ems, encryptThenMac: p.etm,
    created, peerCertificates: leafOnly ? n.peerCertificates.slice(0, 1) : n.peerCertificates, authorized: n.authorized,
    ...(n.pskIdentity !== undefined && { pskIdentity: n.pskIdentity }), ...(n.servername !== undefined && { servername: n.servername }),
    ...(n.peerRawPublicKey !== undefined && { peerRawPublicKey: n.peerRawPublicKey }),
  };
}

/** A Promise rather than a value (the callbacks that may answer either way). */
export function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown })?.then === 'function';
}
