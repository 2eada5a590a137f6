import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { DtlsError } from '../../src/errors.js';
import { DEFAULT_STATE_MAX_AGE, STATE_FORMAT_VERSION, loadAssociations, saveAssociations } from '../../src/persist/index.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { nativeProvider } from '../crypto/helpers.js';
import { SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';

const KEY = new Uint8Array(32).fill(9);

/** A server with `n` established clients (1.2 and 1.3 alternating, CIDs on), saved at t = 1000. */
function savedBlob(provider: CryptoProvider, n = 2) {
  const net = new VirtualNetwork({ seed: 5, now: 1000 });
  const opts = { ...serverIdentity('ecdsa-p256'), crypto: provider, connectionId: 4 };
  const server = new DtlsServerNode(opts);
  net.attach(SERVER_ADDR, server, { role: 'server' });
  const clients: DtlsClientNode[] = [];
  for (let i = 0; i < n; i++) {
    const version = i % 2 === 0 ? 'DTLSv1.2' as const : 'DTLSv1.3' as const;
    const client = new DtlsClientNode({ ca: pki('ca-bundle.pem'), servername: 'localhost', crypto: provider, minVersion: version, maxVersion: version, connectionId: 4 }, SERVER_ADDR, net.now);
    net.attach({ address: `10.0.1.${i + 1}`, port: 6000 }, client, { role: 'client' });
    clients.push(client);
  }
  net.run({ until: () => server.established === n, maxTime: 60_000 });
  const saved = saveAssociations(server.endpoint, KEY, net.now);
  expect(saved.saved).toBe(n);
  return { blob: saved.blob, now: net.now, opts, clients };
}

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DtlsError);
    return (e as DtlsError).code;
  }
  return 'loaded';
}

describe('loading saved associations refuses a bad blob and loads nothing', () => {
  for (const provider of [nativeProvider, nobleProvider]) {
    const label = provider === nobleProvider ? '@noble' : 'node:crypto';

    it(`refuses a blob with any one bit flipped (${label})`, () => {
      const { blob, now, opts } = savedBlob(provider);
      const fresh = new DtlsServerNode(opts);
      // node:crypto: every bit; @noble (slower): every third bit, all of the header.
      const step = provider === nobleProvider ? 3 : 1;
      const codes = new Set<string>();
      for (let bit = 0; bit < blob.length * 8; bit += bit < 8 * 39 ? 1 : step) {
        const bad = Uint8Array.from(blob);
        bad[bit >> 3]! ^= 1 << (bit & 7);
        codes.add(refusal(() => loadAssociations(fresh.endpoint, bad, KEY, now)));
        expect(fresh.endpoint.size).toBe(0);
      }
      // The magic is malformed, the version another version; anything else fails authentication.
      expect([...codes].sort()).toEqual(['ERR_DTLS_STATE_AUTH', 'ERR_DTLS_STATE_MALFORMED', 'ERR_DTLS_STATE_VERSION']);
      expect(fresh.events).toHaveLength(0);
    });

    it(`refuses a truncated blob, at every length (${label})`, () => {
      const { blob, now, opts } = savedBlob(provider);
      const fresh = new DtlsServerNode(opts);
      for (let n = 0; n < blob.length; n++) {
        const code = refusal(() => loadAssociations(fresh.endpoint, blob.subarray(0, n), KEY, now));
        expect(code).toBe(n < 55 ? 'ERR_DTLS_STATE_MALFORMED' : 'ERR_DTLS_STATE_AUTH');
        expect(fresh.endpoint.size).toBe(0);
      }
    });

    it(`refuses a blob sealed with another key (${label})`, () => {
      const { blob, now, opts } = savedBlob(provider);
      const fresh = new DtlsServerNode(opts);
      const other = Uint8Array.from(KEY);
      other[31] ^= 1;
      expect(refusal(() => loadAssociations(fresh.endpoint, blob, other, now))).toBe('ERR_DTLS_STATE_AUTH');
      expect(fresh.endpoint.size).toBe(0);
      // The right key, for contrast.
      expect(loadAssociations(fresh.endpoint, blob, KEY, now)).toHaveLength(2);
    });
  }

  it('refuses an expired blob, and one from the future', () => {
    const { blob, now, opts } = savedBlob(nativeProvider);
    const fresh = new DtlsServerNode(opts);
    expect(refusal(() => loadAssociations(fresh.endpoint, blob, KEY, now + DEFAULT_STATE_MAX_AGE + 1))).toBe('ERR_DTLS_STATE_EXPIRED');
    expect(refusal(() => loadAssociations(fresh.endpoint, blob, KEY, now + 2001, { maxAge: 2000 }))).toBe('ERR_DTLS_STATE_EXPIRED');
    expect(refusal(() => loadAssociations(fresh.endpoint, blob, KEY, now - 120_000))).toBe('ERR_DTLS_STATE_EXPIRED');
    expect(fresh.endpoint.size).toBe(0);
    expect(loadAssociations(fresh.endpoint, blob, KEY, now + 2000, { maxAge: 2000 })).toHaveLength(2);
  });

  it('refuses a blob of another format version by its code', () => {
    const { blob, now, opts } = savedBlob(nativeProvider);
    const bad = Uint8Array.from(blob);
    bad[4] = STATE_FORMAT_VERSION + 1;
    const fresh = new DtlsServerNode(opts);
    expect(() => loadAssociations(fresh.endpoint, bad, KEY, now)).toThrow(/format version 2; this puredtls reads version 1/);
    expect(fresh.endpoint.size).toBe(0);
  });

  it('refuses keys shorter than 32 bytes, to save and to load', () => {
    const { blob, now, opts } = savedBlob(nativeProvider, 1);
    const fresh = new DtlsServerNode(opts);
    expect(() => loadAssociations(fresh.endpoint, blob, new Uint8Array(16), now)).toThrow(RangeError);
    expect(() => saveAssociations(fresh.endpoint, new Uint8Array(31), now)).toThrow(RangeError);
  });

  it('loads none when one association does not fit (its address is in use)', () => {
    const { blob, now, opts } = savedBlob(nativeProvider, 3);
    const fresh = new DtlsServerNode(opts);
    expect(loadAssociations(fresh.endpoint, blob, KEY, now)).toHaveLength(3);
    // Loading the same blob again: every address and CID is taken.
    expect(refusal(() => loadAssociations(fresh.endpoint, blob, KEY, now))).toBe('ERR_DTLS_STATE_CONFLICT');
    expect(fresh.endpoint.size).toBe(3);
    // A server with another CID length cannot route the saved CIDs.
    const other = new DtlsServerNode({ ...opts, connectionId: 8 });
    expect(refusal(() => loadAssociations(other.endpoint, blob, KEY, now))).toBe('ERR_DTLS_STATE_INCOMPATIBLE');
    expect(other.endpoint.size).toBe(0);
    // Nor one whose connection limit it would exceed.
    const small = new DtlsServerNode({ ...opts, maxConnections: 2 });
    expect(refusal(() => loadAssociations(small.endpoint, blob, KEY, now))).toBe('ERR_DTLS_STATE_CONFLICT');
    expect(small.endpoint.size).toBe(0);
  });

  it('does not save a handshake in progress, and leaves it running', () => {
    const net = new VirtualNetwork({ seed: 8 });
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256') });
    net.attach(SERVER_ADDR, server, { role: 'server' });
    const client = new DtlsClientNode({ ca: pki('ca-bundle.pem'), servername: 'localhost', maxVersion: 'DTLSv1.2' }, SERVER_ADDR, net.now);
    net.attach({ address: '10.0.2.1', port: 7000 }, client, { role: 'client' });
    net.run({ until: () => server.endpoint.handshakeCount > 0 });
    const saved = saveAssociations(server.endpoint, KEY, net.now);
    expect(saved).toMatchObject({ saved: 0, skipped: 0 });
    expect(server.endpoint.handshakeCount).toBe(1);
    net.run({ until: () => client.established, maxTime: 60_000 });
    expect(client.established).toBe(true);
    const fresh = new DtlsServerNode({ ...serverIdentity('ecdsa-p256') });
    expect(loadAssociations(fresh.endpoint, saved.blob, KEY, net.now)).toHaveLength(0);
  });
});
