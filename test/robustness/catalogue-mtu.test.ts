/**
 * ROBUSTNESS.md §2 FRAG-14 (and S-27): the configured MTU bounds every
 * datagram either side sends, for every cipher suite of the registry and
 * every MTU from 500 to 539; small-MTU handshakes (100, 128, 256) complete.
 *
 * puredtls has no data-MTU API (OpenSSL's DTLS_get_data_mtu): `send()` takes
 * up to 2^14 bytes and the application keeps its messages below
 * `mtu − records.overhead()`. That overhead is checked here: exact for AEAD
 * suites, at most one cipher block pessimistic for CBC (it assumes a full
 * block of padding).
 */
import { describe, expect, it } from 'vitest';
import { CIPHER_SUITES, type CipherSuite } from '../../src/crypto/suites.js';
import { DtlsClientNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { CLIENT_ADDR, SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import { EndpointNode, clientCert, dropsOf, loggedPair, memoChainClient, pskClient, pskServer, serverConfig, withSettings } from './helpers/peers.js';

const CA = pki('ca-bundle.pem');

function serverOptionsFor(s: CipherSuite) {
  if (s.auth === 'PSK') return { ciphers: s.openssl, ...pskServer };
  return { ciphers: s.openssl, ...serverIdentity(s.auth === 'RSA' ? 'rsa2048' : 'ecdsa-p256') };
}
function clientOptionsFor(s: CipherSuite) {
  if (s.auth === 'PSK') return { ciphers: s.openssl, ...pskClient };
  return { ciphers: s.openssl, ca: CA, servername: 'localhost' };
}

describe('FRAG-14 every suite, every MTU from 500 to 539', () => {
  it.each(CIPHER_SUITES.map((s) => ({ name: s.openssl, suite: s })))('FRAG-14 $name: no datagram exceeds the MTU, and a message of mtu − overhead fits it', ({ suite }) => {
    const base = serverConfig(serverOptionsFor(suite));
    const machine = memoChainClient();
    const failures: string[] = [];
    for (let mtu = 500; mtu <= 539; mtu++) {
      const net = new VirtualNetwork({ seed: mtu });
      const server = new EndpointNode(withSettings(base, { mtu }));
      const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ...clientOptionsFor(suite), mtu }, SERVER_ADDR, net.now, machine);
      let largest = 0;
      const sizes: number[] = [];
      const watch = { filter: (d: { data: Uint8Array }) => { largest = Math.max(largest, d.data.length); sizes.push(d.data.length); return 'pass' as const; } };
      net.link(SERVER_ADDR, CLIENT_ADDR, watch);
      net.link(CLIENT_ADDR, SERVER_ADDR, watch);
      net.attach(SERVER_ADDR, server, { role: 'server' });
      net.attach(CLIENT_ADDR, client, { role: 'client' });
      net.run({ until: () => client.established && server.established > 0, maxTime: 10_000 });
      if (!client.established) {
        failures.push(`mtu ${mtu}: no handshake (${client.error?.code})`);
        continue;
      }
      if (largest > mtu) failures.push(`mtu ${mtu}: handshake datagram of ${largest}`);
      // Application data sized to the MTU, both ways (the server echoes).
      const room = mtu - client.conn.records.overhead();
      sizes.length = 0;
      client.send(new Uint8Array(room).fill(0x61), net.now);
      net.run({ until: () => client.received.length > 0, maxTime: 1_000 });
      const [up, down] = sizes;
      const block = suite.protection.kind === 'cbc' ? 15 : 0;
      if (client.received.length !== 1 || up === undefined || down === undefined) failures.push(`mtu ${mtu}: no echo`);
      else if (up > mtu || down > mtu || up < mtu - block || down < mtu - block) failures.push(`mtu ${mtu}: data datagrams ${up}/${down}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('FRAG-14 small-MTU handshakes', () => {
  const configs: [string, Parameters<typeof loggedPair>[0]][] = [
    ['ECDHE-ECDSA', {}],
    ['ECDHE-RSA (2048-bit chain)', { cert: 'rsa2048' }],
    ['PSK', { server: { ...pskServer, key: undefined, cert: undefined }, client: { ...pskClient } }],
    ['ECDHE-ECDSA with client authentication', { server: { requestCert: true, rejectUnauthorized: true, ca: CA }, client: { ...clientCert } }],
  ];
  const cases = [100, 128, 256].flatMap((mtu) => configs.map(([name, o]) => ({ mtu, name, o })));

  it.each(cases)('FRAG-14 $name completes at MTU $mtu on both sides, with no datagram above it', ({ mtu, o }) => {
    let largest = 0;
    const watch = { filter: (d: { data: Uint8Array }) => { largest = Math.max(largest, d.data.length); return 'pass' as const; } };
    const p = loggedPair({ ...o, server: { ...o?.server, mtu }, client: { ...o?.client, mtu }, clientToServer: watch, serverToClient: watch });
    p.net.run({ until: () => p.client.established && p.server.established > 0, maxTime: 20_000 });
    expect(p.client.established, `server drops: ${[...new Set(dropsOf(p.server.events))].join(', ')}`).toBe(true);
    expect(largest).toBeLessThanOrEqual(mtu);
  });

  it.each([100, 128])('FRAG-14 a server at MTU %i fragments its flights to fit and completes with a default-MTU client', (mtu) => {
    let largest = 0;
    const p = loggedPair({ cert: 'rsa2048', server: { mtu }, serverToClient: { filter: (d) => { largest = Math.max(largest, d.data.length); return 'pass'; } } });
    p.net.run({ until: () => p.client.established && p.server.established > 0, maxTime: 20_000 });
    expect(p.client.established).toBe(true);
    expect(largest).toBeLessThanOrEqual(mtu);
  });

  it.each([100, 128])('FRAG-14 a client at MTU %i (its ClientHello fragmented) completes with a default-MTU server', (mtu) => {
    const p = loggedPair({ client: { mtu } });
    p.net.run({ until: () => p.client.established && p.server.established > 0, maxTime: 20_000 });
    expect(p.server.events.filter((e) => e.type === 'drop').map((e) => e.type === 'drop' && e.reason)).not.toContain('malformed ClientHello');
    expect(p.client.established).toBe(true);
  });
});
