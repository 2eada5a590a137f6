/**
 * Our server (`createServer`) against real DTLS 1.2 clients:
 * `openssl s_client -dtls1_2` and `gnutls-cli --udp`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DtlsError, Peer } from '../../src/index.js';
import { type RunningServer, startOurServer } from './ours.js';
import {
  HAS_GNUTLS_CLI, HAS_OPENSSL, MESSAGE_PREFIX, type OpensslClientOptions, type OpensslClientRun,
  gnutlsPriority, pki, runGnutlsClient, runOpensslClient, stopAllPeers,
} from './peers.js';

let ours: RunningServer | undefined;
async function serve(o: Parameters<typeof startOurServer>[0] = {}): Promise<RunningServer> {
  ours = await startOurServer(o);
  return ours;
}

/** Wait (bounded) for a Peer's 'close'. */
function closed(peer: Peer, timeoutMs = 3_000): Promise<void> {
  if (peer.closed) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Peer did not close within ${timeoutMs} ms`)), timeoutMs);
    peer.once('close', () => { clearTimeout(timer); resolve(); });
  });
}

afterEach(async () => {
  await stopAllPeers();
  await ours?.close();
  ours = undefined;
});

/** s_client run that must complete the handshake and get its line echoed. */
async function opensslRoundTrip(srv: RunningServer, o: Omit<OpensslClientOptions, 'port'>): Promise<OpensslClientRun> {
  const r = await runOpensslClient({ port: srv.port, ...o });
  expect(r.handshake, `s_client handshake failed\n${r.describe()}\nserver errors: ${srv.errors.map(String).join('; ')}`).toBe(true);
  expect(r.echoed, `no echo\n${r.describe()}`).toBe(true);
  expect(r.protocol).toBe('DTLSv1.2');
  expect(r.exit.code, r.describe()).toBe(0);
  return r;
}

describe.skipIf(!HAS_OPENSSL).sequential('our server with openssl s_client', () => {
  it.each([
    { suite: 'ECDHE-ECDSA-AES128-GCM-SHA256', cert: 'server-ecdsa-p256' },
    { suite: 'ECDHE-ECDSA-CHACHA20-POLY1305', cert: 'server-ecdsa-p256' },
    { suite: 'ECDHE-RSA-AES256-GCM-SHA384', cert: 'server-rsa2048' },
  ])('negotiates $suite with the $cert certificate after a cookie exchange and echoes', async ({ suite, cert }) => {
    const srv = await serve({ certFile: `${cert}.crt.pem`, keyFile: `${cert}.key.pem` });
    const message = `${MESSAGE_PREFIX}${suite}`;
    const r = await opensslRoundTrip(srv, { cipher: suite, message });
    expect(r.cipher).toBe(suite);
    expect(r.msg.cookieExchange, `no HelloVerifyRequest in the -msg log\n${r.msgLog}`).toBe(true);
    const hellos = r.msg.messages.filter((m) => m.dir === '>>>' && m.type === 'ClientHello');
    expect(hellos.map((m) => (m.cookie ?? 0) > 0)).toEqual([false, true]);
    const peer = await srv.firstPeer();
    expect(peer.getCipher()?.name).toBe(suite);
    expect(peer.getProtocol()).toBe('DTLSv1.2');
    expect(peer.address().address).toBe('127.0.0.1');
    expect(srv.errors).toEqual([]);
  });

  it("closes the Peer on s_client's close_notify", async () => {
    const srv = await serve();
    const r = await opensslRoundTrip(srv, { message: `${MESSAGE_PREFIX}client-closes` });
    expect(r.msg.alerts).toContainEqual({ dir: '>>>', level: 1, description: 0 });
    const peer = await srv.firstPeer();
    await closed(peer);
    expect(peer.closed).toBe(true);
    expect(srv.errors).toEqual([]);
  });

  it.each([
    { how: 'peer.end()', close: (srv: RunningServer) => srv.peers[0]!.end() },
    { how: 'server.close()', close: (srv: RunningServer) => srv.close() },
  ])('sends close_notify on $how: s_client sees it and exits', async ({ close }) => {
    const srv = await serve();
    const r = await runOpensslClient({
      port: srv.port, message: `${MESSAGE_PREFIX}server-closes`, closeBy: 'server', closeServerSide: () => close(srv),
    });
    expect(r.handshake, r.describe()).toBe(true);
    expect(r.echoed, r.describe()).toBe(true);
    expect(r.msg.alerts, `s_client received no close_notify\n${r.describe()}`).toContainEqual({ dir: '<<<', level: 1, description: 0 });
    expect(r.exit.code, r.describe()).toBe(0);
  });

  it('negotiates ECDHE-ECDSA-AES128-GCM-SHA256 with the noble (pure JS) crypto provider', async () => {
    const srv = await serve({ crypto: 'noble' });
    const r = await opensslRoundTrip(srv, { cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256', message: `${MESSAGE_PREFIX}noble` });
    expect(r.cipher).toBe('ECDHE-ECDSA-AES128-GCM-SHA256');
    expect(srv.server.provider.name).toBe('noble');
    expect((await srv.firstPeer()).getCipher()?.name).toBe('ECDHE-ECDSA-AES128-GCM-SHA256');
  });

  it('fragments its flight (RSA chain, mtu 500) and s_client with -mtu 500 reassembles it', async () => {
    const srv = await serve({ certFile: 'server-rsa2048.chain.pem', keyFile: 'server-rsa2048.key.pem', mtu: 500 });
    const r = await opensslRoundTrip(srv, { mtu: 500, message: `${MESSAGE_PREFIX}fragmented` });
    expect(r.msg.cookieExchange).toBe(true);
    const cert = r.msg.messages.find((m) => m.dir === '<<<' && m.type === 'Certificate');
    expect(cert, r.msgLog).toBeDefined();
    expect(cert!.length).toBeGreaterThan(500);
    expect(cert!.fragmented, `Certificate arrived unfragmented\n${r.msgLog}`).toBe(true);
    expect(r.msg.fragmented).toBe(true);
    // every handshake record we sent fits into a 500-byte datagram
    expect(r.msg.maxHandshakeRecord['<<<']).toBeLessThanOrEqual(500 - 13);
    // it is the whole chain, leaf and RSA root: 3-byte list length, 3-byte length per certificate
    expect(cert!.length).toBe(3 + 3 + pki('server-rsa2048.crt.der').length + 3 + pki('ca-rsa.crt.der').length);
    const peer = await srv.firstPeer();
    expect(peer.getCipher()?.name).toMatch(/^ECDHE-RSA-/);
  });

  // On the RSA certificate, so that the group choice is only about the key exchange
  // (with an ECDSA certificate OpenSSL also requires the certificate's curve in -groups).
  it.each([
    { group: 'X25519', ours: 'x25519', temp: /^Server Temp Key: X25519/m },
    { group: 'P-256', ours: 'secp256r1', temp: /^Server Temp Key: ECDH, prime256v1/m },
    { group: 'P-384', ours: 'secp384r1', temp: /^Server Temp Key: ECDH, secp384r1/m },
  ])('agrees on the ECDHE group $group (s_client -groups)', async ({ group, ours: name, temp }) => {
    const srv = await serve({ certFile: 'server-rsa2048.crt.pem', keyFile: 'server-rsa2048.key.pem' });
    const r = await opensslRoundTrip(srv, { groups: group, message: `${MESSAGE_PREFIX}group-${group}` });
    expect(r.stderr).toMatch(temp);
    expect((await srv.firstPeer()).negotiated?.group).toBe(name);
  });

  it('agrees on P-384 with the ECDSA P-384 certificate (s_client -groups P-384)', async () => {
    const srv = await serve({ certFile: 'server-ecdsa-p384.crt.pem', keyFile: 'server-ecdsa-p384.key.pem' });
    const r = await opensslRoundTrip(srv, { groups: 'P-384', message: `${MESSAGE_PREFIX}group-p384-ecdsa` });
    expect(r.stderr).toMatch(/^Server Temp Key: ECDH, secp384r1/m);
    expect(r.cipher).toMatch(/^ECDHE-ECDSA-/);
    expect((await srv.firstPeer()).negotiated?.group).toBe('secp384r1');
  });

  // RFC 8422 §5.1 and §5.3: the client's supported_groups also constrain the curve of
  // the server's ECDSA certificate ("servers MUST NOT negotiate the use of an ECC cipher
  // suite unless they can complete the handshake while respecting the choice of curves
  // specified by the client"). With only a P-256 certificate and a client that lists
  // only X25519 the server must refuse (OpenSSL servers answer handshake_failure).
  it('does not negotiate ECDHE-ECDSA with a P-256 certificate when the client lists only X25519', async () => {
    const srv = await serve();
    const r = await runOpensslClient({ port: srv.port, groups: 'X25519', timeoutMs: 10_000 });
    expect(r.handshake).toBe(false);
    const err = (await srv.firstError()) as DtlsError;
    expect(err.code, `our server went on and s_client aborted: ${err.message}\n${r.describe()}`).toBe('ERR_DTLS_NO_SHARED_CIPHER');
    expect(err.alert).toBe('handshake_failure');
  });

  it.each([
    { sigalgs: 'rsa_pss_rsae_sha256', type: 'RSA-PSS', scheme: 0x0804 },
    { sigalgs: 'RSA+SHA256', type: 'RSA', scheme: 0x0401 },
  ])('signs its ServerKeyExchange with $sigalgs on the RSA certificate (s_client -sigalgs)', async ({ sigalgs, type, scheme }) => {
    const srv = await serve({ certFile: 'server-rsa2048.crt.pem', keyFile: 'server-rsa2048.key.pem' });
    const r = await opensslRoundTrip(srv, { sigalgs, message: `${MESSAGE_PREFIX}sigalgs` });
    expect(r.stderr).toMatch(new RegExp(`^Signature type: ${type}$`, 'm'));
    expect(r.stderr).toMatch(/^Hash used: SHA256$/m);
    expect((await srv.firstPeer()).negotiated?.signatureScheme).toBe(scheme);
  });

  it('serves an Ed25519 certificate to s_client', async () => {
    const srv = await serve({ certFile: 'server-ed25519.crt.pem', keyFile: 'server-ed25519.key.pem' });
    const r = await opensslRoundTrip(srv, { message: `${MESSAGE_PREFIX}ed25519` });
    expect(r.cipher).toMatch(/^ECDHE-ECDSA-/);
    expect(r.stderr).toMatch(/^Signature type: ed25519$/im);
    expect((await srv.firstPeer()).negotiated?.signatureScheme).toBe(0x0807);
  });
});

describe.skipIf(!HAS_OPENSSL).sequential('our server with client certificates (openssl s_client)', () => {
  const strict = { requestCert: true, rejectUnauthorized: true, ca: pki('ca-bundle.pem') };

  it('accepts a client certificate from the trusted CA and exposes it on the Peer', async () => {
    const srv = await serve(strict);
    await opensslRoundTrip(srv, { cert: 'client-ecdsa.crt.pem', key: 'client-ecdsa.key.pem', message: `${MESSAGE_PREFIX}client-cert` });
    const peer = await srv.firstPeer();
    expect(peer.authorized).toBe(true);
    const chain = peer.getCertChain().toString('latin1');
    expect(chain.length).toBeGreaterThan(0);
    expect(chain).toMatch(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?/);
    expect(chain.replace(/\s+/g, '')).toContain(pki('client-ecdsa.crt.pem').toString('latin1').replace(/-----[^-]+-----|\s+/g, ''));
    const cert = peer.getPeerCertificate() as { subject?: Record<string, unknown> };
    expect(cert.subject?.CN).toBe('client-ecdsa');
    expect(srv.errors).toEqual([]);
  });

  it.each([
    { name: 'no client certificate', cert: undefined, key: undefined },
    { name: 'an expired client certificate', cert: 'client-expired.crt.pem', key: 'client-expired.key.pem' },
    { name: 'a client certificate from an untrusted CA', cert: 'client-wrong-ca.crt.pem', key: 'client-wrong-ca.key.pem' },
  ])('rejects the handshake with $name and emits an ERR_DTLS error with an alert', async ({ cert, key }) => {
    const srv = await serve(strict);
    const r = await runOpensslClient({ port: srv.port, ...(cert && { cert, key }), timeoutMs: 10_000 });
    expect(r.handshake, `s_client completed a handshake it should not have\n${r.describe()}`).toBe(false);
    expect(r.exit.code).not.toBe(0);
    const err = (await srv.firstError()) as DtlsError;
    expect(err.code).toMatch(/^ERR_DTLS/);
    expect(err.alert).toBeDefined();
    expect(srv.peers).toEqual([]);
  });

  it('completes with a self-signed client certificate when rejectUnauthorized is false, unauthorized', async () => {
    const srv = await serve({ requestCert: true, rejectUnauthorized: false, ca: pki('ca-bundle.pem') });
    await opensslRoundTrip(srv, { cert: 'client-selfsigned.crt.pem', key: 'client-selfsigned.key.pem', message: `${MESSAGE_PREFIX}selfsigned` });
    const peer = await srv.firstPeer();
    expect(peer.authorized).toBe(false);
    expect(peer.authorizationError).toBeDefined();
    expect(peer.authorizationError?.code).toMatch(/^ERR_DTLS_CERT_/);
    expect((peer.getPeerCertificate() as { subject?: Record<string, unknown> }).subject?.CN).toBe('client-selfsigned');
  });
});

describe.skipIf(!HAS_GNUTLS_CLI).sequential('our server with gnutls-cli', () => {
  it.each([
    { cert: 'server-ecdsa-p256', kx: 'ECDHE-ECDSA', cipher: 'AES-128-GCM', suite: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
    { cert: 'server-rsa2048', kx: 'ECDHE-RSA', cipher: 'AES-256-GCM', suite: 'ECDHE-RSA-AES256-GCM-SHA384' },
  ] as const)('negotiates $suite with the $cert certificate and echoes', async ({ cert, kx, cipher, suite }) => {
    const srv = await serve({ certFile: `${cert}.crt.pem`, keyFile: `${cert}.key.pem` });
    const r = await runGnutlsClient({ port: srv.port, priority: gnutlsPriority(kx, cipher), message: `${MESSAGE_PREFIX}gnutls-${cipher}` });
    expect(r.handshake, r.describe()).toBe(true);
    expect(r.echoed, r.describe()).toBe(true);
    expect(r.description).toMatch(/^\(DTLS1\.2\b/);
    expect(r.description).toContain(`(${cipher})`);
    expect((await srv.firstPeer()).getCipher()?.name).toBe(suite);
  });

  it('serves an Ed25519 certificate to gnutls-cli', async () => {
    const srv = await serve({ certFile: 'server-ed25519.crt.pem', keyFile: 'server-ed25519.key.pem' });
    const r = await runGnutlsClient({ port: srv.port, message: `${MESSAGE_PREFIX}gnutls-ed25519` });
    expect(r.handshake, r.describe()).toBe(true);
    expect(r.echoed, r.describe()).toBe(true);
    expect(r.description).toMatch(/EdDSA-Ed25519/i);
    expect((await srv.firstPeer()).negotiated?.signatureScheme).toBe(0x0807);
  });
});
