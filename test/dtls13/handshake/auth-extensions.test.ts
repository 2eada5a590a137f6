import { describe, expect, it } from 'vitest';
import { Reader } from '../../../src/codec/reader.js';
import { HandshakeType as HT } from '../../../src/handshake/registry.js';
import { decodeEncryptedExtensions } from '../../../src/dtls13/messages/encrypted-extensions.js';
import { ExtensionType as E } from '../../../src/handshake/registry.js';
import { pki } from '../../helpers/pki.js';
import { PROVIDERS13, clientConfig, handshake, serverConfig } from './loopback.js';

const clientId = (name: string) => ({ key: pki(`client-${name}.key.pem`), cert: pki(`client-${name}.crt.pem`) });
const requiring = { requestCert: true, rejectUnauthorized: true, ca: pki('ca-bundle.pem') };
const eeTypes = (body: Uint8Array) => decodeEncryptedExtensions(new Reader(body)).extensions.map((e) => e.type);

describe.each(PROVIDERS13)('DTLS 1.3 client authentication ($name provider)', (provider) => {
  it.each(['ecdsa', 'rsa'])('accepts a trusted %s client certificate the server requires', async (name) => {
    const l = await handshake(provider, serverConfig(provider, requiring), clientConfig(provider, clientId(name)));
    expect(l.server.error).toBeUndefined();
    expect(l.server.completed).toBe(1);
    const n = l.server.machine.negotiated!;
    expect(n.authorized).toBe(true);
    expect(n.peerCertificates.length).toBeGreaterThan(0);
    expect(l.server.flights[0]!.map((m) => m.msgType)).toContain(HT.certificate_request);
    expect(l.client.flights[1]!.map((m) => m.msgType)).toEqual([HT.certificate, HT.certificate_verify, HT.finished]);
  });

  it('refuses a missing certificate when it is required (certificate_required, RFC 8446 §4.4.2.4)', async () => {
    const l = await handshake(provider, serverConfig(provider, requiring), clientConfig(provider));
    expect(l.errorOf('server')?.alert).toBe('certificate_required');
    expect(l.client.flights[1]!.map((m) => m.msgType)).toEqual([HT.certificate, HT.finished]);
  });

  it('goes on without one when it is optional, unauthorized', async () => {
    const l = await handshake(provider, serverConfig(provider, { ...requiring, rejectUnauthorized: false }), clientConfig(provider));
    expect(l.server.completed).toBe(1);
    expect(l.server.machine.negotiated?.authorized).toBe(false);
    expect(l.server.machine.negotiated?.authorizationError?.code).toBe('ERR_DTLS_NO_PEER_CERTIFICATE');
  });

  it('refuses an untrusted client chain when rejecting, keeps it unauthorized otherwise', async () => {
    const bad = clientConfig(provider, clientId('wrong-ca'));
    const refused = await handshake(provider, serverConfig(provider, requiring), bad);
    expect(refused.errorOf('server')?.alert).toBeDefined();
    expect(refused.server.completed).toBe(0);
    const kept = await handshake(provider, serverConfig(provider, { ...requiring, rejectUnauthorized: false }), bad);
    expect(kept.server.completed).toBe(1);
    expect(kept.server.machine.negotiated?.authorized).toBe(false);
    expect(kept.server.machine.negotiated?.peerCertificates.length).toBeGreaterThan(0);
  });

  it('refuses a client CertificateVerify that does not verify (decrypt_error)', async () => {
    const l = await handshake(provider, serverConfig(provider, requiring), clientConfig(provider, clientId('ecdsa')), (lb) => {
      lb.tamper = (from, m) => {
        if (from !== 'client' || m.msgType !== HT.certificate_verify) return m;
        const body = Uint8Array.from(m.body);
        body[body.length - 5]! ^= 0x40;
        return { ...m, body };
      };
    });
    expect(['decrypt_error', 'illegal_parameter']).toContain(l.errorOf('server')?.alert);
    expect(l.server.completed).toBe(0);
  });

  it('authenticates both sides with raw public keys (RFC 7250)', async () => {
    const serverKey = pki('server-ecdsa-p256.key.pem');
    const s = serverConfig(provider, { key: serverKey, rawPublicKey: true, requestCert: true, rejectUnauthorized: true, verifyRawPublicKey: () => true });
    const c = clientConfig(provider, { ...clientId('ecdsa'), rawPublicKey: true, verifyRawPublicKey: () => true });
    const l = await handshake(provider, s, c);
    expect(l.server.error).toBeUndefined();
    expect(l.client.error).toBeUndefined();
    expect(l.client.machine.negotiated?.peerRawPublicKey).toBeDefined();
    expect(l.server.machine.negotiated?.peerRawPublicKey).toBeDefined();
    expect(l.server.machine.negotiated?.authorized).toBe(true);
    expect(eeTypes(l.server.flights[0]![1]!.body)).toEqual(expect.arrayContaining([E.server_certificate_type, E.client_certificate_type]));
  });

  it('refuses a raw public key the client does not trust (bad_certificate)', async () => {
    const s = serverConfig(provider, { key: pki('server-ecdsa-p256.key.pem'), rawPublicKey: true });
    const l = await handshake(provider, s, clientConfig(provider, { verifyRawPublicKey: () => false }));
    expect(l.errorOf('client')?.alert).toBe('bad_certificate');
  });
});

describe.each(PROVIDERS13)('DTLS 1.3 extensions ($name provider)', (provider) => {
  it('agrees on ALPN in EncryptedExtensions, or refuses with no_application_protocol', async () => {
    const l = await handshake(provider, serverConfig(provider, { ALPNProtocols: ['coap', 'h3'] }), clientConfig(provider, { ALPNProtocols: ['h3', 'coap'] }));
    expect(l.client.machine.negotiated?.alpnProtocol).toBe('coap');
    expect(l.server.machine.negotiated?.alpnProtocol).toBe('coap');
    const none = await handshake(provider, serverConfig(provider, { ALPNProtocols: ['coap'] }), clientConfig(provider, { ALPNProtocols: ['h3'] }));
    expect(none.errorOf('server')?.alert).toBe('no_application_protocol');
  });

  it('serves the SNI callback certificate, also asynchronously, and acknowledges the name', async () => {
    for (const async of [false, true]) {
      let asked = '';
      const ctx = { key: pki('server-rsa2048.key.pem'), cert: pki('server-rsa2048.crt.pem') };
      const SNICallback = (name: string) => {
        asked = name;
        return async ? Promise.resolve(ctx) : ctx;
      };
      const l = await handshake(provider, serverConfig(provider, { SNICallback }), clientConfig(provider));
      expect(l.client.error).toBeUndefined();
      expect(asked).toBe('localhost');
      expect(l.server.machine.negotiated?.servername).toBe('localhost');
      expect(l.client.machine.negotiated?.signatureScheme).toBe(0x0804);
      expect(eeTypes(l.server.flights[0]![1]!.body)).toContain(E.server_name);
    }
  });

  it('agrees on a DTLS-SRTP profile (RFC 5764) and the exporter keys it', async () => {
    const l = await handshake(provider, serverConfig(provider, { srtpProfiles: ['SRTP_AEAD_AES_128_GCM'] }),
      clientConfig(provider, { srtpProfiles: ['SRTP_AES128_CM_SHA1_80', 'SRTP_AEAD_AES_128_GCM'] }));
    expect(l.client.machine.negotiated?.srtpProfile).toBe('SRTP_AEAD_AES_128_GCM');
    expect(l.client.secrets!.exportKeyingMaterial(56, 'EXTRACTOR-dtls_srtp')).toEqual(l.server.secrets!.exportKeyingMaterial(56, 'EXTRACTOR-dtls_srtp'));
  });

  it('negotiates connection IDs in ServerHello (RFC 9147 §9) and gives them to both associations', async () => {
    const l = await handshake(provider, serverConfig(provider, { connectionId: 6 }), clientConfig(provider, { connectionId: 4 }));
    expect(l.client.connectionIds?.ours.length).toBe(4);
    expect(l.client.connectionIds?.peers.length).toBe(6);
    expect(l.server.connectionIds?.ours).toEqual(l.client.connectionIds?.peers);
    expect(l.server.connectionIds?.peers).toEqual(l.client.connectionIds?.ours);
    expect(l.client.machine.negotiated?.connectionIds?.peers).toEqual(l.server.connectionIds?.ours);
    const none = await handshake(provider, serverConfig(provider), clientConfig(provider, { connectionId: 4 }));
    expect(none.client.connectionIds).toBeUndefined();
  });
});
