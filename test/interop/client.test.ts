/**
 * Our client (`connectAsync`) against real DTLS 1.2 servers:
 * `openssl s_server -dtls1_2` and `gnutls-serv --udp --echo`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ClientConnection, type ConnectOptions, type DtlsError, connectAsync } from '../../src/index.js';
import { echo, endAndWait } from './ours.js';
import {
  HAS_GNUTLS_SERV, HAS_OPENSSL, MESSAGE_PREFIX, type OpensslServer, pki, startGnutlsServer, startOpensslServer,
  stopAllPeers,
} from './peers.js';

const clients: ClientConnection[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.end();
  await stopAllPeers();
});

/** connectAsync to 127.0.0.1, trusting ca-bundle.pem, servername localhost (overridable). */
async function connectTo(port: number, o: Partial<ConnectOptions> = {}): Promise<ClientConnection> {
  const c = await connectAsync({ host: '127.0.0.1', port, ca: pki('ca-bundle.pem'), servername: 'localhost', ...o });
  clients.push(c);
  return c;
}

/** Expect connectAsync to reject; returns the error. */
async function connectFails(port: number, o: Partial<ConnectOptions>): Promise<DtlsError> {
  let conn: ClientConnection | undefined;
  try {
    conn = await connectTo(port, o);
  } catch (e) {
    return e as DtlsError;
  }
  expect.fail(`the handshake completed (${conn.getCipher()?.name}) but should have failed`);
}

/** Handshake, echo through s_server, end the connection. */
async function roundTripOpenssl(s: OpensslServer, o: Partial<ConnectOptions> = {}, label = 'ping'): Promise<ClientConnection> {
  const c = await connectTo(s.port, o);
  const message = `${MESSAGE_PREFIX}${label}`;
  const reply = await echo(c, message).catch((e: Error) => { throw new Error(`${e.message}\n${s.proc.describe()}`); });
  expect(reply).toContain(message);
  expect(s.proc.stdout).toContain(message); // s_server printed what it received
  await endAndWait(c);
  return c;
}

describe.skipIf(!HAS_OPENSSL).sequential('our client with openssl s_server', () => {
  it('completes with an ECDSA server that fragments its flight (s_server default 256-byte MTU) and echoes', async () => {
    const s = await startOpensslServer();
    const c = await roundTripOpenssl(s, {}, 'ecdsa');
    expect(c.getCipher()?.name).toMatch(/^ECDHE-ECDSA-/);
    expect(c.authorized).toBe(true);
    expect(s.proc.stdout).toMatch(new RegExp(`^CIPHER is ${c.getCipher()!.name}$`, 'm'));
    const log = s.msgLog();
    expect(log.cookieExchange, 'no HelloVerifyRequest sent by s_server').toBe(true);
    const cert = log.messages.find((m) => m.dir === '>>>' && m.type === 'Certificate');
    expect(cert?.fragmented, `s_server did not fragment its Certificate\n${JSON.stringify(log.messages)}`).toBe(true);
    expect((c.getPeerCertificate() as { subject?: Record<string, unknown> }).subject?.CN).toBe('localhost');
  });

  it('sends close_notify on end(): s_server (-naccept 1) sees it and exits 0', async () => {
    const s = await startOpensslServer();
    const c = await roundTripOpenssl(s, {}, 'close-notify');
    expect(c.established).toBe(false);
    const exit = await s.proc.waitExit(3_000);
    const received = s.msgLog().alerts.filter((a) => a.dir === '<<<');
    expect(received, `s_server received no alert after our end()\n${s.proc.describe()}`).toContainEqual({ dir: '<<<', level: 1, description: 0 });
    expect(exit.code, s.proc.describe()).toBe(0);
  });

  it('completes with an RSA server and echoes', async () => {
    const s = await startOpensslServer({ cert: 'server-rsa2048.crt.pem', key: 'server-rsa2048.key.pem' });
    const c = await roundTripOpenssl(s, {}, 'rsa');
    expect(c.getCipher()?.name).toMatch(/^ECDHE-RSA-/);
    expect(c.authorized).toBe(true);
    expect(s.msgLog().fragmented).toBe(true);
  });

  it('completes with s_server -listen (stateless cookie exchange, unfragmented) and echoes', async () => {
    const s = await startOpensslServer({ listen: true });
    const c = await roundTripOpenssl(s, {}, 'listen');
    expect(c.getCipher()?.name).toMatch(/^ECDHE-ECDSA-/);
    const log = s.msgLog();
    // s_server -listen does not log its HelloVerifyRequest; our second ClientHello carries the cookie
    expect(log.messages.some((m) => m.dir === '<<<' && m.type === 'ClientHello' && (m.cookie ?? 0) > 0), JSON.stringify(log.messages)).toBe(true);
    expect(log.cookieExchange).toBe(true);
    expect(log.fragmented, JSON.stringify(log.messages)).toBe(false);
  });

  it.each([
    { suite: 'ECDHE-ECDSA-CHACHA20-POLY1305', cert: 'server-ecdsa-p256' },
    { suite: 'ECDHE-RSA-AES256-GCM-SHA384', cert: 'server-rsa2048' },
  ])('negotiates $suite when s_server allows only it', async ({ suite, cert }) => {
    const s = await startOpensslServer({ cert: `${cert}.crt.pem`, key: `${cert}.key.pem`, cipher: suite });
    const c = await roundTripOpenssl(s, {}, `suite-${suite}`);
    expect(c.getCipher()?.name).toBe(suite);
  });

  it('completes with the noble (pure JS) crypto provider', async () => {
    const s = await startOpensslServer();
    const c = await roundTripOpenssl(s, { crypto: 'noble' }, 'noble');
    expect(c.provider.name).toBe('noble');
    expect(c.authorized).toBe(true);
  });

  it('rejects a certificate that does not match the servername (ERR_DTLS_CERT_NAME_MISMATCH)', async () => {
    const s = await startOpensslServer();
    const err = await connectFails(s.port, { servername: 'example.com' });
    expect(err.code).toBe('ERR_DTLS_CERT_NAME_MISMATCH');
    expect(err.alert).toBeDefined();
  });

  it('sends its fatal bad_certificate alert to s_server when it rejects the certificate', async () => {
    const s = await startOpensslServer();
    const err = await connectFails(s.port, { servername: 'example.com' });
    expect(err.alert).toBe('bad_certificate');
    await s.proc.waitExit(2_000); // s_server (-naccept 1) ends on the alert
    expect(s.msgLog().alerts, `s_server received no alert\n${s.proc.describe()}`).toContainEqual({ dir: '<<<', level: 2, description: 42 });
  });

  it('rejects a server certificate from an untrusted CA (ERR_DTLS_CERT_UNTRUSTED)', async () => {
    const s = await startOpensslServer();
    const err = await connectFails(s.port, { ca: pki('ca-untrusted.crt.pem') });
    expect(err.code).toBe('ERR_DTLS_CERT_UNTRUSTED');
    expect(err.alert).toBeDefined();
  });

  it('completes with rejectUnauthorized: false and an untrusted CA, unauthorized', async () => {
    const s = await startOpensslServer();
    const c = await roundTripOpenssl(s, { ca: pki('ca-untrusted.crt.pem'), rejectUnauthorized: false }, 'unauthorized');
    expect(c.authorized).toBe(false);
    expect(c.authorizationError?.code).toBe('ERR_DTLS_CERT_UNTRUSTED');
  });

  it('authenticates with a client certificate to s_server -Verify 1', async () => {
    const s = await startOpensslServer({ requireClientCert: true });
    await roundTripOpenssl(s, { cert: pki('client-ecdsa.crt.pem'), key: pki('client-ecdsa.key.pem') }, 'client-cert');
    expect(s.proc.stderr + s.proc.stdout).toMatch(/CN ?= ?client-ecdsa/);
    expect(s.proc.stdout).not.toMatch(/verify error/i);
  });

  it('fails the handshake without a client certificate when s_server -Verify 1 demands one', async () => {
    const s = await startOpensslServer({ requireClientCert: true });
    const err = await connectFails(s.port, {});
    expect(err.code).toMatch(/^ERR_DTLS/);
    expect(err.alert).toBeDefined();
  });

  it('completes a client-certificate handshake with the noble provider', async () => {
    const s = await startOpensslServer({ requireClientCert: true, cert: 'server-rsa2048.crt.pem', key: 'server-rsa2048.key.pem' });
    const c = await roundTripOpenssl(s, { cert: pki('client-rsa.crt.pem'), key: pki('client-rsa.key.pem'), crypto: 'noble' }, 'noble-client-cert');
    expect(c.getCipher()?.name).toMatch(/^ECDHE-RSA-/);
  });
});

describe.skipIf(!HAS_GNUTLS_SERV).sequential('our client with gnutls-serv', () => {
  it.each([
    { cert: 'server-ecdsa-p256', sig: /^ECDHE-ECDSA-/ },
    { cert: 'server-ed25519', sig: /^ECDHE-ECDSA-/ },
  ])('completes with the $cert certificate and echoes', async ({ cert, sig }) => {
    const s = await startGnutlsServer({ cert: `${cert}.crt.pem`, key: `${cert}.key.pem` });
    const c = await connectTo(s.port);
    const message = `${MESSAGE_PREFIX}gnutls-${cert}`;
    expect(await echo(c, message).catch((e: Error) => { throw new Error(`${e.message}\n${s.proc.describe()}`); })).toContain(message);
    expect(c.getCipher()?.name).toMatch(sig);
    expect(c.authorized).toBe(true);
    if (cert === 'server-ed25519') expect(c.negotiated?.signatureScheme).toBe(0x0807);
    await endAndWait(c);
    expect(s.proc.running, `gnutls-serv died\n${s.proc.describe()}`).toBe(true);
  });
});
