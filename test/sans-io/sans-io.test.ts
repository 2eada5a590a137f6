/**
 * `puredtls/sans-io`: a SansIoServer and SansIoClient talking through
 * nothing but the datagrams the tests carry between them, with the time the
 * tests give: the handshake, data, close, the stateless cookie exchange,
 * loss and retransmission at `nextTimeout`, asynchronous callbacks, the
 * certificate check, resumption, keying material, bad input and misuse.
 * The API is the same for both protocol versions: the tests run with DTLS
 * 1.3 (what a client offers by default) and with a client held to DTLS 1.2.
 */
import { describe, expect, it } from 'vitest';
import {
  CertificateError, ClosedError, type Datagram, DtlsError, type SansIoEvent, SansIoClient, type SansIoClientOptions, SansIoServer,
  type SansIoServerOptions, type SansIoSession,
} from '../../src/sans-io.js';
import { pki } from '../helpers/pki.js';

const SERVER = { address: '192.0.2.1', port: 4433 };
const CLIENT = { address: '192.0.2.7', port: 50_000 };
const SERVER_OPTIONS: SansIoServerOptions = { key: pki('server-ecdsa-p256.key.pem'), cert: pki('server-ecdsa-p256.crt.pem') };
const CLIENT_OPTIONS: SansIoClientOptions = { ca: pki('ca-bundle.pem'), servername: 'localhost' };
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

/** A server, a client and the wire between them: datagrams carried by hand, time by hand. */
class Pair {
  now = Date.now();
  readonly server: SansIoServer;
  readonly client: SansIoClient;
  readonly serverEvents: SansIoEvent[] = [];
  readonly clientEvents: SansIoEvent[] = [];
  /** Datagrams carried so far, each way. */
  carried = { toServer: 0, toClient: 0 };
  /** Drop the next datagrams of a direction (counted down). */
  drop = { toServer: 0, toClient: 0 };

  constructor(serverOptions: SansIoServerOptions = SERVER_OPTIONS, clientOptions: SansIoClientOptions = CLIENT_OPTIONS, server?: SansIoServer) {
    this.server = server ?? new SansIoServer(serverOptions);
    this.client = new SansIoClient(clientOptions, SERVER, this.now);
  }

  /** Carry datagrams both ways until neither side has any; collect events. */
  settle(): void {
    for (let rounds = 0; rounds < 100; rounds++) {
      this.serverEvents.push(...this.server.takeEvents());
      this.clientEvents.push(...this.client.takeEvents());
      const toServer = this.client.takeDatagrams();
      const toClient = this.server.takeDatagrams().filter((d) => d.address === CLIENT.address && d.port === CLIENT.port);
      if (toServer.length === 0 && toClient.length === 0) return;
      for (const d of toServer) {
        expect(d).toMatchObject(SERVER);
        this.carried.toServer++;
        if (this.drop.toServer > 0) this.drop.toServer--;
        else this.server.receive(d.data, CLIENT.address, CLIENT.port, this.now);
      }
      for (const d of toClient) {
        this.carried.toClient++;
        if (this.drop.toClient > 0) this.drop.toClient--;
        else this.client.receive(d.data, SERVER.address, SERVER.port, this.now);
      }
    }
    throw new Error('the two sides did not settle');
  }

  /** Advance the time to the earlier deadline of the two and fire it. */
  tick(): number {
    const t = [this.server.nextTimeout(), this.client.nextTimeout()].filter((x): x is number => x !== undefined);
    if (t.length === 0) throw new Error('no deadline');
    this.now = Math.max(this.now, Math.min(...t));
    this.server.handleTimeout(this.now);
    this.client.handleTimeout(this.now);
    return this.now;
  }

  serverSession(): SansIoSession {
    const s = this.server.session(CLIENT.address, CLIENT.port);
    if (!s) throw new Error('no server session');
    return s;
  }
}

/** The event types, without the key-log lines every handshake reports. */
const types = (events: SansIoEvent[]) => events.filter((e) => e.type !== 'keylog' && e.type !== 'ticket').map((e) => e.type);

/** What differs between the versions, as a client offering DTLS 1.3 (the default) or held to 1.2 sees it. */
const VERSIONS = [
  {
    name: 'DTLS 1.3', client: {}, protocol: 'DTLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256',
    /** The stateless answer to a hello without a cookie: a HelloRetryRequest (a ServerHello, RFC 9147 §5.1). */
    statelessType: 2,
    keylog: /^(CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0|EXPORTER_SECRET) [0-9a-f]{64} [0-9a-f]{64}\n$/,
  },
  {
    name: 'DTLS 1.2', client: { maxVersion: 'DTLSv1.2' }, protocol: 'DTLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    /** A HelloVerifyRequest (RFC 6347 §4.2.1). */
    statelessType: 3,
    keylog: /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}\n$/,
  },
] as const;

describe.each(VERSIONS)('SansIoServer and SansIoClient, $name', (v) => {
  const clientOptions: SansIoClientOptions = { ...CLIENT_OPTIONS, ...(v.client as SansIoClientOptions) };

  it('saveAssociations / loadAssociations: a new SansIoServer continues the session, no handshake', () => {
    const p = new Pair(SERVER_OPTIONS, clientOptions);
    p.settle();
    const key = new Uint8Array(32).fill(4);
    const blob = p.server.saveAssociations(key, p.now);
    expect(p.server.takeDatagrams()).toEqual([]); // no close_notify
    expect(types(p.server.takeEvents())).toEqual(['close']);
    const next = new SansIoServer(SERVER_OPTIONS);
    expect(next.loadAssociations(blob, key, p.now)).toBe(1);
    const [restored] = next.takeEvents().filter((e) => e.type !== 'keylog');
    expect(restored).toMatchObject({ type: 'secure', session: { address: CLIENT.address, port: CLIENT.port, restored: true, protocol: v.protocol } });
    p.client.send(p.client.session, text('after the restart'), p.now);
    for (const d of p.client.takeDatagrams()) next.receive(d.data, CLIENT.address, CLIENT.port, p.now);
    const data = next.takeEvents().find((e): e is Extract<SansIoEvent, { type: 'data' }> => e.type === 'data')!;
    expect(str(data.data)).toBe('after the restart');
    next.send(data.session, text('echo'), p.now);
    for (const d of next.takeDatagrams()) p.client.receive(d.data, SERVER.address, SERVER.port, p.now);
    expect(p.client.takeEvents().filter((e) => e.type === 'data').map((e) => str((e as { data: Uint8Array }).data))).toEqual(['echo']);
    expect(() => new SansIoServer(SERVER_OPTIONS).loadAssociations(blob, new Uint8Array(32), p.now)).toThrow(expect.objectContaining({ code: 'ERR_DTLS_STATE_AUTH' }));
  });

  it('handshake, a message each way and close_notify, with nothing but datagrams and time', () => {
    const p = new Pair(SERVER_OPTIONS, clientOptions);
    expect(p.client.session.established).toBe(false);
    p.settle();
    expect(types(p.serverEvents)).toEqual(['connection', 'secure']);
    expect(types(p.clientEvents)).toEqual(['secure']);
    expect(p.client.session.established).toBe(true);
    expect(p.client.authorized).toBe(true);
    const s = p.serverSession();
    expect(s).toBe(p.serverEvents.find((e): e is Extract<SansIoEvent, { type: 'secure' }> => e.type === 'secure')?.session);
    expect(s).toMatchObject({ address: CLIENT.address, port: CLIENT.port, established: true, closed: false });
    expect(s.getCipher()).toEqual(p.client.session.getCipher());
    expect(p.client.session.getCipher()?.name).toBe(v.cipher);
    expect([s.protocol, p.client.session.protocol]).toEqual([v.protocol, v.protocol]);
    expect(p.client.session.getPeerCertificate().subject).toMatchObject({ CN: 'localhost' });
    expect([...p.server.sessions()]).toEqual([s]);

    p.client.send(p.client.session, text('ping'), p.now);
    p.settle();
    const got = p.serverEvents.at(-1)!;
    expect(got).toMatchObject({ type: 'data', session: s });
    expect(str((got as { data: Uint8Array }).data)).toBe('ping');
    p.server.send(s, text('pong'), p.now);
    p.settle();
    expect(str((p.clientEvents.at(-1) as { data: Uint8Array }).data)).toBe('pong');

    // Key-log lines (NSS format): the same secrets on both sides.
    const lines = (events: SansIoEvent[]) => events.flatMap((e) => (e.type === 'keylog' ? e.line.split(/(?<=\n)/) : [])).sort();
    expect(lines(p.serverEvents).length).toBeGreaterThan(0);
    expect(lines(p.serverEvents)).toEqual(lines(p.clientEvents));
    for (const l of lines(p.clientEvents)) expect(l).toMatch(v.keylog);
    expect(lines(p.clientEvents).length).toBe(v.protocol === 'DTLSv1.3' ? 5 : 1);
    // The same keys on both ends (RFC 5705).
    expect(s.exportKeyingMaterial(32, 'EXPERIMENTAL-sans-io')).toEqual(p.client.session.exportKeyingMaterial(32, 'EXPERIMENTAL-sans-io'));

    p.client.close(p.client.session, p.now);
    p.settle();
    expect(p.clientEvents.at(-1)).toEqual({ type: 'close', session: p.client.session, wasEstablished: true });
    expect(p.serverEvents.at(-1)).toEqual({ type: 'close', session: s, wasEstablished: true });
    expect(s.closed).toBe(true);
    expect(p.server.size).toBe(0);
    expect(() => p.server.send(s, text('late'), p.now)).toThrow(ClosedError);
  });

  it('answers a ClientHello without a cookie statelessly: one datagram no larger, no session', () => {
    const server = new SansIoServer(SERVER_OPTIONS);
    const client = new SansIoClient(clientOptions, SERVER, 0);
    const [hello, ...rest] = client.takeDatagrams();
    expect(rest).toEqual([]);
    server.receive(hello!.data, CLIENT.address, CLIENT.port, Date.now());
    const out: Datagram[] = server.takeDatagrams();
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject(CLIENT);
    expect(out[0]!.data[0]).toBe(22); // handshake
    expect(out[0]!.data[13]).toBe(v.statelessType); // HelloVerifyRequest (1.2), HelloRetryRequest (1.3)
    expect(out[0]!.data.length).toBeLessThanOrEqual(hello!.data.length);
    expect(server.size).toBe(0);
    expect(server.takeEvents()).toEqual([]);
  });

  it('a lost flight goes again at nextTimeout, and only then', () => {
    const p = new Pair(SERVER_OPTIONS, clientOptions);
    p.drop.toServer = 1; // the first ClientHello
    p.settle();
    expect(p.clientEvents).toEqual([]);
    const deadline = p.client.nextTimeout()!;
    expect(deadline - p.now).toBe(1000); // the first retransmission timer (RFC 6347 §4.2.4.1)
    // Before the deadline, nothing is sent.
    p.client.handleTimeout(deadline - 1);
    expect(p.client.takeDatagrams()).toEqual([]);
    p.tick();
    p.settle();
    expect(types(p.clientEvents)).toEqual(['secure']);
    expect(p.carried.toServer).toBeGreaterThan(3);
  });

  it('fails a handshake that gets no answer at the handshake timeout, through handleTimeout alone', () => {
    const client = new SansIoClient({ ...clientOptions, handshakeTimeout: 5000 }, SERVER, 0);
    let now = 0;
    const sent: number[] = [];
    for (let i = 0; i < 50 && !client.session.closed; i++) {
      sent.push(client.takeDatagrams().length);
      now = client.nextTimeout()!;
      client.handleTimeout(now);
    }
    const events = client.takeEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'close', wasEstablished: false });
    expect((events[0] as { error: DtlsError }).error.code).toBe('ERR_DTLS_HANDSHAKE_TIMEOUT');
    expect(now).toBe(5000);
    expect(client.nextTimeout()).toBeUndefined();
    expect(sent.filter((n) => n > 0).length).toBeGreaterThan(1); // retransmitted before giving up
  });

  it('never throws on bad input; reports drops; keeps serving', () => {
    const p = new Pair(SERVER_OPTIONS, clientOptions);
    const garbage = [new Uint8Array(0), Uint8Array.of(22), Uint8Array.of(22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff), new Uint8Array(1500).fill(0xa5)];
    for (const g of garbage) {
      expect(() => p.server.receive(g, '198.51.100.9', 9, p.now)).not.toThrow();
      expect(() => p.client.receive(g, SERVER.address, SERVER.port, p.now)).not.toThrow();
    }
    expect(p.server.takeDatagrams()).toEqual([]);
    expect(p.server.takeEvents().every((e) => e.type === 'drop')).toBe(true);
    expect(p.server.size).toBe(0);
    p.client.takeEvents();
    p.settle();
    expect(types(p.clientEvents)).toEqual(['secure']);
  });

  it("an asynchronous pskCallback is a 'wait' event; resume() continues the handshake", async () => {
    const key = text('sixteen byte key');
    let release: (() => void) | undefined;
    const p = new Pair(
      { pskCallback: (identity) => new Promise((resolve) => { release = () => resolve(identity === 'device-1' ? key : null); }) },
      { psk: { identity: 'device-1', key }, ...(v.client as SansIoClientOptions) },
    );
    p.settle();
    const wait = p.serverEvents.find((e) => e.type === 'wait');
    expect(wait).toBeDefined();
    expect(p.client.session.established).toBe(false);
    release!();
    await (wait as { settled: Promise<void> }).settled;
    p.server.resume(wait!.session as SansIoSession, p.now);
    p.settle();
    expect(p.client.session.established).toBe(true);
    expect(p.serverSession().negotiated?.pskIdentity).toBe('device-1');
  });

  it("checks the server's certificate: an unknown CA fails the client with CertificateError, rejectUnauthorized: false goes on unauthorized", () => {
    const untrusted: SansIoClientOptions = { ca: pki('ca-untrusted.crt.pem'), servername: 'localhost', ...(v.client as SansIoClientOptions) };
    const refused = new Pair(SERVER_OPTIONS, untrusted);
    refused.settle();
    const close = refused.clientEvents.at(-1) as Extract<SansIoEvent, { type: 'close' }>;
    expect(close.type).toBe('close');
    expect(close.error).toBeInstanceOf(CertificateError);
    expect(close.error?.code).toBe('ERR_DTLS_CERT_UNTRUSTED');
    expect(refused.client.authorized).toBe(false);

    const lenient = new Pair(SERVER_OPTIONS, { ...untrusted, rejectUnauthorized: false });
    lenient.settle();
    expect(lenient.client.session.established).toBe(true);
    expect(lenient.client.authorized).toBe(false);
    expect(lenient.client.authorizationError?.code).toBe('ERR_DTLS_CERT_UNTRUSTED');

    // Without servername, the name checked is the server's address: the test certificate has no 192.0.2.1.
    const byAddress = new Pair(SERVER_OPTIONS, { ca: pki('ca-bundle.pem'), ...(v.client as SansIoClientOptions) });
    byAddress.settle();
    expect((byAddress.clientEvents.at(-1) as { error?: DtlsError }).error?.code).toBe('ERR_DTLS_CERT_NAME_MISMATCH');
  });

  it('resumes with getSession()', () => {
    const first = new Pair(SERVER_OPTIONS, clientOptions);
    first.settle();
    const session = first.client.getSession();
    expect(session).toBeInstanceOf(Uint8Array);
    const second = new Pair(SERVER_OPTIONS, { ...clientOptions, session }, first.server);
    second.settle();
    expect(second.client.session.established).toBe(true);
    expect(second.client.session.negotiated?.resumed).toBe(true);
  });

  it('messages a client sends before the handshake completed go out after it, in order', () => {
    const p = new Pair(SERVER_OPTIONS, clientOptions);
    p.client.send(p.client.session, text('one'), p.now);
    p.client.send(p.client.session, text('two'), p.now);
    p.settle();
    const data = p.serverEvents.filter((e) => e.type === 'data').map((e) => str((e as { data: Uint8Array }).data));
    expect(data).toEqual(['one', 'two']);
  });

  it('refuses misuse: a session of another core, a socket option; takes openssl-dtls socket: null', () => {
    const a = new Pair(SERVER_OPTIONS, clientOptions);
    const b = new Pair(SERVER_OPTIONS, clientOptions);
    a.settle();
    b.settle();
    expect(() => a.server.send(b.serverSession(), text('x'), a.now)).toThrow(TypeError);
    expect(() => a.client.send(b.client.session, text('x'), a.now)).toThrow(TypeError);
    expect(() => new SansIoServer({ ...SERVER_OPTIONS, socket: {} } as SansIoServerOptions)).toThrow(expect.objectContaining({ code: 'ERR_DTLS_INVALID_OPTION' }));
    expect(() => new SansIoServer({ ...SERVER_OPTIONS, mtu: -1 })).toThrow(DtlsError);
    expect(() => new SansIoServer({ ...SERVER_OPTIONS, socket: null } as SansIoServerOptions)).not.toThrow();
    expect(() => new SansIoClient({ ...clientOptions, socket: {} } as SansIoClientOptions, SERVER, 0)).toThrow(expect.objectContaining({ code: 'ERR_DTLS_INVALID_OPTION' }));
  });

  it('closeAll sends close_notify to every established peer', () => {
    const p = new Pair(SERVER_OPTIONS, clientOptions);
    p.settle();
    p.server.closeAll(p.now);
    p.settle();
    expect(p.clientEvents.at(-1)).toMatchObject({ type: 'close', wasEstablished: true });
    expect(p.server.size).toBe(0);
  });
});
