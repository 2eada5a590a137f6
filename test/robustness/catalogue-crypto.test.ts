/**
 * ROBUSTNESS.md §2, crypto and MAC (CRY-02, CRY-04, CRY-08, CRY-09), and the
 * cheap crypto-policy requirements next to them (S-47, S-48, S-50, S-51,
 * S-52). CRY-06/CRY-07 live in psk.test.ts and integrity.test.ts; CRY-01
 * (timing) is a benchmark, not a unit test (see docs/robustness.md).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { encode } from '../../src/codec/writer.js';
import { nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import { nativeProvider } from '../crypto/helpers.js';
import { SignatureScheme } from '../../src/crypto/provider.js';
import { encodeEcdhParams, encodeServerKeyExchange } from '../../src/handshake/messages/server-key-exchange.js';
import { encodeClientSession } from '../../src/handshake/session.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { loadPrivateKey } from '../../src/x509/keys.js';
import { CLIENT_ADDR, SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import { type Pair, alertsOf, assocOf, clientCert, echoes, establishedPair, injectTo, loggedPair, pskClient, pskServer } from './helpers/peers.js';
import {
  CT, EXT, HT, clientHelloOf, concat, decodeSH, encodeSH, forged, plainMessages, rewriteClientHello, rewriteFlight, withExtension,
} from './helpers/wire.js';
import { machine12 } from '../helpers/v12.js';

const CA = pki('ca-bundle.pem');
const serverKey = nodeProvider.importSigningKey(loadPrivateKey(pki('server-ecdsa-p256.key.pem')).pkcs8);

function completes(p: Pair, maxTime = 10_000): boolean {
  p.net.run({ until: () => (p.client.established && p.server.established > 0) || p.client.closed, maxTime });
  return p.client.established && p.server.established > 0;
}
function rewriteFlight4(p: Pair, edit: Parameters<typeof rewriteFlight>[1]): void {
  p.net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (d) => (d.flight === 4 ? { replace: [rewriteFlight(d.data, edit)] } : 'pass') });
}
const mapType = (t: number, f: (b: Uint8Array) => Uint8Array) => (ms: { msgType: number; body: Uint8Array }[]) =>
  ms.map((m) => (m.msgType === t ? { ...m, body: f(m.body) } : m));

describe('CRY-02 CBC records shorter than IV + MAC + 1 byte', () => {
  it.each(['ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA384', 'PSK-AES128-CBC-SHA256'])('CRY-02 %s: every short or misaligned record is dropped, nothing throws, the association stays', (suite) => {
    const psk = suite.startsWith('PSK');
    const p = establishedPair({ server: { ciphers: suite, ...(psk && { ...pskServer, key: undefined, cert: undefined }) }, client: { ciphers: suite, ...(psk && pskClient) } });
    expect(machine12(p.client).negotiated?.suite.openssl).toBe(suite);
    const mac = suite.endsWith('SHA384') ? 48 : 32;
    const lengths = Array.from({ length: 16 + mac + 16 + 1 }, (_, i) => i + 1);
    expect(() => injectTo(p, 'server', lengths.map((n, i) => forged(CT.appData, 1, 1000 + i, n)))).not.toThrow();
    expect(() => injectTo(p, 'client', lengths.map((n, i) => forged(CT.appData, 1, 1000 + i, n)))).not.toThrow();
    expect(assocOf(p).conn.drops['bad mac']).toBe(lengths.length);
    expect(p.client.conn.drops['bad mac']).toBe(lengths.length);
    expect(echoes(p, 'still up')).toBe(true);
  });
});

describe('CRY-04 the server picks something the client did not offer', () => {
  it.each([['a known suite not offered', 0xc02c], ['an unknown suite', 0x0000], ['the renegotiation SCSV', 0x00ff]])(
    'CRY-04 a ServerHello choosing %s gets illegal_parameter', (_n, suite) => {
      const p = loggedPair({ client: { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' } });
      rewriteFlight4(p, mapType(HT.server_hello, (b) => encodeSH({ ...decodeSH(b), cipherSuite: suite })));
      expect(completes(p)).toBe(false);
      expect(p.client.error?.alert).toBe('illegal_parameter');
      expect(alertsOf(p.client.events, 'sent')).toEqual([{ level: 2, description: 47 }]);
    });

  it('CRY-04 a PSK ServerHello choosing a PSK suite the client did not offer gets illegal_parameter', () => {
    const p = loggedPair({ server: { ...pskServer, key: undefined, cert: undefined }, client: { ...pskClient, ciphers: 'PSK-AES128-GCM-SHA256' } });
    rewriteFlight4(p, mapType(HT.server_hello, (b) => encodeSH({ ...decodeSH(b), cipherSuite: 0xccab })));
    expect(completes(p)).toBe(false);
    expect(p.client.error?.alert).toBe('illegal_parameter');
  });

  /**
   * The ServerKeyExchange re-made with another group or signature scheme and
   * validly signed by the server's key, so only the choice is wrong.
   */
  function resignedSke(group: number, publicKey: Uint8Array, scheme: number, sign = scheme): (p: Pair) => void {
    return (p) => {
      let clientRandom: Uint8Array = new Uint8Array(32);
      p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (d) => { const h = clientHelloOf(d.data); if (h) clientRandom = h.hello.random; return 'pass'; } });
      p.net.link(SERVER_ADDR, CLIENT_ADDR, {
        filter: (d) => {
          if (d.flight !== 4) return 'pass';
          const serverRandom = decodeSH(plainMessages(d.data).find((m) => m.msgType === HT.server_hello)!.body).random;
          return {
            replace: [rewriteFlight(d.data, mapType(HT.server_key_exchange, () => {
              const ecdh = { namedGroup: group, publicKey };
              const params = encode((w) => encodeEcdhParams(w, ecdh));
              const signature = serverKey.sign(sign, concat([clientRandom, serverRandom, params]));
              return encode((w) => encodeServerKeyExchange(w, { ecdh, signature: { scheme, signature } }));
            }))],
          };
        },
      });
    };
  }
  const x25519 = nodeProvider.generateKeyShare('x25519').publicKey;
  const p384 = nodeProvider.generateKeyShare('secp384r1').publicKey;
  const p256 = nodeProvider.generateKeyShare('secp256r1').publicKey;

  it.each([
    ['a curve the client did not offer (X25519 to a P-256-only client)', resignedSke(0x001d, x25519, SignatureScheme.ecdsa_secp256r1_sha256)],
    ['a curve the client did not offer (P-384 to a P-256-only client)', resignedSke(0x0018, p384, SignatureScheme.ecdsa_secp256r1_sha256)],
    ['an unknown curve (P-521)', resignedSke(0x0019, p384, SignatureScheme.ecdsa_secp256r1_sha256)],
    ['a signature algorithm the client did not offer (ecdsa_sha1)', resignedSke(0x0017, p256, SignatureScheme.ecdsa_sha1)],
    ['an RSA scheme label on an ECDSA signature', resignedSke(0x0017, p256, SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.ecdsa_secp256r1_sha256)],
  ])('CRY-04 a validly signed ServerKeyExchange with %s gets illegal_parameter', (_n, rig) => {
    const p = loggedPair({ client: { ecdhCurve: 'P-256' } });
    rig(p);
    expect(completes(p)).toBe(false);
    expect(p.client.error?.alert).toBe('illegal_parameter');
  });

  it('CRY-04 the rig itself: a re-signed ServerKeyExchange with the offered curve and scheme passes the client\'s checks (and fails only later, at Finished)', () => {
    const p = loggedPair({ client: { ecdhCurve: 'P-256' } });
    // A fresh share the server does not hold: the handshake must get past the SKE checks and fail later, at Finished.
    resignedSke(0x0017, p256, SignatureScheme.ecdsa_secp256r1_sha256)(p);
    completes(p);
    expect(p.client.error?.alert).not.toBe('illegal_parameter');
    expect(p.client.conn.handshakeState).not.toBe('expectServerKeyExchange');
  });

  it('CRY-04 an ECDHE_PSK ServerKeyExchange with a curve the client did not offer gets illegal_parameter', () => {
    const suite = 'ECDHE-PSK-CHACHA20-POLY1305';
    const p = loggedPair({ server: { ...pskServer, key: undefined, cert: undefined, ciphers: suite }, client: { ...pskClient, ciphers: suite, ecdhCurve: 'X25519' } });
    rewriteFlight4(p, mapType(HT.server_key_exchange, (b) => {
      const c = Uint8Array.from(b);
      c[4] = 0x18; // namedcurve: P-384 (hint<2> + curve_type<1> + group<2>)
      return c;
    }));
    expect(completes(p)).toBe(false);
    expect(p.client.error?.alert).toBe('illegal_parameter');
  });
});

describe('CRY-08 / S-52 no Math.random', () => {
  it('CRY-08 full, resumed, PSK and client-authenticated handshakes succeed with Math.random stubbed to throw (both providers)', () => {
    const spy = vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random must not be used');
    });
    try {
      for (const provider of [nativeProvider, nobleProvider]) {
        const p = establishedPair({ provider });
        expect(echoes(p, 'data')).toBe(true);
        const net = new VirtualNetwork({ seed: 8 });
        const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), crypto: provider });
        net.attach(SERVER_ADDR, server, { role: 'server' });
        const c1 = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost', crypto: provider }, SERVER_ADDR, net.now);
        net.attach({ address: '10.0.0.2', port: 6001 }, c1, { role: 'client' });
        net.run({ until: () => c1.established, maxTime: 10_000 });
        const c2 = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: CA, servername: 'localhost', crypto: provider, session: encodeClientSession(machine12(c1).session!) }, SERVER_ADDR, net.now);
        net.attach({ address: '10.0.0.2', port: 6002 }, c2, { role: 'client' });
        net.run({ until: () => c2.established, maxTime: 10_000 });
        expect(machine12(c2).negotiated?.resumed).toBe(true);
        expect(establishedPair({ provider, server: { ...pskServer, key: undefined, cert: undefined }, client: { ...pskClient } }).client.established).toBe(true);
        expect(establishedPair({ provider, server: { requestCert: true, rejectUnauthorized: true, ca: CA }, client: { ...clientCert } }).client.established).toBe(true);
      }
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('CRY-08 no file under src/ calls Math.random', () => {
    const root = fileURLToPath(new URL('../../src/', import.meta.url));
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const n of readdirSync(dir)) {
        const f = join(dir, n);
        if (statSync(f).isDirectory()) walk(f);
        else if (/\.[cm]?[jt]s$/.test(n)) files.push(f);
      }
    };
    walk(root);
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.filter((f) => /Math\s*\.\s*random\s*\(|Math\s*\[\s*['"]random['"]\s*\]/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('CRY-09 the Heartbeat extension is not negotiated', () => {
  it('CRY-09 a ClientHello offering heartbeat (peer_allowed_to_send) gets a ServerHello without it', () => {
    const p = loggedPair({ client: { handshakeTimeout: 3_000 } });
    let serverExts: number[] | undefined;
    p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (d) => (clientHelloOf(d.data) ? { replace: [rewriteClientHello(d.data, (h) => ({ ...h, extensions: withExtension(h.extensions, EXT.heartbeat, Uint8Array.of(1)) }))] } : 'pass') });
    p.net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (d) => { const sh = plainMessages(d.data).find((m) => m.msgType === HT.server_hello); if (sh) serverExts = decodeSH(sh.body).extensions.map((e) => e.type); return 'pass'; } });
    p.net.run({ until: () => serverExts !== undefined, maxTime: 5_000 });
    expect(serverExts).toBeDefined();
    expect(serverExts).not.toContain(EXT.heartbeat);
  });
  // Type-24 records: catalogue-record.test.ts (S-53 / CRY-09).
});

describe('S-47 requireExtendedMasterSecret', () => {
  it('S-47 a server requiring EMS refuses a ClientHello without it (handshake_failure)', () => {
    const p = loggedPair({ server: { requireExtendedMasterSecret: true } });
    p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (d) => (clientHelloOf(d.data) ? { replace: [rewriteClientHello(d.data, (h) => ({ ...h, extensions: withExtension(h.extensions, EXT.extended_master_secret, undefined) }))] } : 'pass') });
    expect(completes(p)).toBe(false);
    expect(p.server.errors[0]?.code).toBe('ERR_DTLS_EMS_REQUIRED');
    expect(p.server.errors[0]?.alert).toBe('handshake_failure');
  });

  it('S-47 a client requiring EMS refuses a ServerHello without it (handshake_failure)', () => {
    const p = loggedPair({ client: { requireExtendedMasterSecret: true } });
    rewriteFlight4(p, mapType(HT.server_hello, (b) => { const sh = decodeSH(b); return encodeSH({ ...sh, extensions: withExtension(sh.extensions, EXT.extended_master_secret, undefined) }); }));
    expect(completes(p)).toBe(false);
    expect(p.client.error?.code).toBe('ERR_DTLS_EMS_REQUIRED');
  });
});

describe('S-48 DTLS 1.2 only', () => {
  it('S-48 a ClientHello offering only DTLS 1.0 (0xfeff) gets protocol_version', () => {
    const p = loggedPair();
    p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (d) => (clientHelloOf(d.data) ? { replace: [rewriteClientHello(d.data, (h) => ({ ...h, clientVersion: 0xfeff }))] } : 'pass') });
    expect(completes(p)).toBe(false);
    expect(p.server.errors[0]?.alert).toBe('protocol_version');
  });

  it('S-48 a ServerHello choosing DTLS 1.0 gets protocol_version from the client', () => {
    const p = loggedPair();
    rewriteFlight4(p, mapType(HT.server_hello, (b) => encodeSH({ ...decodeSH(b), serverVersion: 0xfeff })));
    expect(completes(p)).toBe(false);
    expect(p.client.error?.alert).toBe('protocol_version');
  });
});

describe('S-50 invalid ECDHE shares', () => {
  const editCke = (p: Pair, point: Uint8Array) =>
    p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (d) => (plainMessages(d.data).some((m) => m.msgType === HT.client_key_exchange)
      ? { replace: [concat([rewriteFlight(d.data, mapType(HT.client_key_exchange, () => concat([Uint8Array.of(point.length), point])))])] } : 'pass') });

  it.each([
    ['an all-zero X25519 share (all-zero secret)', 'X25519', new Uint8Array(32)],
    ['a P-256 point not on the curve', 'P-256', concat([Uint8Array.of(4), new Uint8Array(64).fill(1)])],
    ['a P-256 point at infinity encoding', 'P-256', Uint8Array.of(0)],
    ['a truncated P-256 point', 'P-256', concat([Uint8Array.of(4), new Uint8Array(31).fill(1)])],
  ])('S-50 the server aborts on %s; no throw escapes', (_n, curve, point) => {
    const p = loggedPair({ client: { ecdhCurve: curve }, cert: 'rsa2048' });
    editCke(p, point);
    expect(completes(p)).toBe(false);
    expect(p.server.established).toBe(0);
    expect(p.server.errors.length).toBeGreaterThan(0);
    expect(p.server.errors[0]?.code).toMatch(/^ERR_DTLS_/);
    expect(p.server.events.filter((e) => e.type === 'drop' && e.reason.startsWith('internal'))).toEqual([]);
  });

  it('S-50 the client aborts on an all-zero X25519 share in the ServerKeyExchange of ECDHE_PSK', () => {
    const suite = 'ECDHE-PSK-CHACHA20-POLY1305';
    const p = loggedPair({ server: { ...pskServer, key: undefined, cert: undefined, ciphers: suite }, client: { ...pskClient, ciphers: suite, ecdhCurve: 'X25519' } });
    rewriteFlight4(p, mapType(HT.server_key_exchange, (b) => concat([b.subarray(0, b.length - 32), new Uint8Array(32)])));
    expect(completes(p)).toBe(false);
    expect(p.client.error?.code).toMatch(/^ERR_DTLS_/);
  });
});

describe('S-51 null compression only', () => {
  it('S-51 the client offers exactly [null] and the server answers null', () => {
    const p = loggedPair();
    const offered: number[][] = [];
    let chosen: number | undefined;
    p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (d) => { const h = clientHelloOf(d.data); if (h) offered.push([...h.hello.compressionMethods]); return 'pass'; } });
    p.net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (d) => { const sh = plainMessages(d.data).find((m) => m.msgType === HT.server_hello); if (sh) chosen = decodeSH(sh.body).compressionMethod; return 'pass'; } });
    expect(completes(p)).toBe(true);
    expect(offered.length).toBeGreaterThan(0);
    expect(offered.every((c) => c.length === 1 && c[0] === 0)).toBe(true);
    expect(chosen).toBe(0);
  });

  it('S-51 a ServerHello choosing compression method 1 gets illegal_parameter', () => {
    const p = loggedPair();
    rewriteFlight4(p, mapType(HT.server_hello, (b) => encodeSH({ ...decodeSH(b), compressionMethod: 1 })));
    expect(completes(p)).toBe(false);
    expect(p.client.error?.alert).toBe('illegal_parameter');
  });
  // A ClientHello without null compression: catalogue-state-machine.test.ts (SM-26).
});
