/**
 * Issue 8: servers that share `cookieSecret` and `ticketKeys` accept each other's
 * cookies and tickets, so a client may move between workers (or machines) between
 * its two ClientHellos, or between two connections. Deterministic, on the virtual
 * network, with a "balancer" node that decides which of two servers each datagram
 * reaches (what a change in the SO_REUSEPORT group or a load balancer would do).
 */
import { describe, expect, it } from 'vitest';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { HandshakeType, describeDatagram } from '../../src/testing/describe.js';
import { type NetAddress, type NetNode, type OutgoingDatagram, VirtualNetwork } from '../../src/testing/network.js';
import { encodeClientSession } from '../../src/handshake/session.js';
import type { ServerOptions } from '../../src/options.js';
import { CLIENT_ADDR, SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import { machine12 } from '../helpers/v12.js';

const COOKIE_SECRET = new Uint8Array(32).fill(0x5c);
const TICKET_KEYS = new Uint8Array(48).fill(0x3a);

/** Two servers behind one address; `pick` chooses the one for each incoming datagram (its index counts from 0). */
class Balancer implements NetNode {
  /** HelloVerifyRequests each server sent. */
  readonly hvrs = [0, 0];
  private received = 0;
  constructor(readonly servers: [DtlsServerNode, DtlsServerNode], public pick: (index: number, from: NetAddress) => 0 | 1) {}

  receive(data: Uint8Array, from: NetAddress, now: number): void {
    this.servers[this.pick(this.received++, from)].receive(data, from, now);
  }
  onTimeout(now: number): void {
    for (const s of this.servers) {
      const t = s.nextTimeout();
      if (t !== undefined && t <= now) s.onTimeout(now);
    }
  }
  nextTimeout(): number | undefined {
    const ts = this.servers.map((s) => s.nextTimeout()).filter((t): t is number => t !== undefined);
    return ts.length ? Math.min(...ts) : undefined;
  }
  takeOutgoing(): OutgoingDatagram[] {
    return this.servers.flatMap((s, i) => {
      const out = s.takeOutgoing();
      for (const o of out) {
        if (describeDatagram(o.data).some((r) => r.handshake?.some((h) => h.msgType === HandshakeType.hello_verify_request))) this.hvrs[i]!++;
      }
      return out;
    });
  }
}

function setup(a: Partial<ServerOptions>, b: Partial<ServerOptions>, pick: Balancer['pick']) {
  const net = new VirtualNetwork({ seed: 8 });
  const servers: [DtlsServerNode, DtlsServerNode] = [
    new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), ...a }),
    new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), ...b }),
  ];
  const balancer = new Balancer(servers, pick);
  net.attach(SERVER_ADDR, balancer, { role: 'server', name: 'balancer' });
  return { net, servers, balancer };
}

let nextPort = 50_000;
function connect(net: VirtualNetwork, session?: Uint8Array): DtlsClientNode {
  const client = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost', ...(session && { session }) }, SERVER_ADDR, net.now);
  net.attach({ address: CLIENT_ADDR.address, port: nextPort++ }, client, { role: 'client' });
  client.send(new TextEncoder().encode('ping'), net.now);
  net.run({ until: () => (client.established && client.received.length > 0) || client.closed, maxTime: 30_000 });
  return client;
}

const shared = { cookieSecret: COOKIE_SECRET, ticketKeys: TICKET_KEYS };
/** The first datagram (the ClientHello without a cookie) to server A, every later one to B. */
const helloToA = (i: number): 0 | 1 => (i === 0 ? 0 : 1);

describe('workers sharing cookieSecret and ticketKeys', () => {
  it('B accepts the cookie in a HelloVerifyRequest from A, and completes the handshake', () => {
    const { net, servers: [a, b], balancer } = setup(shared, shared, helloToA);
    const client = connect(net);
    expect(client.established).toBe(true);
    expect(client.received.map((d) => new TextDecoder().decode(d))).toEqual(['ping']);
    expect(balancer.hvrs).toEqual([1, 0]); // A sent the HVR; B took its cookie without one of its own
    expect(a.endpoint.size).toBe(0); // A kept no state: the cookie exchange is stateless
    expect(a.established).toBe(0);
    expect(b.established).toBe(1);
  });

  it('without a shared cookieSecret, B rejects the cookie and sends its own HVR', () => {
    const { net, servers: [, b], balancer } = setup({ cookieSecret: COOKIE_SECRET }, { cookieSecret: new Uint8Array(32).fill(1) }, helloToA);
    const client = connect(net);
    expect(balancer.hvrs).toEqual([1, 1]);
    expect(client.established).toBe(true); // its third ClientHello carries B's cookie
    expect(b.established).toBe(1);
  });

  it('B resumes a session whose ticket A issued, the cookie from A as well', () => {
    const { net, servers: [a, b], balancer } = setup(shared, shared, () => 0);
    const first = connect(net);
    expect(first.established).toBe(true);
    const session = machine12(first).session!;
    expect(session.ticket?.length).toBeGreaterThan(0);
    expect(a.established).toBe(1);

    // The second connection's first ClientHello reaches A (HVR), everything after reaches B.
    let base = -1;
    balancer.pick = (i) => {
      if (base < 0) base = i;
      return i === base ? 0 : 1;
    };
    const second = connect(net, encodeClientSession(session));
    expect(second.established).toBe(true);
    expect(machine12(second).negotiated?.resumed).toBe(true);
    expect(machine12(second).negotiated?.authorized).toBe(true);
    expect(balancer.hvrs).toEqual([2, 0]);
    expect(b.established).toBe(1);
  });

  it('without shared ticketKeys, B falls back to a full handshake', () => {
    const { net, servers: [, b], balancer } = setup(
      { cookieSecret: COOKIE_SECRET, ticketKeys: TICKET_KEYS }, { cookieSecret: COOKIE_SECRET, ticketKeys: new Uint8Array(48).fill(2) }, () => 0,
    );
    const first = connect(net);
    balancer.pick = () => 1;
    const second = connect(net, encodeClientSession(machine12(first).session!));
    expect(second.established).toBe(true);
    expect(machine12(second).negotiated?.resumed).toBe(false);
    expect(b.established).toBe(1);
  });

  it('when the worker holding an association dies, its records go nowhere, and the client resumes on the other', () => {
    const { net, servers: [a, b], balancer } = setup(shared, shared, () => 0);
    const client = connect(net);
    expect(client.established).toBe(true);

    // A is gone: the kernel (or balancer) now hands this 4-tuple to B, which has no association for it.
    balancer.pick = () => 1;
    const before = client.received.length;
    client.send(new TextEncoder().encode('lost'), net.now);
    net.run({ maxTime: 5_000 });
    expect(client.received.length).toBe(before); // B drops application data of an association it never had
    expect(b.endpoint.size).toBe(0);
    expect(a.established).toBe(1);

    // The application reconnects with its session: an abbreviated handshake on B.
    const again = connect(net, encodeClientSession(machine12(client).session!));
    expect(again.established).toBe(true);
    expect(machine12(again).negotiated?.resumed).toBe(true);
    expect(b.established).toBe(1);
  });
});
