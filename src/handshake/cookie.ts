import { Writer } from '../codec/writer.js';
import { constantTimeEqual } from '../crypto/ct.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { encodeExtensions } from './extensions.js';
import type { ClientHello } from './messages/client-hello.js';

/** Cookie length: 32 bytes at most (S-15), which keeps an HVR below any ClientHello. */
export const COOKIE_LENGTH = 32;

/**
 * Stateless cookies (RFC 6347 §4.2.1, S-12): an HMAC-SHA256 over the client's
 * address, port and ClientHello parameters (everything but the cookie), keyed
 * by a secret derived from a master secret and the current time period. The
 * secret of the period before is still accepted (S-15), so a cookie lives for
 * one to two periods. Because the per-period secret is derived, servers that
 * share the master secret accept each other's cookies, and nothing is stored.
 */
export class CookieFactory {
  constructor(
    private readonly provider: CryptoProvider,
    private readonly master: Uint8Array,
    /** Length of a secret period in ms (default 60 s). */
    private readonly period = 60_000,
  ) {}

  private secret(index: number): Uint8Array {
    const label = new Uint8Array(8);
    new DataView(label.buffer).setFloat64(0, index);
    return this.provider.hmac('sha256', this.master, label);
  }

  private mac(secret: Uint8Array, address: string, port: number, hello: ClientHello): Uint8Array {
    const w = new Writer(256);
    w.opaque8(new TextEncoder().encode(address)).u16(port);
    w.u16(hello.clientVersion).bytes(hello.random).opaque8(hello.sessionId);
    w.vec16((w) => hello.cipherSuites.forEach((s) => w.u16(s)));
    w.vec8((w) => hello.compressionMethods.forEach((c) => w.u8(c)));
    encodeExtensions(w, hello.extensions);
    return this.provider.hmac('sha256', secret, w.finish()).subarray(0, COOKIE_LENGTH);
  }

  make(address: string, port: number, hello: ClientHello, now: number): Uint8Array {
    return this.mac(this.secret(Math.floor(now / this.period)), address, port, hello);
  }

  /** Does the hello carry a cookie we made for this address in this or the previous period? Constant time. */
  verify(address: string, port: number, hello: ClientHello, now: number): boolean {
    if (hello.cookie.length !== COOKIE_LENGTH) return false;
    const index = Math.floor(now / this.period);
    const current = constantTimeEqual(hello.cookie, this.mac(this.secret(index), address, port, hello));
    const previous = constantTimeEqual(hello.cookie, this.mac(this.secret(index - 1), address, port, hello));
    return current || previous;
  }
}
