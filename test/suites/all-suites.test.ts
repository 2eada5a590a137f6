/**
 * Every suite of the registry, our client against our server, on the
 * in-memory network, with both crypto providers: ECDSA P-256 for the ECDSA
 * suites, RSA-2048 for the RSA ones, a PSK-only server for the PSK and
 * ECDHE_PSK suites. Data goes both ways.
 */
import { describe, expect, it, onTestFailed } from 'vitest';
import { type CryptoProvider, nobleProvider } from '../../src/crypto/index.js';
import { nativeProvider } from '../crypto/helpers.js';
import { CIPHER_SUITES, type CipherSuite } from '../../src/crypto/suites.js';
import type { CommonOptions, ServerOptions } from '../../src/options.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { CLIENT_ADDR, SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import { PSK_IDENTITY, PSK_KEY, knownPsk } from './psk-helpers.js';
import { machine12 } from '../helpers/v12.js';

type ClientOptions = CommonOptions & { servername?: string; rejectUnauthorized?: boolean; psk?: unknown };

interface Run {
  net: VirtualNetwork;
  server: DtlsServerNode;
  client: DtlsClientNode;
}

function start(serverOptions: ServerOptions, clientOptions: ClientOptions, seed = 1): Run {
  const net = new VirtualNetwork({ seed, log: true });
  const server = new DtlsServerNode(serverOptions);
  const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ...clientOptions } as CommonOptions, SERVER_ADDR, net.now);
  net.attach(SERVER_ADDR, server, { role: 'server', name: 'server' });
  net.attach(CLIENT_ADDR, client, { role: 'client', name: 'client' });
  onTestFailed(() => {
    console.log(`${net}\nclient error: ${client.error?.code} ${client.error?.message}\nserver errors: ${server.errors.map((e) => `${e.code} ${e.message}`).join('; ')}\n${net.formatLog({ last: 60 })}`);
  });
  return { net, server, client };
}

function handshake(r: Run): void {
  r.net.run({ until: () => (r.client.established && r.server.established > 0) || r.client.closed, maxTime: 60_000 });
  expect(r.client.error, 'client error').toBeUndefined();
  expect(r.server.errors, 'server errors').toEqual([]);
  expect(r.client.established).toBe(true);
  expect(r.server.established).toBe(1);
}

/** The server's only association. */
function assoc(r: Run) {
  const all = [...r.server.endpoint.associations()];
  expect(all).toHaveLength(1);
  return all[0]!;
}

/** Client → server (the server node echoes it) and server → client (sent by the server itself). */
function exchange(r: Run, label: string): void {
  const up = new TextEncoder().encode(`client->server ${label}`);
  r.client.send(up, r.net.now);
  r.net.run({ until: () => r.client.received.length >= 1, maxTime: 5_000 });
  const key = `${CLIENT_ADDR.address}:${CLIENT_ADDR.port}`;
  expect(r.server.received.get(key)?.map((m) => Buffer.from(m).toString())).toEqual([`client->server ${label}`]);
  expect(r.client.received.map((m) => Buffer.from(m).toString())).toEqual([`client->server ${label}`]);

  const a = assoc(r);
  const down = new TextEncoder().encode(`server->client ${label} ${'x'.repeat(1000)}`);
  r.server.endpoint.send(a, down, r.net.now);
  r.net.run({ until: () => r.client.received.length >= 2, maxTime: 5_000 });
  expect(Buffer.from(r.client.received[1]!).toString()).toBe(`server->client ${label} ${'x'.repeat(1000)}`);
}

function serverFor(s: CipherSuite, provider: CryptoProvider): ServerOptions {
  const base = { ciphers: s.openssl, crypto: provider };
  if (s.auth === 'PSK') return { ...base, pskCallback: knownPsk };
  return { ...base, ...serverIdentity(s.auth === 'RSA' ? 'rsa2048' : 'ecdsa-p256') };
}

function clientFor(s: CipherSuite, provider: CryptoProvider): ClientOptions {
  const base = { ciphers: s.openssl, crypto: provider };
  if (s.auth === 'PSK') return { ...base, psk: { identity: PSK_IDENTITY, key: PSK_KEY } };
  return { ...base, ca: pki('ca-bundle.pem'), servername: 'localhost' };
}

const PROVIDERS = [nativeProvider, nobleProvider] as const;

describe('every registry suite between our client and our server', () => {
  it('covers the kinds of suite this file assumes (ECDSA, RSA, PSK, ECDHE_PSK; AEAD and CBC)', () => {
    expect(CIPHER_SUITES.length).toBeGreaterThanOrEqual(28);
    for (const s of CIPHER_SUITES) {
      expect(['ECDSA', 'RSA', 'PSK']).toContain(s.auth);
      if (s.auth === 'PSK') expect(['PSK', 'ECDHE_PSK']).toContain(s.kx);
      else expect(s.kx).toBe('ECDHE');
    }
  });

  for (const provider of PROVIDERS) {
    describe(`with the ${provider.name} provider`, () => {
      it.each(CIPHER_SUITES.map((s) => ({ name: s.openssl, suite: s })))(
        'negotiates $name and carries data both ways',
        ({ suite }) => {
          const r = start(serverFor(suite, provider), clientFor(suite, provider));
          handshake(r);
          const neg = machine12(r.client).negotiated!;
          expect(neg.suite.openssl).toBe(suite.openssl);
          expect(neg.suite.id).toBe(suite.id);
          expect(assoc(r).negotiated?.suite.openssl).toBe(suite.openssl);
          expect(neg.extendedMasterSecret).toBe(true);
          // encrypt_then_mac is used exactly for the CBC suites (both ends agree).
          const cbc = suite.protection.kind === 'cbc';
          expect(neg.encryptThenMac).toBe(cbc);
          expect(assoc(r).negotiated?.encryptThenMac).toBe(cbc);
          if (suite.auth === 'PSK') {
            expect(neg.pskIdentity).toBe(PSK_IDENTITY);
            expect(assoc(r).negotiated?.pskIdentity).toBe(PSK_IDENTITY);
            expect(neg.peerCertificates).toEqual([]);
            expect(neg.group).toBe(suite.kx === 'ECDHE_PSK' ? 'x25519' : undefined);
          } else {
            expect(neg.peerCertificates.length).toBeGreaterThan(0);
            expect(neg.pskIdentity).toBeUndefined();
            expect(neg.group).toBe('x25519');
          }
          exchange(r, suite.openssl);
        },
      );
    });
  }
});

describe('a server with both a certificate and a pskCallback', () => {
  const both = (): ServerOptions => ({ ...serverIdentity('ecdsa-p256'), pskCallback: knownPsk });

  it('completes with a certificate-only client (ECDHE-ECDSA) and with a PSK-only client on the same server', () => {
    const net = new VirtualNetwork({ seed: 3 });
    const server = new DtlsServerNode(both());
    net.attach(SERVER_ADDR, server, { role: 'server', name: 'server' });
    const certClient = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost' }, SERVER_ADDR, net.now);
    const pskClient = new DtlsClientNode({ maxVersion: 'DTLSv1.2', psk: { identity: PSK_IDENTITY, key: PSK_KEY } } as CommonOptions, SERVER_ADDR, net.now);
    const pskAddr = { address: '10.0.0.3', port: 50001 };
    net.attach(CLIENT_ADDR, certClient, { role: 'client', name: 'cert-client' });
    net.attach(pskAddr, pskClient, { role: 'client', name: 'psk-client' });
    net.run({ until: () => (certClient.established && pskClient.established) || certClient.closed || pskClient.closed, maxTime: 60_000 });
    expect(certClient.error).toBeUndefined();
    expect(pskClient.error).toBeUndefined();
    expect(server.errors).toEqual([]);
    expect(server.established).toBe(2);

    expect(machine12(certClient).negotiated!.suite.auth).toBe('ECDSA');
    expect(machine12(certClient).negotiated!.pskIdentity).toBeUndefined();
    expect(machine12(pskClient).negotiated!.suite.auth).toBe('PSK');

    const a = server.endpoint.get(pskAddr.address, pskAddr.port)!;
    expect(a.negotiated?.pskIdentity).toBe(PSK_IDENTITY);
    expect(server.endpoint.get(CLIENT_ADDR.address, CLIENT_ADDR.port)!.negotiated?.pskIdentity).toBeUndefined();

    certClient.send(new TextEncoder().encode('cert'), net.now);
    pskClient.send(new TextEncoder().encode('psk'), net.now);
    net.run({ until: () => certClient.received.length > 0 && pskClient.received.length > 0, maxTime: 5_000 });
    expect(Buffer.from(certClient.received[0]!).toString()).toBe('cert');
    expect(Buffer.from(pskClient.received[0]!).toString()).toBe('psk');
  });

  it('prefers a certificate suite for a client that offers both kinds, and a PSK suite when the client offers only PSK', () => {
    const r = start(both(), {
      ca: pki('ca-bundle.pem'), servername: 'localhost', psk: { identity: PSK_IDENTITY, key: PSK_KEY },
      ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:PSK-AES128-GCM-SHA256',
    });
    handshake(r);
    expect(machine12(r.client).negotiated!.suite.openssl).toBe('ECDHE-ECDSA-AES128-GCM-SHA256');

    const p = start(both(), { psk: { identity: PSK_IDENTITY, key: PSK_KEY }, ciphers: 'PSK-AES128-CCM8:ECDHE-PSK-CHACHA20-POLY1305' });
    handshake(p);
    expect(machine12(p.client).negotiated!.suite.auth).toBe('PSK');
    exchange(p, 'psk-on-dual-server');
  });
});

describe('pskIdentityHint and the PSK identity', () => {
  it.each(['PSK-AES128-CCM8', 'ECDHE-PSK-CHACHA20-POLY1305'])(
    'the server hint reaches the client psk callback (%s)',
    (suite) => {
      const hints: (string | undefined)[] = [];
      const r = start(
        { pskCallback: knownPsk, pskIdentityHint: 'puredtls hint: pick a key', ciphers: suite },
        {
          ciphers: suite,
          psk: (hint: string | undefined) => {
            hints.push(hint);
            return { identity: PSK_IDENTITY, key: PSK_KEY };
          },
        },
      );
      handshake(r);
      expect(hints).toEqual(['puredtls hint: pick a key']);
      exchange(r, 'hint');
    },
  );

  it.each(['PSK-AES128-CCM8', 'ECDHE-PSK-CHACHA20-POLY1305'])(
    'without a pskIdentityHint the client psk callback gets undefined (%s)',
    (suite) => {
      const hints: (string | undefined)[] = [];
      const r = start(
        { pskCallback: knownPsk, ciphers: suite },
        { ciphers: suite, psk: (hint: string | undefined) => { hints.push(hint); return { identity: PSK_IDENTITY, key: PSK_KEY }; } },
      );
      handshake(r);
      expect(hints).toEqual([undefined]);
    },
  );

  it('the hint selects the key: a client callback that maps hints to keys completes against the hinted server', () => {
    const keys = new Map([['site-a', Buffer.from('aaaaaaaaaaaaaaaa')], ['site-b', Buffer.from('bbbbbbbbbbbbbbbb')]]);
    const r = start(
      { pskCallback: (id) => (id === 'dev-b' ? keys.get('site-b')! : null), pskIdentityHint: 'site-b', ciphers: 'PSK-AES128-GCM-SHA256' },
      { psk: (hint: string | undefined) => ({ identity: hint === 'site-b' ? 'dev-b' : 'dev-a', key: keys.get(hint ?? 'site-a')! }) },
    );
    handshake(r);
    expect(machine12(r.client).negotiated!.pskIdentity).toBe('dev-b');
    expect(assoc(r).negotiated?.pskIdentity).toBe('dev-b');
  });

  it('the server sees the identity the client sent in pskCallback, and as negotiated.pskIdentity; with its address', () => {
    const calls: { identity: string; info: { address: string; port: number } }[] = [];
    const identity = 'device-42@example.org ü';
    const r = start(
      { pskCallback: (id, info) => { calls.push({ identity: id, info }); return PSK_KEY; }, ciphers: 'PSK-AES128-CCM8' },
      { ciphers: 'PSK-AES128-CCM8', psk: { identity, key: PSK_KEY } },
    );
    handshake(r);
    expect(calls).toEqual([{ identity, info: { address: CLIENT_ADDR.address, port: CLIENT_ADDR.port } }]);
    expect(assoc(r).negotiated?.pskIdentity).toBe(identity);
    expect(machine12(r.client).negotiated?.pskIdentity).toBe(identity);
  });

  it('a binary (Buffer) identity is passed to pskCallback decoded as UTF-8', () => {
    const seen: string[] = [];
    const r = start(
      { pskCallback: (id) => { seen.push(id); return PSK_KEY; }, ciphers: 'PSK-AES128-CCM8' },
      { ciphers: 'PSK-AES128-CCM8', psk: { identity: Buffer.from('bin-id', 'utf8'), key: PSK_KEY } },
    );
    handshake(r);
    expect(seen).toEqual(['bin-id']);
  });
});
