/**
 * `puredtls/redis`: a {@link SessionStore} on Redis, so that every server of
 * a cluster resumes the session IDs any of them made (docs/scaling.md, "A
 * cluster"). It drives a client of node-redis (the `redis` package, v5 or
 * later) that you create, connect and close; this module imports nothing
 * from it, so servers without Redis pay nothing for it.
 *
 * Values are the sealed sessions (see the `sessionStoreKey` option),
 * base64-encoded, under `<prefix><session ID in hex>`, with Redis's own
 * expiry (`SET … EX`).
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { createClient } from 'redis';
 * import { createServer } from 'puredtls';
 * import { redisSessionStore } from 'puredtls/redis';
 *
 * const redis = await createClient({ url: 'redis://10.0.0.5:6379' }).connect();
 * const server = createServer({
 *   key: readFileSync('server.key'), cert: readFileSync('server.crt'),
 *   sessionStore: redisSessionStore(redis),
 *   sessionStoreKey: readFileSync('session-store.key'), // the same 32+ bytes on every server
 * });
 * ```
 *
 * @module puredtls/redis
 */
import type { SessionStore } from './handshake/session-store.js';

export type { SessionStore } from './handshake/session-store.js';

/** What the store needs of a node-redis client (`createClient()`, connected). */
export interface RedisClientLike {
  get(key: string): Promise<string | null | unknown>;
  set(key: string, value: string, options: { expiration: { type: 'EX'; value: number } }): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

/** Options of {@link redisSessionStore}. */
export interface RedisSessionStoreOptions {
  /** Prefix of the keys, before the store's own (`puredtls:s:<id>`). Default ''. */
  prefix?: string;
}

/** A {@link SessionStore} on a connected node-redis client. */
export function redisSessionStore(client: RedisClientLike, options: RedisSessionStoreOptions = {}): SessionStore {
  if (typeof client !== 'object' || client === null || typeof client.get !== 'function' || typeof client.set !== 'function' || typeof client.del !== 'function') {
    throw new TypeError('redisSessionStore needs a node-redis client (get, set, del)');
  }
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string') throw new TypeError('The "prefix" option must be a string');
  return {
    async get(key) {
      const v = await client.get(prefix + key);
      return typeof v === 'string' ? base64ToBytes(v) : undefined;
    },
    async set(key, value, ttlSeconds) {
      await client.set(prefix + key, bytesToBase64(value), { expiration: { type: 'EX', value: Math.max(1, Math.ceil(ttlSeconds)) } });
    },
    async delete(key) {
      await client.del(prefix + key);
    },
  };
}

function bytesToBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return btoa(s);
}

function base64ToBytes(s: string): Uint8Array | undefined {
  try {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}
