/**
 * HKDF (RFC 5869) and TLS 1.3's labelled expansion (RFC 8446 §7.1) over the
 * crypto provider's HMAC, with the label prefix as a parameter: DTLS 1.3 uses
 * `"dtls13"` (RFC 9147 §5.9, no trailing space), TLS 1.3 `"tls13 "` — the
 * same code is checked against the TLS 1.3 vectors of RFC 8448.
 */
import { ascii } from '../crypto/bytes.js';
import { cryptoError } from '../crypto/fail.js';
import type { CryptoProvider } from '../crypto/provider.js';

/** The hash of a TLS 1.3 cipher suite (RFC 8446 §B.4): SHA-256 or SHA-384. */
export type Tls13Hash = 'sha256' | 'sha384';

/** HKDF-Expand-Label's prefix in DTLS 1.3 (RFC 9147 §5.9). */
export const DTLS13_LABEL_PREFIX = 'dtls13';
/** HKDF-Expand-Label's prefix in TLS 1.3 (RFC 8446 §7.1); for checking against RFC 8448. */
export const TLS13_LABEL_PREFIX = 'tls13 ';

/** Hash.length of the suite's hash: 32 or 48 bytes. */
export function hashLength(hash: Tls13Hash): 32 | 48 {
  if (hash === 'sha256') return 32;
  if (hash === 'sha384') return 48;
  throw cryptoError(`unknown TLS 1.3 hash ${String(hash)}`);
}

/**
 * HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 §2.2). An empty
 * salt stands for Hash.length zero bytes (HMAC pads either to the same key).
 */
export function hkdfExtract(provider: CryptoProvider, hash: Tls13Hash, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  const key = salt.length === 0 ? new Uint8Array(hashLength(hash)) : salt;
  return provider.hmac(hash, key, ikm);
}

/**
 * HKDF-Expand(PRK, info, L) (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) ‖ info ‖
 * i), the first L bytes of T(1) ‖ T(2) ‖ …. L is at most 255 × Hash.length.
 * The intermediate blocks are wiped.
 */
export function hkdfExpand(provider: CryptoProvider, hash: Tls13Hash, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const n = hashLength(hash);
  if (!Number.isInteger(length) || length < 0 || length > 255 * n) throw cryptoError(`HKDF-Expand length ${length} out of range`);
  return expandWith(provider.hmacKey(hash, prk), n, info, length);
}

/** HKDF-Expand with HMAC(PRK, ·) already keyed; `length` checked by the caller. */
function expandWith(mac: (data: Uint8Array) => Uint8Array, n: number, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const input = new Uint8Array(n + info.length + 1);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, pos = 0; pos < length; i++) {
    const block = input.subarray(i === 1 ? n : 0);
    if (i > 1) input.set(t, 0);
    input.set(info, n);
    input[n + info.length] = i;
    t.fill(0);
    t = mac(block);
    out.set(t.subarray(0, Math.min(n, length - pos)), pos);
    pos += n;
  }
  t.fill(0);
  input.fill(0);
  return out;
}

/**
 * The HkdfLabel structure (RFC 8446 §7.1, prefix per RFC 9147 §5.9):
 * ```
 * struct {
 *   uint16 length = Length;
 *   opaque label<7..255> = "tls13 " + Label;   // "dtls13" + Label in DTLS 1.3
 *   opaque context<0..255> = Context;
 * } HkdfLabel;
 * ```
 */
export function hkdfLabel(label: string, context: Uint8Array, length: number, prefix: string = DTLS13_LABEL_PREFIX): Uint8Array {
  const out = new Uint8Array(4 + labelBytes(prefix + label).length + context.length);
  writeHkdfLabel(out, label, context, length, prefix);
  return out;
}

/** Write HkdfLabel at the start of `out` (which has the room); returns its length. */
function writeHkdfLabel(out: Uint8Array, label: string, context: Uint8Array, length: number, prefix: string): number {
  const full = labelBytes(prefix + label);
  if (full.length < 7 || full.length > 255) throw cryptoError(`HkdfLabel label "${prefix}${label}" must be 7..255 bytes`);
  if (context.length > 255) throw cryptoError(`HkdfLabel context of ${context.length} bytes exceeds 255`);
  if (!Number.isInteger(length) || length < 0 || length > 0xffff) throw cryptoError(`HkdfLabel length ${length} out of range`);
  out[0] = length >>> 8;
  out[1] = length & 0xff;
  out[2] = full.length;
  out.set(full, 3);
  out[3 + full.length] = context.length;
  out.set(context, 4 + full.length);
  return 4 + full.length + context.length;
}

/**
 * Where a one-block expansion writes `HkdfLabel ‖ 0x01` (RFC 5869 §2.3's
 * T(1) input): public bytes only (length, label, context), so one buffer
 * serves every call and an expansion allocates nothing but its output.
 */
const T1_INPUT = new Uint8Array(4 + 255 + 255 + 1);

/**
 * HKDF-Expand-Label with HMAC(Secret, ·) already keyed. Every label of the
 * schedule asks for at most Hash.length bytes: one HMAC over T1_INPUT; longer
 * outputs (an exporter may ask for them) take the general HKDF-Expand.
 */
function expandLabelWith(mac: (data: Uint8Array) => Uint8Array, n: number, label: string, context: Uint8Array, length: number, prefix: string): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * n) throw cryptoError(`HKDF-Expand length ${length} out of range`);
  if (length > n) return expandWith(mac, n, hkdfLabel(label, context, length, prefix), length);
  const end = writeHkdfLabel(T1_INPUT, label, context, length, prefix);
  T1_INPUT[end] = 1;
  const t = mac(T1_INPUT.subarray(0, end + 1));
  if (length === t.length) return t;
  const out = new Uint8Array(length);
  out.set(t.subarray(0, length));
  t.fill(0);
  return out;
}

/** Labels as bytes, encoded once: a handshake uses the same dozen (exporter labels beyond the first few are encoded each time). */
const LABELS = new Map<string, Uint8Array>();

function labelBytes(full: string): Uint8Array {
  let b = LABELS.get(full);
  if (b === undefined) {
    b = ascii(full);
    if (LABELS.size < 64) LABELS.set(full, b);
  }
  return b;
}

/**
 * HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret,
 * HkdfLabel, Length) (RFC 8446 §7.1; the `prefix` is `"dtls13"` for DTLS 1.3,
 * RFC 9147 §5.9).
 */
export function hkdfExpandLabel(
  provider: CryptoProvider, hash: Tls13Hash, secret: Uint8Array, label: string, context: Uint8Array, length: number,
  prefix: string = DTLS13_LABEL_PREFIX,
): Uint8Array {
  return expandLabelWith(provider.hmacKey(hash, secret), hashLength(hash), label, context, length, prefix);
}

/**
 * HKDF-Expand-Label of one secret for several labels, with the HMAC key
 * imported once (a traffic secret's "key", "iv" and "sn"). The returned
 * function keeps what `hmacKey` derived from `secret`, not `secret` itself.
 */
export function hkdfExpandLabels(
  provider: CryptoProvider, hash: Tls13Hash, secret: Uint8Array, prefix: string = DTLS13_LABEL_PREFIX,
): (label: string, context: Uint8Array, length: number) => Uint8Array {
  const n = hashLength(hash);
  const mac = provider.hmacKey(hash, secret);
  return (label, context, length) => expandLabelWith(mac, n, label, context, length, prefix);
}

/**
 * Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label,
 * Transcript-Hash(Messages), Hash.length) (RFC 8446 §7.1). Takes the
 * transcript hash, which the handshake keeps running; see
 * {@link emptyHash} for `Messages = ""`.
 */
export function deriveSecret(
  provider: CryptoProvider, hash: Tls13Hash, secret: Uint8Array, label: string, transcriptHash: Uint8Array,
  prefix: string = DTLS13_LABEL_PREFIX,
): Uint8Array {
  if (transcriptHash.length !== hashLength(hash)) throw cryptoError(`Derive-Secret: transcript hash of ${transcriptHash.length} bytes for ${hash}`);
  return hkdfExpandLabel(provider, hash, secret, label, transcriptHash, hashLength(hash), prefix);
}

/** Transcript-Hash("") — the context of `"derived"`, `"ext binder"`, `"res binder"` and the exporter (RFC 8446 §7.1, §7.5). */
export function emptyHash(provider: CryptoProvider, hash: Tls13Hash): Uint8Array {
  return scheduleConstant(provider, `empty ${hash}`, () => provider.hash(hash, new Uint8Array(0)));
}

const CONSTANTS = new WeakMap<CryptoProvider, Map<string, Uint8Array>>();

/**
 * A value of the key schedule that depends on nothing secret (the empty
 * hash; the `"derived"` secret of an Early Secret without a PSK): `make`
 * runs once per provider and key, and every caller gets its own copy (they
 * may wipe it). Keys are the code's own, a handful.
 */
export function scheduleConstant(provider: CryptoProvider, key: string, make: () => Uint8Array): Uint8Array {
  let m = CONSTANTS.get(provider);
  if (m === undefined) CONSTANTS.set(provider, (m = new Map()));
  let v = m.get(key);
  if (v === undefined) m.set(key, (v = make()));
  return v.slice();
}
