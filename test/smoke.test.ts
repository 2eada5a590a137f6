import { describe, expect, it } from 'vitest';
import { Connection, DEFAULT_SETTINGS } from '../src/connection.js';
import { nobleProvider, nodeProvider } from '../src/crypto/index.js';
import { CIPHER_SUITES } from '../src/crypto/suites.js';
import { ServerEndpoint, DEFAULT_ENDPOINT_LIMITS } from '../src/endpoint/server-endpoint.js';
import { ClientHandshake } from '../src/handshake/client-handshake.js';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { pki } from './helpers/pki.js';

describe.each([nodeProvider, nobleProvider])('smoke ($name)', (provider) => {
  it('completes a handshake and echoes', () => {
    const key = { pkcs8: new Uint8Array(createPrivateKey(pki('server-ecdsa-p256.key.pem')).export({ type: 'pkcs8', format: 'der' })) };
    const x = new X509Certificate(pki('server-ecdsa-p256.crt.pem'));
    const chain = [new Uint8Array(x.raw)];
    const spkiOfCertificate = (_: Uint8Array) => new Uint8Array(x.publicKey.export({ type: 'spki', format: 'der' }));
    const settings = { ...DEFAULT_SETTINGS, provider };
    const suites = CIPHER_SUITES.filter((s) => s.protection.kind === 'aead' && s.auth !== 'PSK');
    const server = new ServerEndpoint({
      settings, cookieSecret: new Uint8Array(32), cookieExchange: true, limits: DEFAULT_ENDPOINT_LIMITS,
      handshake: {
        suites, signingKey: provider.importSigningKey(key.pkcs8), certChain: chain, requestCert: false,
        rejectUnauthorized: false, caNames: [], requireExtendedMasterSecret: false,
        checkClientChain: () => { throw new Error('no'); },
      },
    });
    const client = new Connection('client', settings, 0);
    const ch = new ClientHandshake(client, {
      suites, certChain: [], requireExtendedMasterSecret: false, servername: 'localhost',
      checkServerChain: (c) => ({ ok: true, key: provider.importVerifyingKey(spkiOfCertificate(c[0]!)) }),
    });
    client.attach(ch);
    let now = 0;
    const events: string[] = [];
    for (let i = 0; i < 20; i++) {
      for (const d of client.takeTransmits()) server.handleDatagram(d, '10.0.0.1', 5000, now);
      for (const o of server.takeTransmits()) client.handleDatagram(o.data, now);
      for (const e of server.takeEvents()) {
        events.push('s:' + e.type);
        if (e.type === 'data') server.send(e.assoc, e.data, now);
        if (e.type === 'close') console.log(e.error);
      }
      for (const e of client.takeEvents()) {
        events.push('c:' + e.type + (e.type === 'drop' ? e.reason : ''));
        if (e.type === 'secure') client.send(new TextEncoder().encode('ping'), now);
        if (e.type === 'data') expect(new TextDecoder().decode(e.data)).toBe('ping');
        if (e.type === 'close') console.log(e.error);
      }
      now += 1;
    }
    expect(events).toContain('c:secure');
    expect(events).toContain('s:secure');
    expect(events).toContain('c:data');
  });
});
