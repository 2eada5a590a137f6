/**
 * The DTLS 1.3 handshake machines against wolfSSL 5.5.4 (built with DTLS 1.3
 * by ../shared/interop/wolfssl/build.sh into ~/.cache/puredtls-peers, or
 * $PUREDTLS_PEERS), through the test-only association of
 * `dtls13-mini-association.ts` until `Connection13` carries them. Skipped
 * when the wolfSSL build is not there.
 *
 * Known wolfSSL 5.5.4 quirks, not tested here: it derives the resumption PSK
 * with the TLS 1.3 label prefix ("tls13 resumption" instead of "dtls13"
 * resumption, RFC 9147 §5.9), so resumption with it fails in both directions
 * (its binder check, or ours); and it masks ChaCha20 record numbers with a
 * big-endian counter, which the association proper handles.
 */
import * as dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeProvider } from '../../src/crypto/index.js';
import { Client13Handshake } from '../../src/dtls13/handshake/client13.js';
import { Server13Handshake } from '../../src/dtls13/handshake/server13.js';
import { SUITES_13 } from '../../src/dtls13/suites.js';
import { TicketKeys } from '../../src/handshake/session.js';
import { clientConfig, serverConfig } from '../dtls13/handshake/loopback.js';
import { MiniAssociation13 } from './dtls13-mini-association.js';
import { PeerProcess, freeUdpPort, pki, pkiPath, stopAllPeers } from './peers.js';

const WOLF = join(process.env.PUREDTLS_PEERS ?? join(homedir(), '.cache', 'puredtls-peers'), 'wolfssl-5.5.4-dtls13');
const HAS_WOLFSSL = existsSync(join(WOLF, 'bin', 'client')) && existsSync(join(WOLF, 'bin', 'server'));
const provider = nodeProvider;
const PSK_KEY = Buffer.from('0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'hex');
const enc = new TextEncoder();
/** wolfSSL's suite name (`TLS13-AES128-CCM-8-SHA256`) as IANA's (`TLS_AES_128_CCM_8_SHA256`). */
const iana = (wolfName: string) => wolfName.replace('TLS13-', 'TLS_').replace(/AES(\d+)/, 'AES_$1').replace(/-/g, '_');

/** A wolfSSL example program, run from its folder (it wants certs/ there). */
function wolf(program: 'client' | 'server', args: string[]): PeerProcess {
  const cmd = `cd '${WOLF}' && LD_LIBRARY_PATH='${WOLF}/lib' exec '${WOLF}/bin/${program}' ${args.map((a) => `'${a}'`).join(' ')}`;
  return new PeerProcess('bash', ['-c', cmd], 20_000);
}

/** Run `a` over a UDP socket until `done`, retransmitting its flight every 250 ms while unanswered. */
async function drive(sock: dgram.Socket, a: MiniAssociation13, done: () => boolean): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      a.retransmit();
      check();
    }, 250);
    const check = () => {
      if (done() || a.error !== undefined || a.peerAlert !== undefined) {
        clearInterval(timer);
        sock.off('message', check);
        resolve();
      }
    };
    sock.on('message', check);
    const guard = setTimeout(() => {
      clearInterval(timer);
      resolve();
    }, 15_000);
    guard.unref();
  });
}

afterEach(async () => {
  await stopAllPeers();
});

describe.skipIf(!HAS_WOLFSSL).sequential('our DTLS 1.3 client machine with the wolfSSL server', () => {
  async function connect(serverArgs: string[], cfg = clientConfig(provider), verifyClient = false): Promise<MiniAssociation13> {
    const port = await freeUdpPort();
    wolf('server', ['-u', '-v', '4', '-p', String(port), '-i', ...(verifyClient ? [] : ['-d']), '-c', pkiPath('server-ecdsa-p256.chain.pem'),
      '-k', pkiPath('server-ecdsa-p256.key.pem'), '-A', pkiPath('ca-bundle.pem'), ...serverArgs]);
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const a = new MiniAssociation13(provider, (d) => sock.send(d, port, '127.0.0.1'));
    sock.on('message', (m) => a.receiveDatagram(new Uint8Array(m)));
    a.guard(() => {
      a.machine = new Client13Handshake(a, { ...cfg, suites13: cfg.suites13.length === 3 ? SUITES_13.filter((s) => s.aead !== 'chacha20-poly1305') : cfg.suites13 });
    });
    await drive(sock, a, () => a.completed);
    if (a.completed) {
      a.sendApplicationData(enc.encode('hello from puredtls'));
      await drive(sock, a, () => a.appData.length > 0);
    }
    sock.close();
    return a;
  }
  const echoed = (a: MiniAssociation13) => new TextDecoder().decode(a.appData[0]);

  it('completes a full handshake, exchanges data, and receives a ticket', async () => {
    const a = await connect([]);
    expect(a.error).toBeUndefined();
    expect(a.completed).toBe(true);
    expect(a.machine.negotiated?.group).toBe('x25519');
    expect(a.machine.negotiated?.authorized).toBe(true);
    expect(echoed(a)).toBe('I hear you fa shizzle!');
    expect(a.tickets).toHaveLength(1);
  });

  it('answers its HelloRetryRequest with the cookie', async () => {
    const a = await connect(['-J']);
    expect(a.completed).toBe(true);
    expect(echoed(a)).toBe('I hear you fa shizzle!');
  });

  it.each(['TLS13-AES256-GCM-SHA384', 'TLS13-AES128-CCM-SHA256', 'TLS13-AES128-CCM-8-SHA256'])('negotiates %s', async (suite) => {
    const a = await connect(['-l', suite]);
    expect(a.completed).toBe(true);
    expect(a.machine.negotiated?.suite13.name).toBe(iana(suite));
    expect(echoed(a)).toBe('I hear you fa shizzle!');
  });

  it.each(['secp256r1', 'secp384r1'] as const)('exchanges keys on %s', async (group) => {
    const a = await connect([], clientConfig(provider, {}, { groups13: [group], keyShareGroups: [group] }));
    expect(a.completed).toBe(true);
    expect(a.machine.negotiated?.group).toBe(group);
  });

  it('authenticates with a client certificate the server requires', async () => {
    const c = clientConfig(provider, { key: pki('client-ecdsa.key.pem'), cert: pki('client-ecdsa.chain.pem') });
    const a = await connect([], c, true);
    expect(a.peerAlert).toBeUndefined();
    expect(echoed(a)).toBe('I hear you fa shizzle!');
  });

  it.each([['psk_dhe_ke', ['-s']], ['psk_ke', ['-s', '-K']]] as const)('authenticates with an external PSK (%s)', async (mode, args) => {
    const c = clientConfig(provider, {}, { psk: () => ({ identity: enc.encode('Client_identity'), key: PSK_KEY }), pskModes: [mode] });
    const a = await connect([...args], c);
    expect(a.completed).toBe(true);
    expect(a.machine.negotiated?.pskMode).toBe(mode);
    expect(echoed(a)).toBe('I hear you fa shizzle!');
  });
});

describe.skipIf(!HAS_WOLFSSL).sequential('our DTLS 1.3 server machine with the wolfSSL client', () => {
  async function serve(clientArgs: string[], opts: Parameters<typeof serverConfig>[1] = {}): Promise<{ a: MiniAssociation13 | undefined; client: PeerProcess }> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const cfg = serverConfig(provider, opts, { suites13: SUITES_13.filter((s) => s.aead !== 'chacha20-poly1305'), sessions: { tickets: new TicketKeys(provider, [new Uint8Array(48).fill(4)], 3600) } });
    let a: MiniAssociation13 | undefined;
    sock.on('message', (m, from) => {
      if (!a) {
        const assoc = new MiniAssociation13(provider, (d) => sock.send(d, from.port, from.address));
        assoc.guard(() => {
          assoc.machine = new Server13Handshake(assoc, cfg, from);
        });
        a = assoc;
      }
      const n = a.appData.length;
      a.receiveDatagram(new Uint8Array(m));
      if (a.appData.length > n) a.sendApplicationData(enc.encode('echo'));
    });
    const client = wolf('client', ['-u', '-v', '4', '-h', '127.0.0.1', '-p', String(sock.address().port), '-A', pkiPath('ca-bundle.pem'),
      '-c', pkiPath('client-ecdsa.chain.pem'), '-k', pkiPath('client-ecdsa.key.pem'), ...clientArgs]);
    await client.exited;
    sock.close();
    return { a, client };
  }

  it('completes a full handshake and exchanges data', async () => {
    const { a, client } = await serve([]);
    expect(client.exit?.code, client.describe()).toBe(0);
    expect(client.stdout).toContain('SSL version is DTLSv1.3');
    expect(a?.completed).toBe(true);
    expect(a?.machine.negotiated?.group).toBe('secp256r1');
  });

  it('sends a HelloRetryRequest to a client without a key share', async () => {
    const { a, client } = await serve(['-J']);
    expect(client.exit?.code, client.describe()).toBe(0);
    expect(a?.completed).toBe(true);
  });

  it('requires and verifies the client certificate', async () => {
    const { a, client } = await serve([], { requestCert: true, rejectUnauthorized: true, ca: pki('ca-bundle.pem') });
    expect(client.exit?.code, client.describe()).toBe(0);
    expect(a?.machine.negotiated?.authorized).toBe(true);
    expect(a?.machine.negotiated?.peerCertificates.length).toBeGreaterThan(0);
  });

  it.each(['TLS13-AES256-GCM-SHA384', 'TLS13-AES128-CCM-SHA256', 'TLS13-AES128-CCM-8-SHA256'])('negotiates %s', async (suite) => {
    const { a, client } = await serve(['-l', suite]);
    expect(client.exit?.code, client.describe()).toBe(0);
    expect(client.stdout).toContain(`SSL cipher suite is ${iana(suite)}`);
    expect(a?.completed).toBe(true);
  });

  it.each([['psk_dhe_ke', ['-s']], ['psk_ke', ['-s', '-K']]] as const)('accepts an external PSK (%s)', async (mode, args) => {
    // wolfSSL's example client names its TLS 1.3 PSK by the identity and the hash.
    const { a, client } = await serve([...args], { pskCallback: (id: string) => (id === 'Client_identitySHA256' ? PSK_KEY : null) });
    expect(client.exit?.code, `${client.describe()} ${String(a?.error)} ${a?.peerAlert} ${a?.machine?.stateName}`).toBe(0);
    expect(a?.machine.negotiated?.pskMode).toBe(mode);
    expect(a?.machine.negotiated?.pskIdentity).toBe('Client_identitySHA256');
  });
});
