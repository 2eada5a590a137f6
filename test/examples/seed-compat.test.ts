/**
 * Code written for openssl-dtls runs unchanged (/work/shared/openssl-dtls-api.md
 * is that module's README): its program, its falsy and null options with the
 * meaning it gave them, and the events it emitted on an established
 * connection's fatal alert.
 */
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../../src/config.js';
import { connectAsync, createServer, DtlsError, type Peer } from '../../src/index.js';
import type { Aead, CryptoProvider } from '../../src/crypto/provider.js';
import { nativeProvider } from '../crypto/helpers.js';
import { PeerProcess } from '../interop/peers.js';
import { pki, pkiPath } from '../helpers/pki.js';

const SEED_SERVER = fileURLToPath(new URL('../fixtures/seed/echo-server.cjs', import.meta.url));
const identity = { key: pki('server-ecdsa-p256.key.pem'), cert: pki('server-ecdsa-p256.crt.pem') };

describe('openssl-dtls options, as it read them', () => {
  it.each([
    ['mtu: 0', { mtu: 0 }], ['mtu: null', { mtu: null }], ['handshakeTimeout: 0', { handshakeTimeout: 0 }],
    ['connectionTimeout: 0', { connectionTimeout: 0 }], ['ciphers: \'\'', { ciphers: '' }], ['ciphers: null', { ciphers: null }],
    ['ca: null', { ca: null }], ['socket: null', { socket: null }], ['requestCert: null', { requestCert: null }],
    ['crypto: null', { crypto: null }], ['every one at once', { mtu: 0, handshakeTimeout: 0, connectionTimeout: 0, ciphers: '', ca: null, socket: null }],
  ])('%s means the default', (_, extra) => {
    const { config } = resolveServerConfig({ ...identity, ...(extra as object) });
    expect(config.settings.mtu).toBe(1452);
    expect(config.settings.handshakeTimeout).toBe(30_000);
    expect(config.settings.connectionTimeout).toBe(600_000);
    expect(config.handshake.requestCert).toBe(false);
    expect(config.handshake.suites.length).toBe(resolveServerConfig(identity).config.handshake.suites.length);
    const s = createServer({ ...identity, ...(extra as object) });
    expect((s.socket as unknown as { type: string }).type).toBe('udp6');
    s.close();
  });

  it.each([[1, true], ['yes', true], [{}, true], [0, false], ['', false]])('requestCert and rejectUnauthorized: %j is %s', (v, want) => {
    const { config } = resolveServerConfig({ ...identity, requestCert: v, rejectUnauthorized: v } as never);
    expect([config.handshake.requestCert, config.handshake.rejectUnauthorized]).toEqual([want, want]);
  });

  it.each([
    ['mtu', 'abc', TypeError], ['mtu', 20, RangeError], ['handshakeTimeout', -5, RangeError], ['connectionTimeout', '10s', TypeError],
    ['ciphers', 'NOPE-NOTHING', RangeError],
  ])('%s: %j, which openssl-dtls could not have meant either, throws naming it', (name, v, type) => {
    expect(() => createServer({ ...identity, [name]: v } as never)).toThrow(type);
    expect(() => createServer({ ...identity, [name]: v } as never)).toThrow(new RegExp(`\\b${name}\\b`));
  });

  it('the client takes null and falsy mtu/handshakeTimeout and \'\' ciphers the same way', async () => {
    const s = createServer({ ...identity, socket: createSocket('udp4') });
    s.on('secureConnection', (peer) => peer.on('message', (m) => peer.send(m)));
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    const c = await connectAsync({ host: '127.0.0.1', port: s.address().port, ca: pki('ca-bundle.pem'), servername: 'localhost', mtu: 0, handshakeTimeout: 0, ciphers: '', socket: null, session: null } as never);
    const reply = new Promise<string>((r) => c.once('message', (m) => r(String(m))));
    c.send('falsy');
    expect(await reply).toBe('falsy');
    c.end();
    await new Promise<void>((r) => s.close(r));
  });
});

describe('an openssl-dtls program, unchanged but for its require()', () => {
  it.each([
    ['as written', {}, 0],
    ['with falsy and null options', { mtu: 0, handshakeTimeout: 0, connectionTimeout: 0, ciphers: '', ca: null, socket: null }, 0],
    ['asking for client certificates (requestCert: 1)', { requestCert: 1, ca: null }, 0],
  ])('%s: connection, secureConnection, echo, end, close', async (_, extra, chainLength) => {
    const p = new PeerProcess(process.execPath, [SEED_SERVER, pkiPath('server-ecdsa-p256.key.pem'), pkiPath('server-ecdsa-p256.crt.pem'), '0', JSON.stringify(extra)], 60_000);
    try {
      const m = await p.waitFor('stdout', /listening on udp:\/\/\[::\]:(\d+)/, 30_000);
      const c = await connectAsync({ host: '127.0.0.1', port: Number(m[1]), ca: pki('ca-bundle.pem'), servername: 'localhost' });
      const reply = new Promise<string>((r) => c.once('message', (msg) => r(String(msg))));
      c.send('hello seed');
      expect(await reply).toBe('hello seed');
      const closed = new Promise<void>((r) => c.once('close', () => r()));
      c.send('end');
      await closed;
      await p.waitFor('stdout', /^close \d+$/m, 10_000);
      expect(p.stdout).toMatch(/^connection ::ffff:127\.0\.0\.1 \d+$/m);
      expect(p.stdout).toMatch(new RegExp(`^secureConnection \\d+ chain ${chainLength}$`, 'm'));
      expect(p.stdout).not.toMatch(/^error/m);
    } finally {
      p.child.kill('SIGTERM');
      await p.waitExit(10_000);
    }
  });
});

describe('a fatal alert on an established connection', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => cleanup.splice(0).forEach((f) => f()));

  /** The client's provider fails to open the server's reply: the client sends a fatal internal_error alert. */
  function failingOpen(flag: { on: boolean }): CryptoProvider {
    return {
      ...nativeProvider,
      createAead(alg, key) {
        const a = nativeProvider.createAead(alg, key);
        const boom = () => { throw new Error('open failed'); };
        const w: Aead = {
          keyLength: a.keyLength, tagLength: a.tagLength, seal: (n, d, p) => a.seal(n, d, p),
          open: (n, d, c) => (flag.on ? boom() : a.open(n, d, c)),
          openAt: (n, d, b, o, l) => (flag.on ? boom() : a.open(n, d, b.subarray(o, o + l))),
        };
        return w;
      },
    };
  }

  async function established(withPeerListener: boolean, withServerListener: boolean) {
    const s = createServer({ ...identity, socket: createSocket('udp4') });
    cleanup.push(() => s.close());
    const serverErrors: [Error, unknown][] = [];
    if (withServerListener) s.on('error', (err, info) => serverErrors.push([err, info]));
    const peerErrors: Error[] = [];
    const peerP = new Promise<Peer>((resolve) => s.on('secureConnection', (peer) => {
      if (withPeerListener) peer.on('error', (e) => peerErrors.push(e));
      peer.on('message', (m) => peer.send(m));
      resolve(peer);
    }));
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    const flag = { on: false };
    const c = await connectAsync({ host: '127.0.0.1', port: s.address().port, ca: pki('ca-bundle.pem'), servername: 'localhost', crypto: failingOpen(flag) });
    c.on('error', () => {});
    const peer = await peerP;
    const order: string[] = [];
    if (withPeerListener) peer.on('error', () => order.push('peer error'));
    if (withServerListener) s.on('error', () => order.push('server error'));
    const closed = new Promise<void>((r) => peer.once('close', () => { order.push('close'); r(); }));
    flag.on = true;
    c.send('the reply cannot be opened');
    await closed;
    return { serverErrors, peerErrors, order, port: c.address().port };
  }

  it('is the peer\'s error and the server\'s error(err, info), then close, as openssl-dtls emitted them', async () => {
    const { serverErrors, peerErrors, order } = await established(true, true);
    expect(peerErrors).toHaveLength(1);
    expect(peerErrors[0]).toBeInstanceOf(DtlsError);
    expect(peerErrors[0]).toMatchObject({ code: 'ERR_DTLS_ALERT_RECEIVED', alert: 'internal_error' });
    expect(serverErrors).toHaveLength(1);
    expect(serverErrors[0]![0]).toBe(peerErrors[0]);
    expect(serverErrors[0]![1]).toMatchObject({ address: '127.0.0.1', port: expect.any(Number) });
    expect(order).toEqual(['peer error', 'server error', 'close']);
  });

  it('does not crash code without an error listener on the peer or the server (the seed\'s examples have none)', async () => {
    const { order } = await established(false, false);
    expect(order).toEqual(['close']);
  });
});
