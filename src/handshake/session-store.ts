/**
 * Where a server keeps its DTLS 1.2 sessions for session-ID resumption (RFC
 * 5246 §7.3). By default an in-process cache ({@link SessionCache}); with a
 * {@link SessionStore} (Redis, through `puredtls/redis`, or one of your own)
 * every server sharing the store resumes every other's sessions.
 *
 * A store sees only sealed bytes: each session is encrypted and
 * authenticated (AES-256-GCM, the session ID as additional data) under a key
 * derived from the `sessionStoreKey` every server shares, so the store holds
 * no master secret in the clear and cannot swap one session for another.
 *
 * @module
 */
import { toHex } from '../codec/bytes.js';
import type { Aead, CryptoProvider } from '../crypto/provider.js';
import { isPromise } from './common.js';
import { type Session, decodeSession, encodeSession } from './session.js';

/**
 * A shared store of sessions: a key-value store with expiry. Each method may
 * return a Promise (the handshake waits for `get`); `set` and `delete` are
 * not waited for, and their failures are ignored (a lost session costs a
 * full handshake, nothing more). Keys are short ASCII strings; values are
 * sealed bytes.
 *
 * @example A store of your own (here over any async key-value client)
 * ```ts
 * import { createServer, type SessionStore } from 'puredtls';
 *
 * declare const kv: { get(k: string): Promise<Uint8Array | undefined>; put(k: string, v: Uint8Array, ttlSeconds: number): Promise<void>; remove(k: string): Promise<void> };
 * declare const key: Buffer, cert: Buffer, storeKey: Buffer; // storeKey: 32+ bytes, the same on every server
 * const sessionStore: SessionStore = {
 *   get: (k) => kv.get(k),
 *   set: (k, v, ttl) => kv.put(k, v, ttl),
 *   delete: (k) => kv.remove(k),
 * };
 * createServer({ key, cert, sessionStore, sessionStoreKey: storeKey });
 * ```
 */
export interface SessionStore {
  /** The value stored under `key`, or undefined/null when there is none (or it expired). */
  get(key: string): Uint8Array | undefined | null | Promise<Uint8Array | undefined | null>;
  /** Store `value` under `key` for `ttlSeconds`. */
  set(key: string, value: Uint8Array, ttlSeconds: number): void | Promise<unknown>;
  /** Remove `key`. */
  delete(key: string): void | Promise<unknown>;
}

/**
 * An in-process {@link SessionStore}: bounded (the oldest entry goes first),
 * entries expire after their TTL. What a server uses when given none is the
 * same cache, without the sealing.
 *
 * @example Two servers in one process sharing their session IDs
 * ```ts
 * import { randomBytes } from 'node:crypto';
 * import { MemorySessionStore, createServer } from 'puredtls';
 *
 * declare const key: Buffer, cert: Buffer;
 * const shared = { sessionStore: new MemorySessionStore(10_000), sessionStoreKey: randomBytes(32), sessionTickets: false };
 * createServer({ key, cert, ...shared }).bind(4433);
 * createServer({ key, cert, ...shared }).bind(4434);
 * ```
 */
export class MemorySessionStore implements SessionStore {
  private readonly map = new Map<string, { value: Uint8Array; expires: number }>();
  constructor(readonly maxSize = 1024, private readonly clock: () => number = Date.now) {}

  get size(): number {
    return this.map.size;
  }
  get(key: string): Uint8Array | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (this.clock() >= e.expires) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: string, value: Uint8Array, ttlSeconds: number): void {
    if (this.maxSize <= 0) return;
    this.map.delete(key);
    this.map.set(key, { value: Uint8Array.from(value), expires: this.clock() + ttlSeconds * 1000 });
    while (this.map.size > this.maxSize) this.map.delete(this.map.keys().next().value!);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
}

/** What the server handshake asks of its session-ID cache (in-process or a store). */
export interface SessionLookup {
  get(id: Uint8Array, nowSeconds: number): Session | undefined | Promise<Session | undefined>;
  set(id: Uint8Array, s: Session): void;
  delete(id: Uint8Array): void;
}

/** Minimum length of `sessionStoreKey`. */
export const MIN_SESSION_STORE_KEY_LENGTH = 32;
const NONCE_LENGTH = 12;
const KEY_PREFIX = 'puredtls:s:';
const LABEL = new TextEncoder().encode('puredtls session store v1');

/** A {@link SessionStore} as the handshake's session-ID cache: sessions sealed, lifetimes checked. */
export class StoredSessions implements SessionLookup {
  private readonly aead: Aead;
  /** Store calls that failed (thrown or rejected), and values that did not open. */
  failures = 0;

  constructor(private readonly provider: CryptoProvider, private readonly store: SessionStore, key: Uint8Array, readonly lifetimeSeconds: number) {
    this.aead = provider.createAead('aes-256-gcm', provider.hmac('sha256', key, LABEL));
  }

  get(id: Uint8Array, nowSeconds: number): Session | undefined | Promise<Session | undefined> {
    if (id.length === 0) return undefined;
    let v;
    try {
      v = this.store.get(KEY_PREFIX + toHex(id));
    } catch {
      this.failures++;
      return undefined;
    }
    if (isPromise(v)) return Promise.resolve(v).then((b) => this.open(id, b, nowSeconds), () => void this.failures++);
    return this.open(id, v, nowSeconds);
  }

  set(id: Uint8Array, s: Session): void {
    if (id.length === 0) return;
    const nonce = this.provider.randomBytes(NONCE_LENGTH);
    const body = this.aead.seal(nonce, id, encodeSession(s));
    const value = new Uint8Array(NONCE_LENGTH + body.length);
    value.set(nonce, 0);
    value.set(body, NONCE_LENGTH);
    this.call(() => this.store.set(KEY_PREFIX + toHex(id), value, this.lifetimeSeconds));
  }

  delete(id: Uint8Array): void {
    this.call(() => this.store.delete(KEY_PREFIX + toHex(id)));
  }

  private open(id: Uint8Array, v: Uint8Array | undefined | null, nowSeconds: number): Session | undefined {
    if (v === undefined || v === null) return undefined;
    try {
      if (!(v instanceof Uint8Array) || v.length <= NONCE_LENGTH) throw new Error('not a sealed session');
      const plain = this.aead.open(v.subarray(0, NONCE_LENGTH), id, v.subarray(NONCE_LENGTH));
      if (plain === null || plain === undefined) throw new Error('does not open');
      const s = decodeSession(plain);
      return nowSeconds - s.created > this.lifetimeSeconds ? undefined : s;
    } catch {
      this.failures++;
      return undefined;
    }
  }

  /** A store call not waited for: failures counted, never thrown. */
  private call(f: () => void | Promise<unknown>): void {
    try {
      const r = f();
      if (isPromise(r)) Promise.resolve(r).catch(() => void this.failures++);
    } catch {
      this.failures++;
    }
  }
}
