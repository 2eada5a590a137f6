/**
 * DTLS 1.3 through the public API against wolfSSL 5.5.4 built with DTLS 1.3
 * (tools/peers/wolfssl.sh builds it once into ~/.cache/puredtls-peers, or
 * $PUREDTLS_PEERS): our `createServer` with wolfSSL's example client, our
 * `connect` with its example server — the cases of the `dtls13` acceptance
 * matrices. Skipped when the wolfSSL build is not there.
 *
 * wolfSSL 5.5.4 quirks this exercises: its ChaCha20 record-number mask
 * counter is big-endian (handled in RecordLayer13); it derives the
 * resumption PSK with TLS 1.3's "tls13 " label (fixed in wolfSSL 5.6.2: the
 * server keeps a twin PSK in the ticket) and wants a resuming client's
 * legacy_session_id echoed (wolfSSL up to 5.9.0); its per-suite PSK client
 * names the key `Client_identitySHA256`.
 */
import * as dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClientConnection, type ConnectOptions, type Peer, type Server, type ServerOptions, connectAsync, createServer } from '../../src/index.js';
import { PeerProcess, freeUdpPort, pki, pkiPath, requirePeer, stopAllPeers } from './peers.js';

const WOLF = join(process.env.PUREDTLS_PEERS ?? join(homedir(), '.cache', 'puredtls-peers'), 'wolfssl-5.5.4-dtls13');
const HAS_WOLFSSL = requirePeer('the wolfSSL DTLS 1.3 peer', existsSync(join(WOLF, 'bin', 'client')) && existsSync(join(WOLF, 'bin', 'server')), 'wolfSSL with tools/peers/wolfssl.sh');
const PSK_KEY = Buffer.from('0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'hex');
/** wolfSSL's suite name (`TLS13-AES128-CCM-8-SHA256`) as IANA's (`TLS_AES_128_CCM_8_SHA256`). */
const iana = (wolfName: string) => wolfName.replace('TLS13-', 'TLS_').replace(/AES(\d+)/, 'AES_$1').replace(/-/g, '_');

/** A wolfSSL example program, run from its folder (it wants certs/ there). */
function wolf(program: 'client' | 'server', args: string[]): PeerProcess {
  const cmd = `cd '${WOLF}' && LD_LIBRARY_PATH='${WOLF}/lib' exec '${WOLF}/bin/${program}' ${args.map((a) => `'${a}'`).join(' ')}`;
  return new PeerProcess('bash', ['-c', cmd], 25_000);
}

const servers: Server[] = [];
const clients: ClientConnection[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.end();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(r))));
  await stopAllPeers();
});

describe.skipIf(!HAS_WOLFSSL).sequential('our server (DTLS 1.2 and 1.3 on one socket) with the wolfSSL client', () => {
  async function serve(opts: ServerOptions = {}): Promise<{ port: number; peers: Peer[]; errors: Error[] }> {
    const s = createServer({ key: pki('server-ecdsa-p256.key.pem'), cert: pki('server-ecdsa-p256.crt.pem'), socket: dgram.createSocket('udp4'), ...opts });
    const peers: Peer[] = [];
    const errors: Error[] = [];
    s.on('secureConnection', (p) => {
      peers.push(p);
      p.on('message', (m) => p.send(m));
    });
    s.on('error', (e) => errors.push(e));
    servers.push(s);
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    return { port: s.address().port, peers, errors };
  }

  /** wolfSSL's client (DTLS 1.3 unless `-v 3`), certificate client-ecdsa, sends "hello wolfssl!". */
  async function wolfClient(port: number, args: string[]): Promise<PeerProcess> {
    const c = wolf('client', ['-u', '-v', '4', '-h', '127.0.0.1', '-p', String(port), '-A', pkiPath('ca-bundle.pem'),
      '-c', pkiPath('client-ecdsa.chain.pem'), '-k', pkiPath('client-ecdsa.key.pem'), ...args]);
    await c.exited;
    return c;
  }

  it('completes a full handshake on P-256 and echoes', async () => {
    const { port, peers } = await serve();
    const c = await wolfClient(port, []);
    expect(c.exit?.code, c.describe()).toBe(0);
    expect(c.stdout).toContain('SSL version is DTLSv1.3');
    expect(c.stdout).toContain('hello wolfssl');
    expect(peers[0]!.getProtocol()).toBe('DTLSv1.3');
    expect(peers[0]!.getCipher()).toMatchObject({ name: 'TLS_AES_128_GCM_SHA256', version: 'DTLSv1.3' });
  });

  it('answers a client without a key share with a HelloRetryRequest (-J), and X25519 (-t)', async () => {
    const { port } = await serve();
    const hrr = await wolfClient(port, ['-J']);
    expect(hrr.exit?.code, hrr.describe()).toBe(0);
    const x = await wolfClient(port, ['-t']);
    expect(x.exit?.code, x.describe()).toBe(0);
    expect(x.stdout).toContain('SSL curve name is X25519');
  });

  it('resumes with its ticket (-r)', async () => {
    const { port, peers } = await serve();
    const c = await wolfClient(port, ['-r']);
    expect(c.exit?.code, c.describe()).toBe(0);
    expect(c.stdout).toContain('reused session id');
    expect(peers.map((p) => p.isSessionReused())).toEqual([false, true]);
  });

  it('takes its KeyUpdate (-I) and still echoes', async () => {
    const { port } = await serve();
    const c = await wolfClient(port, ['-I']);
    expect(c.exit?.code, c.describe()).toBe(0);
    expect(c.stdout).toContain('hello wolfssl');
  });

  it.each(['TLS13-AES256-GCM-SHA384', 'TLS13-CHACHA20-POLY1305-SHA256', 'TLS13-AES128-CCM-SHA256'])('negotiates %s', async (suite) => {
    const { port } = await serve();
    const c = await wolfClient(port, ['-l', suite]);
    expect(c.exit?.code, c.describe()).toBe(0);
    expect(c.stdout).toContain(`SSL cipher suite is ${iana(suite)}`);
  });

  it('negotiates TLS_AES_128_CCM_8_SHA256 when the server names it (IoT; never by default)', async () => {
    const { port, peers } = await serve({ ciphers: 'TLS_AES_128_CCM_8_SHA256', minVersion: 'DTLSv1.3' });
    const c = await wolfClient(port, ['-l', 'TLS13-AES128-CCM-8-SHA256']);
    expect(c.exit?.code, c.describe()).toBe(0);
    expect(peers[0]!.getCipher()?.name).toBe('TLS_AES_128_CCM_8_SHA256');
  });

  it('fragments an RSA-2048 chain flight at MTU 500', async () => {
    const { port } = await serve({ key: pki('server-rsa2048.key.pem'), cert: pki('server-rsa2048.chain.pem'), mtu: 500 });
    const c = await wolfClient(port, ['-l', 'TLS13-AES128-GCM-SHA256']);
    expect(c.exit?.code, c.describe()).toBe(0);
  });

  it('requires and verifies a client certificate; refuses a client without one', async () => {
    const { port, peers } = await serve({ ca: pki('ca-bundle.pem'), requestCert: true, rejectUnauthorized: true });
    const ok = await wolfClient(port, []);
    expect(ok.exit?.code, ok.describe()).toBe(0);
    expect(peers[0]!.getPeerCertificate().subject.CN).toBe('client-ecdsa');
    const none = await wolfClient(port, ['-x']);
    expect(none.exit?.code).not.toBe(0);
    expect(peers).toHaveLength(1);
  });

  it.each([['psk_dhe_ke', ['-s']], ['psk_ke', ['-s', '-K']]] as const)('accepts its external PSK (%s)', async (mode, args) => {
    const { port, peers } = await serve({ pskCallback: (id) => (id === 'Client_identitySHA256' ? PSK_KEY : null) });
    const c = await wolfClient(port, [...args]);
    expect(c.exit?.code, c.describe()).toBe(0);
    expect(peers[0]!.negotiated?.pskMode).toBe(mode);
    expect(peers[0]!.negotiated?.pskIdentity).toBe('Client_identitySHA256');
  });

  it('serves a DTLS 1.2 wolfSSL client on the same server', async () => {
    const { port, peers } = await serve();
    const c = await wolfClient(port, ['-v', '3']);
    expect(c.exit?.code, c.describe()).toBe(0);
    expect(c.stdout).toContain('SSL version is DTLSv1.2');
    expect(peers[0]!.getProtocol()).toBe('DTLSv1.2');
  });
});

describe.skipIf(!HAS_WOLFSSL).sequential('our client with the wolfSSL server', () => {
  /** wolfSSL's server (DTLS 1.3 unless `-v 3`), certificate server-ecdsa-p256; answers "I hear you fa shizzle!". */
  async function wolfServer(args: string[], verifyClient = false): Promise<number> {
    const port = await freeUdpPort();
    wolf('server', ['-u', '-v', '4', '-p', String(port), '-i', ...(verifyClient ? [] : ['-d']), '-c', pkiPath('server-ecdsa-p256.chain.pem'),
      '-k', pkiPath('server-ecdsa-p256.key.pem'), '-A', pkiPath('ca-bundle.pem'), ...args]);
    return port;
  }

  /** Connect (a ClientHello sent before the server is up is retransmitted), send, and return the reply. */
  async function exchange(port: number, opts: Partial<ConnectOptions> = {}): Promise<{ c: ClientConnection; reply: string }> {
    const c = await connectAsync({ host: '127.0.0.1', port, ca: pki('ca-bundle.pem'), servername: 'localhost', handshakeTimeout: 8_000, ...opts } as ConnectOptions);
    clients.push(c);
    const reply = new Promise<string>((resolve) => c.once('message', (m) => resolve(m.toString())));
    c.send('hello from puredtls');
    return { c, reply: await reply };
  }

  it('completes a full handshake, echoes, and receives a ticket', async () => {
    const port = await wolfServer([]);
    const { c, reply } = await exchange(port);
    expect(reply).toBe('I hear you fa shizzle!');
    expect(c.getProtocol()).toBe('DTLSv1.3');
    expect(c.authorized).toBe(true);
    const ticket = c.getSession() ?? (await new Promise<Buffer>((r) => c.once('session', r)));
    expect(ticket.length).toBeGreaterThan(0);
  });

  it.each([['a HelloRetryRequest (-J)', ['-J']], ['its KeyUpdate (-U)', ['-U']], ['an X25519-only key share (-t)', ['-t']]])('copes with %s', async (_name, args) => {
    const port = await wolfServer([...args]);
    const { c, reply } = await exchange(port, { minVersion: 'DTLSv1.3' });
    expect(reply).toBe('I hear you fa shizzle!');
    expect(c.getProtocol()).toBe('DTLSv1.3');
  });

  it('negotiates TLS_CHACHA20_POLY1305_SHA256 (big-endian mask counter of wolfSSL 5.5.4)', async () => {
    const port = await wolfServer(['-l', 'TLS13-CHACHA20-POLY1305-SHA256']);
    const { c, reply } = await exchange(port, { minVersion: 'DTLSv1.3' });
    expect(reply).toBe('I hear you fa shizzle!');
    expect(c.getCipher()?.name).toBe('TLS_CHACHA20_POLY1305_SHA256');
  });

  it('presents a client certificate the server requires', async () => {
    const port = await wolfServer([], true);
    const { reply } = await exchange(port, { minVersion: 'DTLSv1.3', key: pki('client-ecdsa.key.pem'), cert: pki('client-ecdsa.chain.pem') });
    expect(reply).toBe('I hear you fa shizzle!');
  });

  it('authenticates with an external PSK (-s)', async () => {
    const port = await wolfServer(['-s']);
    const { c, reply } = await exchange(port, { minVersion: 'DTLSv1.3', psk: { identity: 'Client_identity', key: PSK_KEY } });
    expect(reply).toBe('I hear you fa shizzle!');
    expect(c.negotiated?.pskMode).toBeDefined();
  });

  it('refuses a server whose chain does not verify', async () => {
    const port = await wolfServer([]);
    await expect(exchange(port, { minVersion: 'DTLSv1.3', ca: pki('ca-untrusted.crt.pem') })).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_DTLS_/) });
  });

  it('falls back to DTLS 1.2 with a 1.2-only server', async () => {
    const port = await wolfServer(['-v', '3']);
    const { c, reply } = await exchange(port);
    expect(reply).toBe('I hear you fa shizzle!');
    expect(c.getProtocol()).toBe('DTLSv1.2');
  });
});
