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
import { describe, expect, it } from 'vitest';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { encodeClientSession } from '../../src/handshake/session.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { CLIENT_ADDR, PROVIDERS, SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import { alertsOf } from './helpers/peers.js';

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
  const client = new DtlsClientNode({ ca, servername: 'localhost', crypto: liar === 'client' ? lying : provider, ...(session && { session }) }, SERVER_ADDR, n.now);
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
  const session = encodeClientSession(first.client.machine.session!);
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
