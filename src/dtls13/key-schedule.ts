/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1–§7.5) as DTLS 1.3 uses it (RFC
 * 9147 §5.9: the `"dtls13"` label prefix; §4.2.3: a record-number key `sn`
 * per traffic secret). Pure functions of a {@link KeyScheduleParams}; the
 * label prefix is a parameter so that RFC 8448's TLS 1.3 traces check the
 * same code.
 *
 * ```
 *              0
 *              |
 *              v
 *    PSK ->  HKDF-Extract = Early Secret
 *              +-----> Derive-Secret(., "ext binder" | "res binder", "") = binder_key
 *              +-----> Derive-Secret(., "c e traffic", ClientHello)
 *              +-----> Derive-Secret(., "e exp master", ClientHello)
 *              v
 *        Derive-Secret(., "derived", "")
 *              v
 * (EC)DHE -> HKDF-Extract = Handshake Secret
 *              +-----> Derive-Secret(., "c hs traffic", ClientHello...ServerHello)
 *              +-----> Derive-Secret(., "s hs traffic", ClientHello...ServerHello)
 *              v
 *        Derive-Secret(., "derived", "")
 *              v
 *    0 -> HKDF-Extract = Master Secret
 *              +-----> Derive-Secret(., "c ap traffic", ClientHello...server Finished)
 *              +-----> Derive-Secret(., "s ap traffic", ClientHello...server Finished)
 *              +-----> Derive-Secret(., "exp master", ClientHello...server Finished)
 *              +-----> Derive-Secret(., "res master", ClientHello...client Finished)
 * ```
 * Intermediate values (the `"derived"` secrets, the zero inputs, the finished
 * keys, the exporter's per-label secret) are wiped before returning; the
 * caller owns and wipes what is returned.
 */
import { constantTimeEqual } from '../crypto/ct.js';
import type { CryptoProvider } from '../crypto/provider.js';
import {
  DTLS13_LABEL_PREFIX, type Tls13Hash, deriveSecret, emptyHash, hashLength, hkdfExpandLabel, hkdfExpandLabels, hkdfExtract, scheduleConstant,
} from './hkdf.js';

/** What every derivation needs: the provider, the suite's hash, and the label prefix (default `"dtls13"`). */
export interface KeyScheduleParams {
  readonly provider: CryptoProvider;
  readonly hash: Tls13Hash;
  /** `"dtls13"` (RFC 9147 §5.9); `"tls13 "` only to check against TLS 1.3 vectors. */
  readonly prefix: string;
}

/** Parameters for a suite's hash; `prefix` defaults to DTLS 1.3's `"dtls13"`. */
export function keyScheduleParams(provider: CryptoProvider, hash: Tls13Hash, prefix: string = DTLS13_LABEL_PREFIX): KeyScheduleParams {
  hashLength(hash);
  return Object.freeze({ provider, hash, prefix });
}

/** A secret per direction. */
export interface DirectionalSecrets {
  readonly client: Uint8Array;
  readonly server: Uint8Array;
}

const derive = (k: KeyScheduleParams, secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array =>
  deriveSecret(k.provider, k.hash, secret, label, transcriptHash, k.prefix);

/** Derive-Secret(secret, "derived", ""), then HKDF-Extract(that, ikm); the intermediate is wiped. */
function nextStage(k: KeyScheduleParams, secret: Uint8Array, ikm: Uint8Array): Uint8Array {
  const derived = derive(k, secret, 'derived', emptyHash(k.provider, k.hash));
  const out = hkdfExtract(k.provider, k.hash, derived, ikm);
  derived.fill(0);
  return out;
}

/**
 * Early Secret = HKDF-Extract(0, PSK) (RFC 8446 §7.1). Without a PSK the IKM
 * is Hash.length zero bytes ("if PSK is not in use").
 */
export function earlySecret(k: KeyScheduleParams, psk?: Uint8Array): Uint8Array {
  const ikm = psk ?? new Uint8Array(hashLength(k.hash));
  return hkdfExtract(k.provider, k.hash, new Uint8Array(0), ikm);
}

/**
 * binder_key = Derive-Secret(Early Secret, "ext binder" | "res binder", "")
 * (RFC 8446 §7.1): `external` for an external PSK, `resumption` for a ticket's.
 */
export function binderKey(k: KeyScheduleParams, early: Uint8Array, kind: 'external' | 'resumption'): Uint8Array {
  return derive(k, early, kind === 'external' ? 'ext binder' : 'res binder', emptyHash(k.provider, k.hash));
}

/**
 * client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic",
 * ClientHello) (RFC 8446 §7.1). DTLS 1.3 here never sends or accepts 0-RTT
 * (epoch 1); this exists for completeness of the schedule and its vectors.
 */
export function clientEarlyTrafficSecret(k: KeyScheduleParams, early: Uint8Array, clientHelloHash: Uint8Array): Uint8Array {
  return derive(k, early, 'c e traffic', clientHelloHash);
}

/** early_exporter_master_secret = Derive-Secret(Early Secret, "e exp master", ClientHello) (RFC 8446 §7.1). */
export function earlyExporterMasterSecret(k: KeyScheduleParams, early: Uint8Array, clientHelloHash: Uint8Array): Uint8Array {
  return derive(k, early, 'e exp master', clientHelloHash);
}

/**
 * Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""),
 * (EC)DHE) (RFC 8446 §7.1). For psk_ke (no (EC)DHE) the IKM is Hash.length
 * zero bytes (§7.1: "if a given secret is not available, then the 0-value is
 * used").
 */
export function handshakeSecret(k: KeyScheduleParams, early: Uint8Array, sharedSecret?: Uint8Array): Uint8Array {
  const zeros = new Uint8Array(hashLength(k.hash));
  return nextStage(k, early, sharedSecret ?? zeros);
}

/**
 * Handshake Secret of a handshake without a PSK: the Early Secret is then
 * HKDF-Extract(0, 0) and its `"derived"` secret a constant of the hash and
 * label prefix, derived once per provider (see `scheduleConstant`); only the
 * Extract with the (EC)DHE secret remains. Equal to
 * `handshakeSecret(k, earlySecret(k), sharedSecret)`.
 */
export function handshakeSecretWithoutPsk(k: KeyScheduleParams, sharedSecret: Uint8Array): Uint8Array {
  const derived = scheduleConstant(k.provider, `derived ${k.hash} ${k.prefix}`, () => {
    const early = earlySecret(k);
    const d = derive(k, early, 'derived', emptyHash(k.provider, k.hash));
    early.fill(0);
    return d;
  });
  const out = hkdfExtract(k.provider, k.hash, derived, sharedSecret);
  derived.fill(0);
  return out;
}

/**
 * [sender]_handshake_traffic_secret = Derive-Secret(Handshake Secret,
 * "c hs traffic" | "s hs traffic", ClientHello...ServerHello) (RFC 8446 §7.1).
 * In DTLS 1.3 these key epoch 2 (RFC 9147 §6.1).
 */
export function handshakeTrafficSecrets(k: KeyScheduleParams, hs: Uint8Array, helloHash: Uint8Array): DirectionalSecrets {
  return { client: derive(k, hs, 'c hs traffic', helloHash), server: derive(k, hs, 's hs traffic', helloHash) };
}

/** Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0) (RFC 8446 §7.1). */
export function masterSecret(k: KeyScheduleParams, hs: Uint8Array): Uint8Array {
  return nextStage(k, hs, new Uint8Array(hashLength(k.hash)));
}

/**
 * [sender]_application_traffic_secret_0 = Derive-Secret(Master Secret,
 * "c ap traffic" | "s ap traffic", ClientHello...server Finished) (RFC 8446
 * §7.1). In DTLS 1.3 these key epoch 3 (RFC 9147 §6.1).
 */
export function applicationTrafficSecrets(k: KeyScheduleParams, master: Uint8Array, serverFinishedHash: Uint8Array): DirectionalSecrets {
  return { client: derive(k, master, 'c ap traffic', serverFinishedHash), server: derive(k, master, 's ap traffic', serverFinishedHash) };
}

/** exporter_master_secret = Derive-Secret(Master Secret, "exp master", ClientHello...server Finished) (RFC 8446 §7.1). */
export function exporterMasterSecret(k: KeyScheduleParams, master: Uint8Array, serverFinishedHash: Uint8Array): Uint8Array {
  return derive(k, master, 'exp master', serverFinishedHash);
}

/** resumption_master_secret = Derive-Secret(Master Secret, "res master", ClientHello...client Finished) (RFC 8446 §7.1). */
export function resumptionMasterSecret(k: KeyScheduleParams, master: Uint8Array, clientFinishedHash: Uint8Array): Uint8Array {
  return derive(k, master, 'res master', clientFinishedHash);
}

/**
 * application_traffic_secret_N+1 = HKDF-Expand-Label(application_traffic_secret_N,
 * "traffic upd", "", Hash.length) (RFC 8446 §7.2): the next epoch's secret
 * after a KeyUpdate (RFC 9147 §8: epoch N+1).
 */
export function nextTrafficSecret(k: KeyScheduleParams, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(k.provider, k.hash, secret, 'traffic upd', new Uint8Array(0), hashLength(k.hash), k.prefix);
}

/** The keys of one direction of one epoch. */
export interface TrafficKeys {
  /** [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length). */
  readonly key: Uint8Array;
  /** [sender]_write_iv = HKDF-Expand-Label(Secret, "iv", "", iv_length). */
  readonly iv: Uint8Array;
  /** [sender]_sn_key = HKDF-Expand-Label(Secret, "sn", "", key_length) (RFC 9147 §4.2.3). */
  readonly sn: Uint8Array;
}

/**
 * The traffic keys of a traffic secret (RFC 8446 §7.3) plus DTLS 1.3's
 * record-number key (RFC 9147 §4.2.3, "sn", as long as the AEAD key). The IV
 * is 12 bytes for every suite (RFC 8446 §5.3: max(8, N_MIN)).
 */
export function trafficKeys(k: KeyScheduleParams, secret: Uint8Array, keyLength: number, ivLength = 12): TrafficKeys {
  const none = new Uint8Array(0);
  const expand = hkdfExpandLabels(k.provider, k.hash, secret, k.prefix);
  return { key: expand('key', none, keyLength), iv: expand('iv', none, ivLength), sn: expand('sn', none, keyLength) };
}

/** finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (RFC 8446 §4.4.4). */
export function finishedKey(k: KeyScheduleParams, baseKey: Uint8Array): Uint8Array {
  return hkdfExpandLabel(k.provider, k.hash, baseKey, 'finished', new Uint8Array(0), hashLength(k.hash), k.prefix);
}

/**
 * verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context,
 * Certificate*, CertificateVerify*)) (RFC 8446 §4.4.4). `baseKey` is the
 * sender's handshake traffic secret (or, for a PSK binder, the binder key:
 * §4.2.11.2). The finished key is wiped.
 */
export function finishedVerifyData(k: KeyScheduleParams, baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
  const fk = finishedKey(k, baseKey);
  const out = k.provider.hmac(k.hash, fk, transcriptHash);
  fk.fill(0);
  return out;
}

/** Does `verifyData` match (RFC 8446 §4.4.4)? Compared in constant time. */
export function verifyFinished(k: KeyScheduleParams, baseKey: Uint8Array, transcriptHash: Uint8Array, verifyData: Uint8Array): boolean {
  const expected = finishedVerifyData(k, baseKey, transcriptHash);
  const ok = constantTimeEqual(expected, verifyData);
  expected.fill(0);
  return ok;
}

/**
 * A PSK binder (RFC 8446 §4.2.11.2): computed as a Finished over the
 * transcript up to and including the truncated ClientHello, with the binder
 * key as BaseKey. See `truncatedClientHelloHash` in transcript.ts.
 */
export function pskBinder(k: KeyScheduleParams, binderKeyValue: Uint8Array, truncatedTranscriptHash: Uint8Array): Uint8Array {
  return finishedVerifyData(k, binderKeyValue, truncatedTranscriptHash);
}

/**
 * The PSK of a ticket: HKDF-Expand-Label(resumption_master_secret,
 * "resumption", ticket_nonce, Hash.length) (RFC 8446 §4.6.1).
 */
export function resumptionPsk(k: KeyScheduleParams, resumptionMaster: Uint8Array, ticketNonce: Uint8Array): Uint8Array {
  return hkdfExpandLabel(k.provider, k.hash, resumptionMaster, 'resumption', ticketNonce, hashLength(k.hash), k.prefix);
}

/**
 * TLS-Exporter(label, context_value, key_length) =
 * HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter",
 * Hash(context_value), key_length) (RFC 8446 §7.5), with Secret the
 * exporter_master_secret. No context and an empty one are the same in TLS 1.3.
 * The per-label secret is wiped.
 */
export function exportKeyingMaterial(
  k: KeyScheduleParams, exporterMaster: Uint8Array, label: string, context: Uint8Array | undefined, length: number,
): Uint8Array {
  const perLabel = derive(k, exporterMaster, label, emptyHash(k.provider, k.hash));
  const out = hkdfExpandLabel(k.provider, k.hash, perLabel, 'exporter', k.provider.hash(k.hash, context ?? new Uint8Array(0)), length, k.prefix);
  perLabel.fill(0);
  return out;
}
