/**
 * The Finished checks (RFC 5246 §7.4.9), each role on its own: a peer whose
 * verify_data is wrong in exactly one byte is refused, for every byte
 * position, in both directions, in the full and the abbreviated handshake,
 * with both crypto providers.
 *
 * The wrong verify_data comes from the sender's crypto provider (the public
 * `crypto` option): its HMAC is wrapped so that the PRF block for one
 * Finished label comes out with one byte flipped. Nothing else changes, so
 * the Finished is well-formed and correctly encrypted, and only the
 * receiver's comparison of verify_data can catch it. Nothing here reaches
 * into the connection or the handshake machines.
 */
import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { Reader } from '../../src/codec/reader.js';
import { checkFinished } from '../../src/handshake/common.js';
import { encodeClientSession } from '../../src/handshake/session.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { CLIENT_ADDR, PROVIDERS, SERVER_ADDR, pair, runHandshake, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import { machine12 } from '../helpers/v12.js';
import { alertsOf, assocOf, echoes, pskClient, pskServer, serverConfig } from './helpers/peers.js';
import { CT, HT, concat, fragment, fragmentsOf, record, recordsOf } from './helpers/wire.js';

type Label = 'client finished' | 'server finished';
const DECRYPT_ERROR = 51;
const VERIFY_DATA_LENGTH = 12;

interface Corruption {
  /** Flip a bit of this byte of the verify_data (undefined: honest). */
  byte: number | undefined;
  /** verify_data values corrupted so far. */
  hits: number;
}

/**
 * `base`, except that the PRF output block for `label` (HMAC(secret, A(1) ‖
 * label ‖ seed), RFC 5246 §5) has byte `c.byte` flipped while `c.byte` is
 * set. verify_data is the first 12 bytes of that block.
 */
function corruptingFinished(base: CryptoProvider, label: Label, c: Corruption): CryptoProvider {
  const tag = new TextEncoder().encode(label);
  const labelAt = (data: Uint8Array, at: number) => data.length >= at + tag.length && tag.every((b, i) => data[at + i] === b);
  return {
    ...base,
    name: base.name,
    hmacKey: (alg, key) => {
      const mac = base.hmacKey(alg, key);
      return (data) => {
        const out = mac(data);
        if (c.byte === undefined || !labelAt(data, out.length)) return out;
        const flipped = Uint8Array.from(out);
        flipped[c.byte]! ^= 0x01 << (c.byte % 8);
        c.hits++;
        return flipped;
      };
    },
  };
}

const ca = pki('ca-bundle.pem');

/** A server and a client on a fresh network; `liar` says whose provider lies about its Finished. */
function handshake(provider: CryptoProvider, liar: 'client' | 'server', c: Corruption, session?: Uint8Array, server?: DtlsServerNode, net?: VirtualNetwork) {
  const label: Label = liar === 'client' ? 'client finished' : 'server finished';
  const lying = corruptingFinished(provider, label, c);
  const n = net ?? new VirtualNetwork({ seed: 5 });
  const srv = server ?? new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), crypto: liar === 'server' ? lying : provider });
  if (!server) n.attach(SERVER_ADDR, srv, { role: 'server' });
  const port = CLIENT_ADDR.port + srv.events.filter((e) => e.type === 'connection').length + 1;
  const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca, servername: 'localhost', crypto: liar === 'client' ? lying : provider, ...(session && { session }) }, SERVER_ADDR, n.now);
  n.attach({ address: CLIENT_ADDR.address, port }, client, { role: 'client' });
  n.run({ until: () => client.closed || (client.established && srv.established > (server ? 1 : 0)), maxTime: 10_000 });
  return { net: n, server: srv, client };
}

/** A full handshake with an honest peer on `liar`'s side first, whose session the abbreviated handshake resumes. */
function resumed(provider: CryptoProvider, liar: 'client' | 'server', c: Corruption) {
  const byte = c.byte;
  c.byte = undefined;
  const first = handshake(provider, liar, c);
  expect(first.client.established, 'the full handshake that makes the session').toBe(true);
  const session = encodeClientSession(machine12(first.client).session!);
  c.byte = byte;
  const second = handshake(provider, liar, c, session, first.server, first.net);
  expect(second.client.machine.negotiated?.resumed, 'the handshake was abbreviated').toBe(true);
  return second;
}

const BYTES = Array.from({ length: VERIFY_DATA_LENGTH }, (_, i) => i);

describe.each(PROVIDERS)('Finished with one wrong byte of verify_data ($name)', (provider) => {
  describe.each(['full', 'abbreviated'] as const)('%s handshake', (kind) => {
    const run = (liar: 'client' | 'server', c: Corruption) => (kind === 'full' ? handshake(provider, liar, c) : resumed(provider, liar, c));

    it('the rig: the same handshake with an honest provider completes, and the lie is armed only when asked', () => {
      for (const liar of ['client', 'server'] as const) {
        const c: Corruption = { byte: undefined, hits: 0 };
        const r = run(liar, c);
        expect(r.client.established).toBe(true);
        expect(r.server.errors).toEqual([]);
        expect(c.hits).toBe(0);
      }
    });

    it.each(BYTES)('the server refuses a client Finished wrong in byte %i: decrypt_error, no secure connection', (byte) => {
      const c: Corruption = { byte, hits: 0 };
      const r = run('client', c);
      expect(c.hits).toBeGreaterThan(0);
      expect(r.server.errors.map((e) => e.code)).toEqual(['ERR_DTLS_BAD_FINISHED']);
      expect(r.server.established).toBe(kind === 'full' ? 0 : 1); // the abbreviated run's first (honest) handshake
      expect(r.client.established).toBe(false);
      expect(r.client.error?.code).toBe('ERR_DTLS_ALERT_RECEIVED');
      expect(alertsOf(r.client.events, 'received')).toEqual([{ level: 2, description: DECRYPT_ERROR }]);
    });

    it.each(BYTES)('the client refuses a server Finished wrong in byte %i: decrypt_error, no secure connection', (byte) => {
      const c: Corruption = { byte, hits: 0 };
      const r = run('server', c);
      expect(c.hits).toBeGreaterThan(0);
      expect(r.client.established).toBe(false);
      expect(r.client.error?.code).toBe('ERR_DTLS_BAD_FINISHED');
      expect(r.client.events.some((e) => e.type === 'secure')).toBe(false);
      expect(alertsOf(r.client.events, 'sent')).toEqual([{ level: 2, description: DECRYPT_ERROR }]);
    });
  });
});

/**
 * `base`, noting each master secret a Finished was computed or checked with:
 * the `key` of the PRF's HMAC whose data starts with a Finished label (its
 * A(1) = HMAC(master, label ‖ hash)). The very arrays, not copies.
 */
function notingFinishedKeys(base: CryptoProvider): { provider: CryptoProvider; keys: Uint8Array[] } {
  const labels = ['client finished', 'server finished'].map((l) => new TextEncoder().encode(l));
  const keys: Uint8Array[] = [];
  const provider: CryptoProvider = {
    ...base,
    name: base.name,
    hmacKey: (alg, key) => {
      const mac = base.hmacKey(alg, key);
      return (data) => {
        if (labels.some((l) => data.length >= l.length && l.every((b, i) => data[i] === b)) && !keys.includes(key)) keys.push(key);
        return mac(data);
      };
    },
  };
  return { provider, keys };
}

describe.each(PROVIDERS)('after the Finished ($name)', (provider) => {
  it('both sides are done and have wiped the master secret their Finished used (full and abbreviated handshakes)', () => {
    const s = notingFinishedKeys(provider);
    const c = notingFinishedKeys(provider);
    const net = new VirtualNetwork({ seed: 7 });
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), crypto: s.provider });
    net.attach(SERVER_ADDR, server, { role: 'server' });
    let session: Uint8Array | undefined;
    for (const port of [50_001, 50_002]) {
      const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca, servername: 'localhost', crypto: c.provider, ...(session && { session }) }, SERVER_ADDR, net.now);
      net.attach({ address: CLIENT_ADDR.address, port }, client, { role: 'client' });
      net.run({ until: () => client.established && server.established === (session ? 2 : 1), maxTime: 10_000 });
      expect(client.established).toBe(true);
      expect(client.machine.negotiated?.resumed).toBe(session !== undefined);
      expect(client.conn.handshakeState).toBe('done');
      expect(server.endpoint.get(CLIENT_ADDR.address, port)?.conn.handshakeState).toBe('done');
      session ??= encodeClientSession(machine12(client).session!);
    }
    for (const [who, keys] of [['server', s.keys], ['client', c.keys]] as const) {
      expect(keys.length, `${who}: master secrets seen`).toBe(2);
      for (const k of keys) expect(k.every((b) => b === 0), `${who}: a master secret left in memory`).toBe(true);
    }
  });

  it('the client is authorized by its PSK, by a trusted chain, by a trusted raw key; not by an untrusted chain it was told to accept', () => {
    const psk = pair({ provider, server: { ...pskServer, ciphers: 'PSK-AES128-GCM-SHA256' }, client: { ...pskClient, ciphers: 'PSK-AES128-GCM-SHA256' } });
    expect(runHandshake(psk)).toBe(true);
    expect(psk.client.machine.negotiated?.authorized).toBe(true);

    const trusted = pair({ provider });
    expect(runHandshake(trusted)).toBe(true);
    expect(trusted.client.machine.negotiated?.authorized).toBe(true);

    const untrusted = pair({ provider, client: { servername: 'wrong.example', rejectUnauthorized: false } });
    expect(runHandshake(untrusted)).toBe(true);
    expect(untrusted.client.machine.negotiated?.authorized).toBe(false);

    const spki = createPublicKey(pki('server-ecdsa-p256.key.pem')).export({ type: 'spki', format: 'der' });
    for (const trust of [true, false]) {
      const rpk = pair({
        provider, server: { key: pki('server-ecdsa-p256.key.pem'), cert: undefined, rawPublicKey: true },
        client: { rawPublicKey: true, verifyRawPublicKey: (k: Buffer) => trust && k.equals(spki), rejectUnauthorized: false } as never,
      });
      runHandshake(rpk, 10_000);
      expect(rpk.client.machine.negotiated?.authorized ?? false, `raw key trusted: ${trust}`).toBe(trust);
    }
  });

  it('a server without a session cache (sessionCacheSize 0) completes, with or without tickets', () => {
    for (const sessionTickets of [true, false]) {
      const p = pair({ provider, server: { sessionCacheSize: 0, sessionTickets } });
      expect(runHandshake(p), `sessionTickets ${sessionTickets}`).toBe(true);
      expect(assocOf(p).conn.handshakeState).toBe('done');
    }
  });
});

/**
 * Flight 6 (or 5) with its encrypted Finished replaced by the same message in
 * a plaintext epoch-0 record (with verify_data zero: the epoch decides first),
 * the ChangeCipherSpec kept or dropped.
 */
function plaintextFinished(keepCcs: boolean) {
  return (d: { data: Uint8Array }) => {
    const recs = recordsOf(d.data);
    const fin = recs.find((r) => r.type === CT.handshake && r.epoch === 1);
    if (!fin) return 'pass' as const;
    const plain = recs.filter((r) => r.type === CT.handshake && r.epoch === 0);
    const messageSeq = Math.max(...plain.flatMap((r) => fragmentsOf(r).map((f) => f.messageSeq))) + 1;
    const seq = Math.max(...recs.filter((r) => r.epoch === 0).map((r) => r.seq)) + 1;
    const kept = recs.filter((r) => r !== fin && (keepCcs || r.type !== CT.ccs)).map((r) => r.raw);
    return { replace: [concat([...kept, record(CT.handshake, 0, seq, fragment(HT.finished, messageSeq, new Uint8Array(12)))])] };
  };
}

describe('a Finished in a plaintext epoch-0 record', () => {
  // The Finished checks also refuse epoch 0 (ERR_DTLS_FINISHED_EPOCH); the connection refuses it before they run.
  it('checkFinished refuses a Finished from epoch 0 by itself, before looking at it (defence in depth under the connection\'s check)', () => {
    const body = new Uint8Array(12);
    for (const sender of ['client', 'server'] as const) {
      expect(() => checkFinished(undefined as never, undefined as never, new Uint8Array(48), sender, { msgType: HT.finished, messageSeq: 3, body, epoch: 0 }, new Reader(body)))
        .toThrow(expect.objectContaining({ code: 'ERR_DTLS_FINISHED_EPOCH', alert: 'unexpected_message' }));
    }
  });

  it.each([[true, 'ERR_DTLS_EPOCH_MISMATCH'], [false, 'ERR_DTLS_UNEXPECTED_MESSAGE']] as const)(
    'ends the client\'s handshake (the ChangeCipherSpec kept: %s): %s',
    (keepCcs, code) => {
      const p = pair({ serverToClient: { filter: (d) => (d.flight === 6 ? plaintextFinished(keepCcs)(d) : 'pass') } });
      p.net.run({ until: () => p.client.closed || p.client.established, maxTime: 10_000 });
      expect(p.client.established).toBe(false);
      expect(p.client.error?.code).toBe(code);
    });

  it.each([[true, 'ERR_DTLS_EPOCH_MISMATCH'], [false, 'ERR_DTLS_UNEXPECTED_MESSAGE']] as const)(
    'ends the server\'s handshake (the ChangeCipherSpec kept: %s): %s',
    (keepCcs, code) => {
      const p = pair({ clientToServer: { filter: (d) => (d.flight === 5 ? plaintextFinished(keepCcs)(d) : 'pass') } });
      p.net.run({ until: () => p.server.errors.length > 0 || p.server.established > 0, maxTime: 10_000 });
      expect(p.server.established).toBe(0);
      expect(p.server.errors.map((e) => e.code)).toEqual([code]);
    });
});

describe.each(PROVIDERS)('the flights that end the handshake ($name)', (provider) => {
  it('the client resends flight 5 by its own timer: its first copy lost and every resent flight 4 lost too, the handshake completes', () => {
    let flight5Sent = 0;
    const p = pair({
      provider,
      clientToServer: { filter: (d) => {
        if (d.flight === 5) flight5Sent++;
        return d.flight === 5 && d.flightTransmission === 0 ? 'drop' : 'pass';
      } },
      serverToClient: { filter: (d) => (d.flight === 4 && d.flightTransmission !== 0 ? 'drop' : 'pass') },
    });
    expect(runHandshake(p, 10_000)).toBe(true);
    expect(flight5Sent).toBeGreaterThan(1);
  });

  it('after a full handshake the server\'s flight 6 is not resent: neither side sends anything for 10 idle seconds', () => {
    let sent = 0;
    let counting = false;
    const count = (): 'pass' => {
      if (counting) sent++;
      return 'pass';
    };
    const p = pair({ provider, clientToServer: { filter: count }, serverToClient: { filter: count } });
    expect(runHandshake(p)).toBe(true);
    counting = true;
    p.net.run({ maxTime: 10_000 });
    expect(sent).toBe(0);
    expect(echoes(p, 'still here')).toBe(true);
  });

  it('the server keeps flight 6 after it completed: its first copy lost, the client\'s resent flight 5 gets it again', () => {
    let flight6Sent = 0;
    const p = pair({
      provider,
      serverToClient: { filter: (d) => {
        if (d.flight === 6) flight6Sent++;
        return d.flight === 6 && d.flightTransmission === 0 ? 'drop' : 'pass';
      } },
    });
    p.net.run({ until: () => p.server.established > 0, maxTime: 10_000 });
    expect(p.server.established).toBe(1);
    expect(p.client.established).toBe(false);
    expect(assocOf(p).conn.handshakeState).toBe('done');
    expect(runHandshake(p, 10_000)).toBe(true);
    expect(flight6Sent).toBeGreaterThan(1);
  });

  it('a server configured with no sessions at all (no cache, no tickets) completes full handshakes', () => {
    const cfg = serverConfig({ ...serverIdentity('ecdsa-p256'), crypto: provider });
    const server = new DtlsServerNode({ ...cfg, handshake: { ...cfg.handshake, sessions: undefined } });
    const net = new VirtualNetwork({ seed: 5 });
    const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost', crypto: provider }, SERVER_ADDR, net.now);
    net.attach(SERVER_ADDR, server, { role: 'server' });
    net.attach(CLIENT_ADDR, client, { role: 'client' });
    net.run({ until: () => client.established && server.established > 0, maxTime: 10_000 });
    expect(client.established).toBe(true);
    expect(server.errors).toEqual([]);
  });

  it('a handshake that fails before anything was agreed (no shared cipher suite) ends cleanly on both sides, with its error', () => {
    const p = pair({ provider, server: { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }, client: { ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' } });
    p.net.run({ until: () => p.client.closed, maxTime: 10_000 });
    expect(p.client.closed).toBe(true);
    expect(p.client.error?.code).toBe('ERR_DTLS_ALERT_RECEIVED');
    expect(alertsOf(p.client.events, 'received')).toEqual([{ level: 2, description: 40 }]);
    expect(p.server.errors.map((e) => e.code)).toEqual(['ERR_DTLS_NO_SHARED_CIPHER']);
    expect(p.server.endpoint.size).toBe(0);
  });
});
