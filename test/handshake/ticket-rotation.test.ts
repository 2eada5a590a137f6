import * as dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClientConnection, type Server, connectAsync, createServer } from '../../src/index.js';
import { pki } from '../helpers/pki.js';

const servers: Server[] = [];
const clients: ClientConnection[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.end();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(r))));
});

async function serve(opts: { ticketKeys?: Uint8Array; sessionCacheSize?: number } = {}): Promise<Server> {
  const s = createServer({ key: pki('server-ecdsa-p256.key.pem'), cert: pki('server-ecdsa-p256.crt.pem'), socket: dgram.createSocket('udp4'), ...opts });
  s.on('secureConnection', (p) => p.on('message', (m) => p.send(m)));
  servers.push(s);
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return s;
}

type Version = 'DTLSv1.2' | 'DTLSv1.3';

async function connectWith(version: Version, port: number, session?: Buffer): Promise<ClientConnection> {
  const c = await connectAsync({ host: '127.0.0.1', port, ca: pki('ca-bundle.pem'), servername: 'localhost', maxVersion: version, ...(session && { session }) });
  clients.push(c);
  expect(c.getProtocol()).toBe(version);
  return c;
}

/** The session to resume: DTLS 1.3's ticket comes after the handshake (the `session` event). */
async function sessionOf(c: ClientConnection): Promise<Buffer> {
  return c.getSession() ?? new Promise<Buffer>((resolve) => c.once('session', resolve));
}

describe.each(['DTLSv1.2', 'DTLSv1.3'] as const)('ticket key rotation (RFC 5077; RFC 8446 §4.6.1), %s', (version) => {
  const connect = (port: number, session?: Buffer) => connectWith(version, port, session);
  it('setTicketKeys takes effect without a restart: tickets under the new key resume on a server sharing it', async () => {
    const a = await serve();
    const key = new Uint8Array(48).fill(9);
    a.setTicketKeys(key);
    expect(a.getTicketKeys()).toEqual(Buffer.from(key));
    const first = await connect(a.address().port);
    const b = await serve({ ticketKeys: key });
    const second = await connect(b.address().port, await sessionOf(first));
    expect(second.isSessionReused()).toBe(true);
  });

  it('keeps accepting tickets under an older key while new ones use the first key', async () => {
    const oldKey = new Uint8Array(48).fill(1);
    const newKey = new Uint8Array(48).fill(2);
    // No session-ID cache: only the ticket can resume.
    const a = await serve({ ticketKeys: oldKey, sessionCacheSize: 0 });
    const first = await connect(a.address().port);
    // Under 1.3 the ticket follows the handshake: take it before the keys change.
    const ticket = await sessionOf(first);
    a.setTicketKeys([newKey, oldKey]);
    const second = await connect(a.address().port, ticket);
    expect(second.isSessionReused()).toBe(true);
    a.setTicketKeys(newKey);
    const third = await connect(a.address().port, ticket);
    expect(third.isSessionReused()).toBe(false);
  });

  it('refuses keys that are not 48 bytes', async () => {
    const a = await serve();
    expect(() => a.setTicketKeys(new Uint8Array(47))).toThrow(RangeError);
  });
});
