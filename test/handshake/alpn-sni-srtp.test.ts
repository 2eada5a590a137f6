import { describe, expect, it } from 'vitest';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { CLIENT_ADDR, SERVER_ADDR, pair, runHandshake, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import { machine12 } from '../helpers/v12.js';

describe('ALPN (RFC 7301)', () => {
  it('agrees on the server\'s first preference among the client\'s protocols', () => {
    const p = pair({ server: { ALPNProtocols: ['coap', 'h2'] }, client: { ALPNProtocols: ['h2', 'coap'] } });
    expect(runHandshake(p)).toBe(true);
    expect(machine12(p.client).negotiated?.alpnProtocol).toBe('coap');
    expect([...p.server.endpoint.associations()][0]!.negotiated?.alpnProtocol).toBe('coap');
  });

  it('fails with no_application_protocol when nothing is shared', () => {
    const p = pair({ server: { ALPNProtocols: ['coap'] }, client: { ALPNProtocols: ['h2'] } });
    expect(runHandshake(p, 5000)).toBe(false);
    expect(p.client.error?.alert).toBe('no_application_protocol');
  });

  it('has no protocol when the client offers none', () => {
    const p = pair({ server: { ALPNProtocols: ['coap'] } });
    expect(runHandshake(p)).toBe(true);
    expect(machine12(p.client).negotiated?.alpnProtocol).toBeUndefined();
  });
});

describe('DTLS-SRTP (RFC 5764)', () => {
  it('negotiates a profile, and both sides export the same keying material', () => {
    const p = pair({
      server: { srtpProfiles: ['SRTP_AEAD_AES_128_GCM', 'SRTP_AES128_CM_SHA1_80'] },
      client: { srtpProfiles: ['SRTP_AES128_CM_SHA1_80', 'SRTP_AEAD_AES_128_GCM'] },
    });
    expect(runHandshake(p)).toBe(true);
    expect(machine12(p.client).negotiated?.srtpProfile).toBe('SRTP_AEAD_AES_128_GCM');
    const assoc = [...p.server.endpoint.associations()][0]!;
    const a = p.client.conn.exportKeyingMaterial(60, 'EXTRACTOR-dtls_srtp');
    const b = assoc.conn.exportKeyingMaterial(60, 'EXTRACTOR-dtls_srtp');
    expect(a).toHaveLength(60);
    expect(a).toEqual(b);
    const withContext = p.client.conn.exportKeyingMaterial(32, 'EXPERIMENTAL-test', new Uint8Array([1, 2, 3]));
    expect(withContext).toEqual(assoc.conn.exportKeyingMaterial(32, 'EXPERIMENTAL-test', new Uint8Array([1, 2, 3])));
    expect(withContext).not.toEqual(p.client.conn.exportKeyingMaterial(32, 'EXPERIMENTAL-test'));
  });

  it('refuses reserved exporter labels', () => {
    const p = pair({});
    expect(runHandshake(p)).toBe(true);
    expect(() => p.client.conn.exportKeyingMaterial(12, 'client finished')).toThrow(RangeError);
  });

  it('goes on without SRTP when no profile is shared', () => {
    const p = pair({ server: { srtpProfiles: ['SRTP_AES128_CM_SHA1_32'] }, client: { srtpProfiles: ['SRTP_AES128_CM_SHA1_80'] } });
    expect(runHandshake(p)).toBe(true);
    expect(machine12(p.client).negotiated?.srtpProfile).toBeUndefined();
  });
});

describe('SNI on the server (RFC 6066)', () => {
  const rsa = serverIdentity('rsa2048');
  it('serves the certificate SNICallback returns for the name', () => {
    const names: string[] = [];
    const p = pair({ server: { SNICallback: (name) => { names.push(name); return name === 'localhost' ? rsa : undefined; } } });
    expect(runHandshake(p)).toBe(true);
    expect(names).toEqual(['localhost']);
    expect(machine12(p.client).negotiated?.suite.auth).toBe('RSA');
    expect([...p.server.endpoint.associations()][0]!.negotiated?.servername).toBe('localhost');
  });

  it('waits for an SNICallback that returns a Promise', async () => {
    const net = new VirtualNetwork({ seed: 4 });
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), SNICallback: async () => rsa });
    const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost' }, SERVER_ADDR);
    const hs = net.attach(SERVER_ADDR, server, { role: 'server' });
    net.attach(CLIENT_ADDR, client, { role: 'client' });
    net.run({ until: () => server.waiting, maxTime: 5000 });
    expect(server.waiting).toBe(true);
    await server.settle(net.now);
    hs.sync();
    net.run({ until: () => client.established, maxTime: 5000 });
    expect(client.established).toBe(true);
    expect(machine12(client).negotiated?.suite.auth).toBe('RSA');
  });

  it('supports the Node-style (servername, cb) callback', async () => {
    const net = new VirtualNetwork({ seed: 4 });
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), SNICallback: (_name, cb) => { setTimeout(() => cb!(null, rsa), 5); } });
    const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost' }, SERVER_ADDR);
    const hs = net.attach(SERVER_ADDR, server, { role: 'server' });
    net.attach(CLIENT_ADDR, client, { role: 'client' });
    net.run({ until: () => server.waiting, maxTime: 5000 });
    await server.settle(net.now);
    hs.sync();
    net.run({ until: () => client.established, maxTime: 5000 });
    expect(machine12(client).negotiated?.suite.auth).toBe('RSA');
  });

  it('ends the handshake with an alert when SNICallback rejects', async () => {
    const net = new VirtualNetwork({ seed: 4 });
    const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), SNICallback: () => Promise.reject(new Error('no such tenant')) });
    const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost' }, SERVER_ADDR);
    const hs = net.attach(SERVER_ADDR, server, { role: 'server' });
    net.attach(CLIENT_ADDR, client, { role: 'client' });
    net.run({ until: () => server.waiting, maxTime: 5000 });
    await server.settle(net.now);
    hs.sync();
    net.run({ until: () => client.closed, maxTime: 5000 });
    expect(client.error?.alert).toBe('internal_error');
    expect(server.errors[0]?.message).toContain('no such tenant');
  });
});
