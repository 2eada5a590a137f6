/**
 * The benchmark measures what its tables say: every handshake configuration of
 * bench/lib/config.mjs, driven by the bench's load-generating client
 * (bench/lib/fast-client.mjs) against a ServerEndpoint built from the bench's
 * server options, negotiates the protocol, suite, group and PSK mode its row
 * names — the 1.2 rows stay at 1.2 (their cipher lists name no 1.3 suite), the
 * 1.3 rows get 1.3 — with either server provider. In memory, no timing.
 */
import { describe, expect, it } from 'vitest';
import * as lib from '../../bench/lib/entry.js';
import type { ServerAssociation } from '../../src/endpoint/server-endpoint.js';
// @ts-expect-error: plain JavaScript module of the benchmark, no declarations
import { SUITES, loadPki, serverOptions } from '../../bench/lib/config.mjs';
// @ts-expect-error: plain JavaScript module of the benchmark, no declarations
import { clientFactory } from '../../bench/lib/fast-client.mjs';

interface BenchSuite { label: string; version?: 13; vs12?: string; pskModes?: string[]; serverCurve?: string; clientCurve?: string; identity: string }

const suites = SUITES as Record<string, BenchSuite>;
const pki = loadPki();

/** What each row must negotiate: protocol, suite (IANA name), group, PSK mode. */
const EXPECTED: Record<string, { protocol: string; suite: string; group?: string; pskMode?: string }> = {
  'ecdsa-p256': { protocol: 'DTLSv1.2', suite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', group: 'secp256r1' },
  'ecdsa-x25519': { protocol: 'DTLSv1.2', suite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', group: 'x25519' },
  rsa2048: { protocol: 'DTLSv1.2', suite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', group: 'x25519' },
  psk: { protocol: 'DTLSv1.2', suite: 'TLS_PSK_WITH_AES_128_GCM_SHA256' },
  'ecdsa-p256-v13': { protocol: 'DTLSv1.3', suite: 'TLS_AES_128_GCM_SHA256', group: 'secp256r1' },
  'ecdsa-x25519-v13': { protocol: 'DTLSv1.3', suite: 'TLS_AES_128_GCM_SHA256', group: 'x25519' },
  'rsa2048-v13': { protocol: 'DTLSv1.3', suite: 'TLS_AES_128_GCM_SHA256', group: 'x25519' },
  'psk-v13': { protocol: 'DTLSv1.3', suite: 'TLS_AES_128_GCM_SHA256', pskMode: 'psk_ke' },
  'psk-dhe-v13': { protocol: 'DTLSv1.3', suite: 'TLS_AES_128_GCM_SHA256', group: 'x25519', pskMode: 'psk_dhe_ke' },
};

const FROM = { address: '10.1.2.3', port: 40000 };

function handshake(suite: string, crypto: 'node' | 'noble') {
  const { config } = lib.resolveServerConfig(serverOptions(pki, suite, crypto));
  const ep = new lib.ServerEndpoint(config);
  const conn = clientFactory(lib, pki, suite)(0) as lib.Connection | lib.Connection13;
  let assoc: ServerAssociation | undefined;
  for (let round = 0; round < 10 && !(assoc && conn.isEstablished); round++) {
    for (const d of conn.takeTransmits()) ep.receive(d, FROM.address, FROM.port, 0);
    for (const ev of ep.takeEvents()) if (ev.type === 'secure') assoc = ev.assoc;
    for (const t of ep.takeTransmits()) conn.receive(t.data, 0);
  }
  return { conn, assoc };
}

describe('the benchmark\'s handshake configurations', () => {
  it('has an expectation for every row, and every 1.3 row is compared with a 1.2 row of the same key', () => {
    expect(Object.keys(suites).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const s of Object.values(suites).filter((x) => x.vs12)) {
      expect(suites[s.vs12!]!.version).toBeUndefined();
      expect(suites[s.vs12!]!.identity).toBe(s.identity);
    }
  });

  describe.each(['node', 'noble'] as const)('server provider %s', (crypto) => {
    it.each(Object.keys(EXPECTED))('%s negotiates what its row says', (suite) => {
      const { conn, assoc } = handshake(suite, crypto);
      expect(conn.isEstablished).toBe(true);
      const want = EXPECTED[suite]!;
      expect(assoc?.protocol).toBe(want.protocol);
      const n = assoc!.negotiated!;
      expect(n.suite.iana).toBe(want.suite);
      expect(n.group).toBe(want.group);
      expect((n as { pskMode?: string }).pskMode).toBe(want.pskMode);
      expect(conn instanceof lib.Connection13).toBe(want.protocol === 'DTLSv1.3');
    });
  });
});
