/**
 * Small byte helpers shared by the x509 modules (internal; not re-exported by
 * `src/x509/index.ts`).
 */

/**
 * Bytes as a fresh plain `Uint8Array` (a copy; a `Buffer` or any view is
 * accepted, and the result is never a `Buffer`).
 */
export function toBytes(b: Uint8Array | ArrayBuffer): Uint8Array {
  return b instanceof ArrayBuffer ? new Uint8Array(b.slice(0)) : new Uint8Array(b);
}

const HEX_LOWER = '0123456789abcdef';
const HEX_UPPER = '0123456789ABCDEF';

/** Hex string of `b` (lowercase unless `upper`). */
export function toHex(b: Uint8Array, upper = false): string {
  const digits = upper ? HEX_UPPER : HEX_LOWER;
  let s = '';
  for (let i = 0; i < b.length; i++) s += digits[b[i]! >> 4]! + digits[b[i]! & 15]!;
  return s;
}

/** Uppercase colon-separated hex ("AB:CD:..."), the format of Node's fingerprints. */
export function colonHex(b: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < b.length; i++) parts.push(HEX_UPPER[b[i]! >> 4]! + HEX_UPPER[b[i]! & 15]!);
  return parts.join(':');
}

/** Decode bytes as Latin-1 (one char per byte). */
export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x2000) {
    s += String.fromCharCode(...b.subarray(i, Math.min(b.length, i + 0x2000)));
  }
  return s;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX: Int16Array = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Standard base64 with padding. */
export function base64Encode(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = b.length - i;
  if (rest === 1) {
    const n = b[i]! << 16;
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8);
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return s;
}

/**
 * Strict standard base64: alphabet `A-Za-z0-9+/`, length a multiple of 4,
 * at most two `=` only at the end, and zero padding bits. Returns `undefined`
 * for anything else (no whitespace is accepted; strip it first).
 */
export function base64DecodeStrict(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0) return undefined;
  let pad = 0;
  if (s.endsWith('==')) pad = 2;
  else if (s.endsWith('=')) pad = 1;
  const n = s.length;
  const out = new Uint8Array((n / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < n; i += 4) {
    const last = i + 4 === n;
    const vals = [0, 0, 0, 0];
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j);
      if (last && j >= 4 - pad) {
        if (c !== 0x3d) return undefined;
        continue;
      }
      const v = c < 128 ? B64_INDEX[c]! : -1;
      if (v < 0) return undefined;
      vals[j] = v;
    }
    const x = (vals[0]! << 18) | (vals[1]! << 12) | (vals[2]! << 6) | vals[3]!;
    if (last && pad === 2) {
      if ((x & 0xffff) !== 0) return undefined;
      out[o++] = x >> 16;
    } else if (last && pad === 1) {
      if ((x & 0xff) !== 0) return undefined;
      out[o++] = x >> 16;
      out[o++] = (x >> 8) & 0xff;
    } else {
      out[o++] = x >> 16;
      out[o++] = (x >> 8) & 0xff;
      out[o++] = x & 0xff;
    }
  }
  return out;
}
