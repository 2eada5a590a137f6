import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeClientSession } from '../../src/handshake/session.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { CLIENT_ADDR, PROVIDERS, SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import type { ServerOptions } from '../../src/options.js';
import type { ConnectOptions } from '../../src/client.js';
import { machine12 } from '../helpers/v12.js';

function connectOnce(net: VirtualNetwork, server: DtlsServerNode, opts: Partial<ConnectOptions>, port: number) {
  const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost', ...opts }, SERVER_ADDR, net.now);
  const addr = { address: CLIENT_ADDR.address, port };
  net.attach(addr, client, { role: 'client' });
  net.run({ until: () => client.established || client.closed, maxTime: 30_000 });
  return client;
}

function setup(serverOpts: Partial<ServerOptions> = {}) {
  const net = new VirtualNetwork({ seed: 9 });
  const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), ...serverOpts });
  net.attach(SERVER_ADDR, server, { role: 'server' });
  return { net, server };
}

describe.each(PROVIDERS)('session resumption ($name)', (provider) => {
  it('resumes by session ticket, keeping the verified identity', () => {
    const { net, server } = setup({ crypto: provider });
    const first = connectOnce(net, server, { crypto: provider }, 5001);
    expect(first.established).toBe(true);
    expect(machine12(first).negotiated?.resumed).toBe(false);
    const session = machine12(first).session!;
    expect(session.ticket?.length).toBeGreaterThan(0);
    const second = connectOnce(net, server, { crypto: provider, session: encodeClientSession(session) }, 5002);
    expect(second.established).toBe(true);
    expect(machine12(second).negotiated?.resumed).toBe(true);
    expect(machine12(second).negotiated?.peerCertificates.length).toBe(1);
    expect(machine12(second).negotiated?.authorized).toBe(true);
  });

  it.each([['a ticket', true], ['a session ID', false]] as const)('resumes a mutual raw-public-key session by %s, keeping both raw keys', (_how, sessionTickets) => {
    const spki = (name: string) => createPublicKey(pki(name)).export({ type: 'spki', format: 'der' });
    const clientKey = spki('client-ecdsa.key.pem');
    const serverKey = spki('server-ecdsa-p256.key.pem');
    const { net, server } = setup({
      key: pki('server-ecdsa-p256.key.pem'), rawPublicKey: true, requestCert: true, rejectUnauthorized: true,
      verifyRawPublicKey: (k) => k.equals(clientKey), crypto: provider, sessionTickets,
    });
    const clientOpts: Partial<ConnectOptions> = { key: pki('client-ecdsa.key.pem'), rawPublicKey: true, verifyRawPublicKey: (k) => k.equals(serverKey), crypto: provider };
    const first = connectOnce(net, server, clientOpts, 5001);
    expect(first.established).toBe(true);
    const second = connectOnce(net, server, { ...clientOpts, session: encodeClientSession(machine12(first).session!) }, 5002);
    expect(second.established).toBe(true);
    expect(machine12(second).negotiated?.resumed).toBe(true);
    expect(Buffer.from(machine12(second).negotiated!.peerRawPublicKey!).equals(serverKey)).toBe(true);
    expect(machine12(second).negotiated?.authorized).toBe(true);
    const resumed = [...server.endpoint.associations()].find((a) => a.port === 5002)!;
    expect(resumed.negotiated?.resumed).toBe(true);
    expect(Buffer.from(resumed.negotiated!.peerRawPublicKey!).equals(clientKey)).toBe(true);
    expect(resumed.negotiated?.authorized).toBe(true);
  });

  it.each([['a ticket', true], ['a session ID', false]] as const)('the server keeps the client\'s leaf certificate, not its chain, for a session resumed by %s', (_how, sessionTickets) => {
    const { net, server } = setup({ crypto: provider, sessionTickets, requestCert: true, rejectUnauthorized: true, ca: pki('ca-bundle.pem') });
    const clientOpts: Partial<ConnectOptions> = { crypto: provider, key: pki('client-ecdsa.key.pem'), cert: pki('client-ecdsa.chain.pem') };
    const first = connectOnce(net, server, clientOpts, 5001);
    expect(first.established).toBe(true);
    const full = server.endpoint.get(CLIENT_ADDR.address, 5001)!;
    expect(full.negotiated?.peerCertificates).toHaveLength(2);
    const second = connectOnce(net, server, { ...clientOpts, session: encodeClientSession(machine12(first).session!) }, 5002);
    expect(machine12(second).negotiated?.resumed).toBe(true);
    const resumed = server.endpoint.get(CLIENT_ADDR.address, 5002)!;
    expect(resumed.negotiated?.resumed).toBe(true);
    expect(resumed.negotiated?.authorized).toBe(true);
    expect(resumed.negotiated?.peerCertificates).toHaveLength(1);
    expect(Buffer.from(resumed.negotiated!.peerCertificates[0]!).equals(Buffer.from(full.negotiated!.peerCertificates[0]!))).toBe(true);
  });

  it('resumes by session ID when tickets are off', () => {
    const { net, server } = setup({ crypto: provider, sessionTickets: false });
    const first = connectOnce(net, server, { crypto: provider }, 5001);
    const session = machine12(first).session!;
    expect(session.ticket).toBeUndefined();
    expect(session.sessionId.length).toBe(32);
    const second = connectOnce(net, server, { crypto: provider, session: encodeClientSession(session) }, 5002);
    expect(second.established).toBe(true);
    expect(machine12(second).negotiated?.resumed).toBe(true);
  });

  it('falls back to a full handshake for an unknown session', () => {
    const a = setup({ crypto: provider, sessionTickets: false });
    const first = connectOnce(a.net, a.server, { crypto: provider }, 5001);
    const b = setup({ crypto: provider, sessionTickets: false });
    const second = connectOnce(b.net, b.server, { crypto: provider, session: encodeClientSession(machine12(first).session!) }, 5002);
    expect(second.established).toBe(true);
    expect(machine12(second).negotiated?.resumed).toBe(false);
  });

  it('accepts tickets from another server sharing ticketKeys', () => {
    const ticketKeys = new Uint8Array(48).fill(7);
    const a = setup({ crypto: provider, ticketKeys });
    const first = connectOnce(a.net, a.server, { crypto: provider }, 5001);
    const b = setup({ crypto: provider, ticketKeys });
    const second = connectOnce(b.net, b.server, { crypto: provider, session: encodeClientSession(machine12(first).session!) }, 5002);
    expect(machine12(second).negotiated?.resumed).toBe(true);
  });

  it('does a full handshake when the session lifetime is over', () => {
    const { net, server } = setup({ crypto: provider, sessionTimeout: 10 });
    const first = connectOnce(net, server, { crypto: provider }, 5001);
    net.advance(20_000);
    const second = connectOnce(net, server, { crypto: provider, session: encodeClientSession(machine12(first).session!) }, 5002);
    expect(second.established).toBe(true);
    expect(machine12(second).negotiated?.resumed).toBe(false);
  });

  it('completes a resumed handshake when the client\'s last flight is lost once', () => {
    const { net, server } = setup({ crypto: provider });
    const first = connectOnce(net, server, { crypto: provider }, 5001);
    let dropped = 0;
    const addr = { address: CLIENT_ADDR.address, port: 5003 };
    net.link(addr, SERVER_ADDR, { filter: (d) => (d.records.some((r) => r.type === 20) && dropped++ === 0 ? 'drop' : 'pass') });
    const second = connectOnce(net, server, { crypto: provider, session: encodeClientSession(machine12(first).session!) }, 5003);
    expect(dropped).toBeGreaterThan(0);
    net.run({ until: () => server.established >= 2, maxTime: 10_000 });
    expect(machine12(second).negotiated?.resumed).toBe(true);
    expect(server.established).toBe(2);
  });
});
