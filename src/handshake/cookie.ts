import { Writer } from '../codec/writer.js';
import { constantTimeEqual } from '../crypto/ct.js';
import type { CryptoProvider } from '../crypto/provider.js';
import type { HelloPrefix } from './messages/client-hello.js';

const utf8 = new TextEncoder();

/** Cookie length: 32 bytes at most (S-15), which keeps an HVR below any ClientHello. */
export const COOKIE_LENGTH = 32;

/**
 * Stateless cookies (RFC 6347 §4.2.1, S-12): an HMAC-SHA256 over the client's
 * address, port and the ClientHello's version, random and session_id, keyed
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

  /** The keyed MACs of the last two periods (derived once per period, not per ClientHello). */
  private keys = new Map<number, (data: Uint8Array) => Uint8Array>();

  private secret(index: number): (data: Uint8Array) => Uint8Array {
    let k = this.keys.get(index);
    if (!k) {
      const label = new Uint8Array(8);
      new DataView(label.buffer).setFloat64(0, index);
      k = this.provider.hmacKey('sha256', this.provider.hmac('sha256', this.master, label));
      this.keys.set(index, k);
      for (const old of this.keys.keys()) if (old < index - 1) this.keys.delete(old);
    }
    return k;
  }

  /**
   * The MAC covers the address, port, version, random and session_id: the
   * fields before the cookie, so it can be checked on the first fragment of
   * a ClientHello that a small MTU split. The random binds it to this
   * ClientHello (the client must repeat it, RFC 6347 §4.2.1).
   */
  private mac(secret: (data: Uint8Array) => Uint8Array, address: string, port: number, hello: HelloPrefix): Uint8Array {
    const addr = utf8.encode(address);
    const w = new Writer(6 + addr.length + hello.random.length + hello.sessionId.length);
    w.opaque8(addr).u16(port);
    w.u16(hello.clientVersion).bytes(hello.random).opaque8(hello.sessionId);
    return secret(w.finish()).subarray(0, COOKIE_LENGTH);
  }

  /** A MAC of `data` for this address in this period (DTLS 1.3's HelloRetryRequest cookie carries its own data). */
  macFor(address: string, port: number, data: Uint8Array, now: number, period = Math.floor(now / this.period)): Uint8Array {
    const addr = utf8.encode(address);
    const w = new Writer(4 + addr.length + data.length);
    w.opaque8(addr).u16(port).bytes(data);
    return this.secret(period)(w.finish()).subarray(0, COOKIE_LENGTH);
  }

  /** Is `mac` ours for `data` from this address, in this or the previous period? Constant time. */
  verifyFor(address: string, port: number, data: Uint8Array, mac: Uint8Array, now: number): boolean {
    if (mac.length !== COOKIE_LENGTH) return false;
    const index = Math.floor(now / this.period);
    return constantTimeEqual(mac, this.macFor(address, port, data, now, index))
      || constantTimeEqual(mac, this.macFor(address, port, data, now, index - 1));
  }

  make(address: string, port: number, hello: HelloPrefix, now: number): Uint8Array {
    return this.mac(this.secret(Math.floor(now / this.period)), address, port, hello);
  }

  /** Does the hello carry a cookie we made for this address in this or the previous period? Constant time. */
  verify(address: string, port: number, hello: HelloPrefix, now: number): boolean {
    if (hello.cookie.length !== COOKIE_LENGTH) return false;
    const index = Math.floor(now / this.period);
    // The comparison is constant-time; which period matched is no secret.
    return constantTimeEqual(hello.cookie, this.mac(this.secret(index), address, port, hello))
      || constantTimeEqual(hello.cookie, this.mac(this.secret(index - 1), address, port, hello));
  }
}
