import { describe, expect, it } from 'vitest';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { CLIENT_ADDR, PROVIDERS, SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';

const te = new TextEncoder();
const td = new TextDecoder();
const NEW_ADDR = { address: '10.0.9.9', port: 41000 };
const ATTACKER = { address: '10.6.6.6', port: 666 };

function setup(provider = PROVIDERS[0]!, client: { connectionId?: number } = { connectionId: 4 }) {
  const net = new VirtualNetwork({ seed: 3 });
  const seen: { from: string; types: number[] }[] = [];
  const tap = (d: { from: { port: number }; records: { type: number }[] }) => {
    seen.push({ from: String(d.from.port), types: d.records.map((r) => r.type) });
    return 'pass' as const;
  };
  net.link(CLIENT_ADDR, SERVER_ADDR, { filter: tap });
  net.link(NEW_ADDR, SERVER_ADDR, { filter: tap });
  const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), crypto: provider, connectionId: 8 });
  const cli = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost', crypto: provider, ...client }, SERVER_ADDR);
  net.attach(SERVER_ADDR, server, { role: 'server' });
  const handle = net.attach(CLIENT_ADDR, cli, { role: 'client' });
  net.run({ until: () => cli.established && server.established > 0, maxTime: 10_000 });
  return { net, server, cli, handle, seen };
}

function roundTrip(s: ReturnType<typeof setup>, text: string): boolean {
  const before = s.cli.received.length;
  s.cli.send(te.encode(text), s.net.now);
  s.net.run({ until: () => s.cli.received.length > before, maxTime: 3000 });
  return s.cli.received.slice(before).some((m) => td.decode(m) === text);
}

describe.each(PROVIDERS)('Connection ID (RFC 9146) with the $name provider', (provider) => {
  it('negotiates CIDs and sends tls12_cid records after the handshake', () => {
    const s = setup(provider);
    const ids = s.cli.machine.negotiated?.connectionIds;
    expect(ids?.ours).toHaveLength(4);
    expect(ids?.peers).toHaveLength(8);
    expect(roundTrip(s, 'hello')).toBe(true);
    const last = s.seen[s.seen.length - 1]!;
    expect(last.types).toEqual([25]);
  });

  it('keeps the session when the client\'s address changes, after a return routability check (NET-12)', () => {
    const s = setup(provider);
    expect(roundTrip(s, 'before')).toBe(true);
    // NAT rebinding: the client now appears at another address and port.
    s.handle.detach();
    s.net.attach(NEW_ADDR, s.cli, { role: 'client' });
    s.cli.send(te.encode('moved'), s.net.now);
    s.net.run({ maxTime: 1000 });
    const assoc = [...s.server.endpoint.associations()][0]!;
    expect(assoc.address).toBe(NEW_ADDR.address);
    expect(assoc.port).toBe(NEW_ADDR.port);
    expect(s.server.events.some((e) => e.type === 'migrate')).toBe(true);
    expect(roundTrip(s, 'after')).toBe(true);
    expect(s.server.endpoint.size).toBe(1);
  });

  it('does not move the peer for a replayed record from another address', () => {
    const s = setup(provider);
    const captured: Uint8Array[] = [];
    s.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: (d) => { captured.push(d.data.slice()); return 'pass'; } });
    expect(roundTrip(s, 'one')).toBe(true);
    s.net.inject(ATTACKER, SERVER_ADDR, captured[captured.length - 1]!);
    s.net.run({ maxTime: 500 });
    const assoc = [...s.server.endpoint.associations()][0]!;
    expect(assoc.port).toBe(CLIENT_ADDR.port);
    expect(roundTrip(s, 'two')).toBe(true);
  });

  it('does not move the peer for a forged record with the right CID', () => {
    const s = setup(provider);
    const cid = s.cli.machine.negotiated!.connectionIds!.peers;
    const forged = new Uint8Array(13 + cid.length + 40);
    forged.set([25, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0x10, 0]);
    forged.set(cid, 11);
    forged[11 + cid.length] = 0;
    forged[12 + cid.length] = 40;
    s.net.inject(ATTACKER, SERVER_ADDR, forged);
    s.net.run({ maxTime: 500 });
    expect([...s.server.endpoint.associations()][0]!.port).toBe(CLIENT_ADDR.port);
    expect(roundTrip(s, 'still')).toBe(true);
  });

  it('drops a record whose CID was corrupted, before the genuine copy (NET-12)', () => {
    const s = setup(provider);
    let corrupt = true;
    s.net.link(CLIENT_ADDR, SERVER_ADDR, {
      filter: (d) => {
        if (corrupt && d.data[0] === 25) {
          corrupt = false;
          const bad = d.data.slice();
          bad[11]! ^= 0xff;
          return { replace: [bad, d.data] };
        }
        return 'pass';
      },
    });
    expect(roundTrip(s, 'x')).toBe(true);
    expect(corrupt).toBe(false);
    expect(s.server.events.some((e) => e.type === 'drop' && e.reason === 'unknown cid')).toBe(true);
    expect(s.server.endpoint.size).toBe(1);
  });

  it('works with an empty client CID (the client sends CIDs, the server needs none to reach it)', () => {
    const s = setup(provider, { connectionId: 0 });
    expect(s.cli.machine.negotiated?.connectionIds?.ours).toHaveLength(0);
    expect(roundTrip(s, 'empty')).toBe(true);
  });
});
