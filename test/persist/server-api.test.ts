/**
 * `server.saveAssociations(key)` and the `associations` option of
 * `createServer`, over real loopback sockets in one process.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectAsync } from '../../src/client.js';
import { DtlsError } from '../../src/errors.js';
import { type Peer, createServer } from '../../src/server.js';
import { serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';

const echo = (peer: Peer) => peer.on('message', (m) => peer.send(m));

function reply(client: Awaited<ReturnType<typeof connectAsync>>, text: string): Promise<string> {
  return new Promise((resolve) => {
    client.once('message', (m) => resolve(m.toString()));
    client.send(text);
  });
}

describe('Server.saveAssociations and the associations option', () => {
  it('a new Server on the same port continues the peer; its Peer API says what the handshake negotiated', async () => {
    const key = randomBytes(32);
    const a = createServer({ ...serverIdentity('ecdsa-p256'), ALPNProtocols: ['coap'] });
    a.on('secureConnection', echo);
    await new Promise<void>((r) => a.bind(0, r));
    const port = a.address().port;
    const client = await connectAsync({ host: '127.0.0.1', port, ca: pki('ca-bundle.pem'), servername: 'localhost', maxVersion: 'DTLSv1.2', ALPNProtocols: ['coap'] });
    try {
      expect(await reply(client, 'one')).toBe('one');
      let oldPeerClosed = false;
      const [oldPeer] = [...a.endpoint.associations()].map((x) => x.handle as Peer);
      oldPeer!.on('close', () => (oldPeerClosed = true));
      const blob = a.saveAssociations(key);
      expect(oldPeerClosed).toBe(true);
      expect(a.connections).toBe(0);
      await new Promise<void>((r) => a.close(r));

      const events: string[] = [];
      const b = createServer({ ...serverIdentity('ecdsa-p256'), ALPNProtocols: ['coap'], associations: { blob, key } });
      b.on('connection', () => events.push('connection'));
      const restored = new Promise<Peer>((resolve) => b.on('secureConnection', (p) => {
        events.push('secureConnection');
        echo(p);
        resolve(p);
      }));
      await new Promise<void>((r) => b.bind(port, r));
      const peer = await restored;
      expect(peer.restored).toBe(true);
      expect(peer.getProtocol()).toBe('DTLSv1.2');
      expect(peer.getCipher()).toEqual(client.getCipher());
      expect(peer.alpnProtocol).toBe('coap');
      expect(peer.servername).toBe('localhost');
      expect(peer.authorized).toBe(true);
      expect(peer.exportKeyingMaterial(16, 'EXPERIMENTAL x')).toEqual(client.exportKeyingMaterial(16, 'EXPERIMENTAL x'));
      expect(await reply(client, 'two')).toBe('two');
      expect(events).toEqual(['secureConnection']);
      await new Promise<void>((r) => b.close(r));
    } finally {
      client.end();
    }
  });

  it('createServer throws the refusal and loads nothing', () => {
    const key = randomBytes(32);
    const a = createServer({ ...serverIdentity('ecdsa-p256') });
    const blob = a.saveAssociations(key);
    a.close();
    const wrong = randomBytes(32);
    let err: unknown;
    try {
      createServer({ ...serverIdentity('ecdsa-p256'), associations: { blob, key: wrong } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DtlsError);
    expect((err as DtlsError).code).toBe('ERR_DTLS_STATE_AUTH');
  });
});
