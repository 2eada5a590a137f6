/**
 * The envelope of saved associations: a small header (magic, format version,
 * creation time, salt, nonce) in the clear and authenticated, then the
 * associations sealed with AES-256-GCM under a key derived from the caller's
 * by HKDF-SHA256 with a fresh random salt (so no two blobs share a key, and
 * a random nonce under it is never repeated).
 *
 * ```
 * "PDAS" ‖ u8 version ‖ u48 created (ms since 1970) ‖ salt[16] ‖ nonce[12] ‖ AES-256-GCM(plaintext) ‖ tag[16]
 * ```
 *
 * Opening checks, in order, each with its own `DtlsError` code: the shape
 * (`ERR_DTLS_STATE_MALFORMED`), the version (`ERR_DTLS_STATE_VERSION`), the
 * tag (`ERR_DTLS_STATE_AUTH`: altered, or another key), the age
 * (`ERR_DTLS_STATE_EXPIRED`; after the tag, so the time is the one written).
 *
 * @module
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { hkdfExpand, hkdfExtract } from '../dtls13/hkdf.js';
import { DtlsError } from '../errors.js';
import { Reader } from '../codec/reader.js';
import { writeU48 } from '../record/record.js';

/** The format version this build writes and reads. */
export const STATE_FORMAT_VERSION = 1;
const MAGIC = [0x50, 0x44, 0x41, 0x53]; // "PDAS"
const SALT = 16;
const NONCE = 12;
const TAG = 16;
const HEADER = MAGIC.length + 1 + 6 + SALT + NONCE;
/** Shortest key accepted (256 bits). */
export const MIN_STATE_KEY_LENGTH = 32;
/** A blob may say it was made this far in the future (clocks of two machines) before it is refused. */
const CLOCK_SKEW = 60_000;
const INFO = new TextEncoder().encode('puredtls saved associations v1');

function checkKey(key: unknown): Uint8Array {
  if (!(key instanceof Uint8Array)) throw new TypeError('The state key must be a Buffer or Uint8Array');
  if (key.length < MIN_STATE_KEY_LENGTH) throw new RangeError(`The state key must be at least ${MIN_STATE_KEY_LENGTH} bytes (it has ${key.length})`);
  return key;
}

function blobKey(provider: CryptoProvider, key: Uint8Array, salt: Uint8Array): Uint8Array {
  const prk = hkdfExtract(provider, 'sha256', salt, key);
  const k = hkdfExpand(provider, 'sha256', prk, INFO, 32);
  prk.fill(0);
  return k;
}

/** Seal `plaintext` (wiped afterwards) into a blob created at `now`. */
export function sealState(provider: CryptoProvider, key: Uint8Array, plaintext: Uint8Array, now: number): Uint8Array {
  checkKey(key);
  const out = new Uint8Array(HEADER + plaintext.length + TAG);
  out.set(MAGIC, 0);
  out[4] = STATE_FORMAT_VERSION;
  writeU48(out, 5, Math.max(0, Math.floor(now)));
  const salt = provider.randomBytes(SALT), nonce = provider.randomBytes(NONCE);
  out.set(salt, 11);
  out.set(nonce, 11 + SALT);
  const k = blobKey(provider, key, salt);
  const sealed = provider.createAead('aes-256-gcm', k).seal(nonce, out.subarray(0, HEADER), plaintext);
  k.fill(0);
  plaintext.fill(0);
  out.set(sealed, HEADER);
  return out;
}

/** What {@link openState} found: the plaintext (the caller wipes it) and when the blob was made. */
export interface OpenedState {
  readonly plaintext: Uint8Array;
  readonly created: number;
}

/**
 * Open a blob. Throws a `DtlsError` whose code says why it is refused (see
 * the module comment); a key of the wrong type or length is a
 * `TypeError`/`RangeError`.
 */
export function openState(provider: CryptoProvider, blob: Uint8Array, key: Uint8Array, now: number, maxAge: number): OpenedState {
  checkKey(key);
  if (!(blob instanceof Uint8Array)) throw new TypeError('The saved associations must be a Buffer or Uint8Array');
  if (blob.length < 5 || MAGIC.some((b, i) => blob[i] !== b)) throw new DtlsError('ERR_DTLS_STATE_MALFORMED', 'not saved puredtls associations (bad magic)');
  if (blob[4] !== STATE_FORMAT_VERSION) {
    throw new DtlsError('ERR_DTLS_STATE_VERSION', `saved associations of format version ${blob[4]}; this puredtls reads version ${STATE_FORMAT_VERSION}`);
  }
  if (blob.length < HEADER + TAG) throw new DtlsError('ERR_DTLS_STATE_MALFORMED', `saved associations truncated (${blob.length} bytes)`);
  const created = new Reader(blob, 5, 11).u48('created');
  const salt = blob.subarray(11, 11 + SALT), nonce = blob.subarray(11 + SALT, HEADER);
  const k = blobKey(provider, key, salt);
  const plaintext = provider.createAead('aes-256-gcm', k).open(nonce, blob.subarray(0, HEADER), blob.subarray(HEADER));
  k.fill(0);
  if (plaintext === null) throw new DtlsError('ERR_DTLS_STATE_AUTH', 'the saved associations do not authenticate: altered, truncated, or sealed with another key');
  const age = now - created;
  if (age > maxAge || age < -CLOCK_SKEW) {
    plaintext.fill(0);
    throw new DtlsError('ERR_DTLS_STATE_EXPIRED', age < 0
      ? `the saved associations were made ${-age} ms in the future`
      : `the saved associations are ${age} ms old (maxAge ${maxAge} ms)`);
  }
  return { plaintext: new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength), created };
}
