/**
 * A crypto provider that throws — Deno's node:crypto asked for AES-CCM
 * (`Unknown cipher`), or any custom provider with a bug — must never take the
 * process down from a socket handler or a timer: the association fails with a
 * DtlsError, and the rest of the server keeps serving. Real UDP sockets on
 * loopback, our client and server, on every runtime the suite runs on.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, connectAsync, createServer, DtlsError, type ClientConnection, type Peer, type Server } from '../../src/index.js';
import type { Aead, AeadAlg, CryptoProvider } from '../../src/crypto/provider.js';
import { nativeProvider } from '../crypto/helpers.js';
import { pki } from '../helpers/pki.js';

type Op = 'seal' | 'open';

/** `base`, with AEADs whose seal or open throw a plain Error while `fails(op, alg)` says so. */
function throwing(base: CryptoProvider, fails: (op: Op, alg: AeadAlg) => boolean): CryptoProvider {
  const boom = (): never => {
    throw new Error('Unknown cipher');
  };
  return {
    ...base,
    name: 'throwing',
    createAead(alg, key) {
      const a = base.createAead(alg, key);
      const wrapped: Aead = {
        keyLength: a.keyLength,
        tagLength: a.tagLength,
        seal: (n, ad, p) => (fails('seal', alg) ? boom() : a.seal(n, ad, p)),
        open: (n, ad, c) => (fails('open', alg) ? boom() : a.open(n, ad, c)),
        sealTo: (n, ad, p, out, off) => (fails('seal', alg) ? boom() : a.sealTo ? a.sealTo(n, ad, p, out, off) : out.set(a.seal(n, ad, p), off)),
        openAt: (n, ad, buf, off, len) => (fails('open', alg) ? boom() : a.open(n, ad, buf.subarray(off, off + len))),
      };
      return wrapped;
    },
  };
}

const open: { close(): void }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) o.close();
  await new Promise((r) => setImmediate(r));
});

function server(provider: CryptoProvider, extra: Record<string, unknown> = {}): Promise<{ server: Server; port: number; errors: [Error, unknown][] }> {
  const s = createServer({
    key: pki('server-ecdsa-p256.key.pem'),
    cert: pki('server-ecdsa-p256.crt.pem'),
    ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-CCM8',
    crypto: provider,
    socket: createSocket('udp4'),
    ...extra,
  });
  open.push({ close: () => s.close() });
  const errors: [Error, unknown][] = [];
  s.on('error', (err, info) => errors.push([err, info]));
  s.on('secureConnection', (peer: Peer) => {
    peer.on('error', () => {});
    peer.on('message', (m) => peer.send(m));
  });
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve({ server: s, port: s.address().port, errors })));
}

const clientOptions = (port: number, extra: Record<string, unknown> = {}) => ({
  host: '127.0.0.1', port, ca: pki('ca-bundle.pem'), servername: 'localhost', handshakeTimeout: 4000, retransmitTimeout: 200, ...extra,
});

async function echo(c: ClientConnection, text: string): Promise<string> {
  const reply = new Promise<string>((resolve) => c.once('message', (m) => resolve(m.toString())));
  c.send(text);
  return reply;
}

/** The error and close a client reports once it fails. */
function failure(c: ClientConnection): Promise<DtlsError> {
  return new Promise((resolve) => {
    let err: DtlsError | undefined;
    c.on('error', (e) => { err = e; });
    c.on('close', () => resolve(err!));
  });
}

describe('a crypto provider that throws', () => {
  it('while sealing the handshake: the server reports a DtlsError for that client and serves the next', async () => {
    const { port, errors } = await server(throwing(nativeProvider, (_op, alg) => alg.includes('ccm')));
    await expect(connectAsync(clientOptions(port, { ciphers: 'ECDHE-ECDSA-AES128-CCM8' }))).rejects.toBeInstanceOf(DtlsError);
    await expect.poll(() => errors.length).toBeGreaterThan(0);
    const [err, info] = errors[0]!;
    expect(err).toBeInstanceOf(DtlsError);
    expect((err as DtlsError).code).toMatch(/^ERR_DTLS_/);
    expect(info).toMatchObject({ address: '127.0.0.1' });
    const ok = await connectAsync(clientOptions(port, { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }));
    open.push({ close: () => ok.end() });
    expect(await echo(ok, 'still serving')).toBe('still serving');
  });

  it('while the server opens application data: that peer closes, another keeps its echo', async () => {
    let failOpen = false;
    const { server: s, port } = await server(throwing(nativeProvider, (op) => op === 'open' && failOpen));
    const closed = new Promise<void>((resolve) => s.once('secureConnection', (peer) => peer.once('close', resolve)));
    const victim = await connectAsync(clientOptions(port));
    open.push({ close: () => victim.end() });
    const other = await connectAsync(clientOptions(port));
    open.push({ close: () => other.end() });
    expect(await echo(other, 'before')).toBe('before');
    const victimFailed = failure(victim);
    failOpen = true;
    victim.send('this record cannot be opened');
    await closed;
    // The server could still seal its fatal alert.
    expect(await victimFailed).toMatchObject({ code: 'ERR_DTLS_ALERT_RECEIVED', alert: 'internal_error' });
    failOpen = false;
    expect(await echo(other, 'after')).toBe('after');
  });

  it('while the client opens application data: the client fails with a DtlsError and closes', async () => {
    let failOpen = false;
    const { port } = await server(nativeProvider);
    const c = await connectAsync(clientOptions(port, { crypto: throwing(nativeProvider, (op) => op === 'open' && failOpen) }));
    const failed = failure(c);
    failOpen = true;
    c.send('the echo cannot be opened');
    const err = await failed;
    expect(err).toBeInstanceOf(DtlsError);
  });

  it('while the client seals a message: send does not throw the provider\'s error; the client fails with a DtlsError', async () => {
    let failSeal = false;
    const { port } = await server(nativeProvider);
    const c = await connectAsync(clientOptions(port, { crypto: throwing(nativeProvider, (op) => op === 'seal' && failSeal) }));
    const failed = failure(c);
    failSeal = true;
    expect(() => c.send('cannot be sealed')).not.toThrow();
    expect(await failed).toBeInstanceOf(DtlsError);
  });

  it('while the server seals a message: peer.send does not throw it; the peer closes', async () => {
    let failSeal = false;
    const { server: s, port } = await server(throwing(nativeProvider, (op) => op === 'seal' && failSeal));
    const peerP = new Promise<Peer>((resolve) => s.once('secureConnection', resolve));
    const c = await connectAsync(clientOptions(port));
    open.push({ close: () => c.end() });
    const peer = await peerP;
    const closed = new Promise<void>((resolve) => peer.once('close', resolve));
    failSeal = true;
    expect(() => peer.send('cannot be sealed')).not.toThrow();
    await closed;
    expect(peer.closed).toBe(true);
  });

  it('while the client seals its handshake (a retransmission timer too): connect fails with a DtlsError', async () => {
    const { port } = await server(nativeProvider);
    // The ClientHello is plaintext; the first sealed record is the Finished flight.
    const c = connect(clientOptions(port, { crypto: throwing(nativeProvider, (op) => op === 'seal') }));
    const err = await failure(c);
    expect(err).toBeInstanceOf(DtlsError);
  });
});
