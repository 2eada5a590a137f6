import { describe, expect, it } from 'vitest';
import { MemorySessionStore, type SessionStore, StoredSessions } from '../../src/handshake/session-store.js';
import { encodeClientSession, type Session } from '../../src/handshake/session.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { nativeProvider } from '../crypto/helpers.js';
import { serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import { machine12 } from '../helpers/v12.js';
import { resolveServerConfig } from '../../src/config.js';
import { redisSessionStore } from '../../src/redis.js';

const STORE_KEY = new Uint8Array(32).fill(3);

const session: Session = {
  suiteId: 0xc02b, masterSecret: new Uint8Array(48).fill(1), extendedMasterSecret: true, encryptThenMac: false,
  created: 1000, peerCertificates: [], authorized: true,
};

/** A store that answers later, as a network store does, and counts its calls. */
class AsyncStore implements SessionStore {
  readonly inner: MemorySessionStore;
  calls = { get: 0, set: 0, delete: 0 };
  constructor(clock: () => number) {
    this.inner = new MemorySessionStore(100, clock);
  }
  get(key: string): Promise<Uint8Array | undefined> {
    this.calls.get++;
    return Promise.resolve().then(() => this.inner.get(key));
  }
  set(key: string, value: Uint8Array, ttl: number): Promise<void> {
    this.calls.set++;
    return Promise.resolve().then(() => this.inner.set(key, value, ttl));
  }
  delete(key: string): Promise<void> {
    this.calls.delete++;
    return Promise.resolve().then(() => this.inner.delete(key));
  }
}

describe('the session store interface', () => {
  it('MemorySessionStore: values expire after their TTL, the oldest goes beyond maxSize', () => {
    let t = 0;
    const s = new MemorySessionStore(2, () => t);
    s.set('a', Uint8Array.of(1), 10);
    s.set('b', Uint8Array.of(2), 10);
    expect(s.get('a')).toEqual(Uint8Array.of(1));
    t = 9_999;
    expect(s.get('b')).toEqual(Uint8Array.of(2));
    t = 10_000;
    expect(s.get('b')).toBeUndefined();
    s.set('c', Uint8Array.of(3), 10);
    s.set('d', Uint8Array.of(4), 10);
    s.set('e', Uint8Array.of(5), 10);
    expect([s.get('c'), s.size]).toEqual([undefined, 2]);
    s.delete('d');
    expect(s.get('d')).toBeUndefined();
  });

  it('StoredSessions seals sessions: the store never sees the master secret, and a value moved to another ID or altered does not open', async () => {
    const store = new MemorySessionStore();
    const stored = new StoredSessions(nativeProvider, store, STORE_KEY, 300);
    const id = new Uint8Array(32).fill(7);
    stored.set(id, session);
    const [[key, { value }]] = [...(store as unknown as { map: Map<string, { value: Uint8Array }> }).map];
    expect(key).toBe(`puredtls:s:${'07'.repeat(32)}`);
    expect(Buffer.from(value).includes(Buffer.from(session.masterSecret))).toBe(false);
    expect(await stored.get(id, 1100)).toEqual(session);
    expect(await stored.get(id, 1000 + 301)).toBeUndefined(); // past its lifetime
    // Another ID's entry holding this value: it does not open (the ID is the additional data).
    const other = new Uint8Array(32).fill(8);
    store.set(`puredtls:s:${'08'.repeat(32)}`, value, 300);
    expect(await stored.get(other, 1100)).toBeUndefined();
    const altered = value.slice();
    altered[20] ^= 1;
    store.set(key, altered, 300);
    expect(await stored.get(id, 1100)).toBeUndefined();
    // Another sessionStoreKey does not open it either.
    store.set(key, value, 300);
    expect(await new StoredSessions(nativeProvider, store, new Uint8Array(32).fill(4), 300).get(id, 1100)).toBeUndefined();
    expect(stored.failures).toBe(2);
  });

  it('a store that throws or rejects costs a full handshake, never an exception', async () => {
    const bad: SessionStore = {
      get: () => Promise.reject(new Error('down')),
      set: () => { throw new Error('down'); },
      delete: () => Promise.reject(new Error('down')),
    };
    const stored = new StoredSessions(nativeProvider, bad, STORE_KEY, 300);
    expect(await stored.get(new Uint8Array(32), 0)).toBeUndefined();
    expect(() => stored.set(new Uint8Array(32), session)).not.toThrow();
    stored.delete(new Uint8Array(32));
    await new Promise((r) => setImmediate(r));
    expect(stored.failures).toBe(3);
  });

  it('the options: a store needs its key, and has get, set and delete', () => {
    const base = { ...serverIdentity('ecdsa-p256') };
    expect(() => resolveServerConfig({ ...base, sessionStore: new MemorySessionStore() })).toThrow(/sessionStoreKey/);
    expect(() => resolveServerConfig({ ...base, sessionStoreKey: STORE_KEY })).toThrow(/sessionStore/);
    expect(() => resolveServerConfig({ ...base, sessionStore: {} as SessionStore, sessionStoreKey: STORE_KEY })).toThrow(/get, set and delete/);
    expect(resolveServerConfig({ ...base, sessionStore: new MemorySessionStore(), sessionStoreKey: STORE_KEY }).config.handshake.sessions?.cache).toBeInstanceOf(StoredSessions);
  });

  it('a session ID made by one server resumes on another sharing the store: the handshake waits for the store\'s answer', async () => {
    const net = new VirtualNetwork({ seed: 5 });
    const store = new AsyncStore(() => net.now);
    const opts = { ...serverIdentity('ecdsa-p256'), sessionTickets: false, sessionStore: store, sessionStoreKey: STORE_KEY };
    const a = new DtlsServerNode(opts);
    const b = new DtlsServerNode(opts);
    const A = { address: '10.0.0.1', port: 4433 };
    const B = { address: '10.0.0.9', port: 4433 };
    net.attach(A, a, { role: 'server' });
    net.attach(B, b, { role: 'server' });
    const first = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost' }, A, net.now);
    net.attach({ address: '10.0.0.2', port: 5000 }, first, { role: 'client' });
    net.run({ until: () => first.established, maxTime: 30_000 });
    // The full handshake looked the (empty) session ID up? No: only non-empty IDs are looked up; the new session was stored.
    expect(store.calls).toEqual({ get: 0, set: 1, delete: 0 });
    await Promise.resolve();
    const s = machine12(first).session!;
    expect(s.sessionId.length).toBe(32);

    const second = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost', session: encodeClientSession(s) }, B, net.now);
    net.attach({ address: '10.0.0.2', port: 5001 }, second, { role: 'client' });
    net.run({ until: () => b.waiting || second.established || second.closed, maxTime: net.now + 30_000 });
    expect(b.waiting).toBe(true);
    expect(store.calls.get).toBe(1);
    await b.settle(net.now);
    net.run({ until: () => second.established || second.closed, maxTime: net.now + 30_000 });
    expect(second.established).toBe(true);
    expect(machine12(second).negotiated?.resumed).toBe(true);
    const assoc = [...b.endpoint.associations()][0]!;
    expect(assoc.negotiated?.resumed).toBe(true);
  });

  it('a session ID the store does not know gives a full handshake after the wait', async () => {
    const net = new VirtualNetwork({ seed: 6 });
    const store = new AsyncStore(() => net.now);
    const b = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), sessionTickets: false, sessionStore: store, sessionStoreKey: STORE_KEY });
    const other = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), sessionTickets: false });
    net.attach({ address: '10.0.0.1', port: 4433 }, other, { role: 'server' });
    net.attach({ address: '10.0.0.9', port: 4433 }, b, { role: 'server' });
    const first = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost' }, { address: '10.0.0.1', port: 4433 }, net.now);
    net.attach({ address: '10.0.0.2', port: 5000 }, first, { role: 'client' });
    net.run({ until: () => first.established, maxTime: 30_000 });
    const second = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost', session: encodeClientSession(machine12(first).session!) }, { address: '10.0.0.9', port: 4433 }, net.now);
    net.attach({ address: '10.0.0.2', port: 5001 }, second, { role: 'client' });
    net.run({ until: () => b.waiting, maxTime: net.now + 30_000 });
    await b.settle(net.now);
    net.run({ until: () => second.established || second.closed, maxTime: net.now + 30_000 });
    expect(second.established).toBe(true);
    expect(machine12(second).negotiated?.resumed).toBe(false);
  });

  it('redisSessionStore: base64 values under the prefix with an EX expiry, on the node-redis client calls', async () => {
    const calls: unknown[][] = [];
    const data = new Map<string, string>();
    const client = {
      get: async (k: string) => (calls.push(['get', k]), data.get(k) ?? null),
      set: async (k: string, v: string, o: unknown) => (calls.push(['set', k, v, o]), data.set(k, v), 'OK'),
      del: async (k: string) => (calls.push(['del', k]), Number(data.delete(k))),
    };
    const store = redisSessionStore(client, { prefix: 'app:' });
    await store.set('puredtls:s:ab', Uint8Array.of(0, 1, 254, 255), 299.5);
    expect(calls[0]).toEqual(['set', 'app:puredtls:s:ab', 'AAH+/w==', { expiration: { type: 'EX', value: 300 } }]);
    expect(await store.get('puredtls:s:ab')).toEqual(Uint8Array.of(0, 1, 254, 255));
    expect(await store.get('puredtls:s:cd')).toBeUndefined();
    data.set('app:puredtls:s:ef', '%%% not base64');
    expect(await store.get('puredtls:s:ef')).toBeUndefined();
    await store.delete('puredtls:s:ab');
    expect(data.size).toBe(1);
    expect(() => redisSessionStore({} as never)).toThrow(/node-redis/);
    // Behind StoredSessions, a session goes through it and back.
    const stored = new StoredSessions(nativeProvider, store, STORE_KEY, 300);
    stored.set(new Uint8Array(32).fill(1), session);
    await new Promise((r) => setImmediate(r));
    expect(await stored.get(new Uint8Array(32).fill(1), 1100)).toEqual(session);
  });
});
