import { describeDatagram } from '../../src/testing/describe.js';
import type { NetAddress, NetNode, OutgoingDatagram } from '../../src/testing/network.js';

export const A: NetAddress = { address: '10.0.0.1', port: 1000 };
export const B: NetAddress = { address: '10.0.0.2', port: 2000 };
export const C: NetAddress = { address: '10.0.0.3', port: 3000 };

export const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Base class: an outbox drained by the network. */
export class BaseNode implements NetNode {
  protected out: OutgoingDatagram[] = [];
  receive(_data: Uint8Array, _from: NetAddress, _now: number): void {}
  onTimeout(_now: number): void {}
  nextTimeout(): number | undefined {
    return undefined;
  }
  takeOutgoing(): OutgoingDatagram[] {
    const o = this.out;
    this.out = [];
    return o;
  }
  send(to: NetAddress, data: Uint8Array): void {
    this.out.push({ to, data });
  }
}

/** Records every datagram it receives. */
export class Recorder extends BaseNode {
  readonly got: { data: Uint8Array; from: NetAddress; now: number }[] = [];
  override receive(data: Uint8Array, from: NetAddress, now: number): void {
    this.got.push({ data, from, now });
  }
  get texts(): string[] {
    return this.got.map((g) => str(g.data));
  }
}

/** Sends every datagram back to its sender. */
export class Echo extends Recorder {
  override receive(data: Uint8Array, from: NetAddress, now: number): void {
    super.receive(data, from, now);
    this.send(from, data);
  }
}

/** Sends scheduled datagrams at given virtual times (uses its timer). */
export class Scheduled extends Recorder {
  private plan: { at: number; to: NetAddress; data: Uint8Array }[];
  readonly timeouts: number[] = [];
  constructor(plan: { at: number; to: NetAddress; data: Uint8Array }[]) {
    super();
    this.plan = [...plan].sort((x, y) => x.at - y.at);
  }
  override nextTimeout(): number | undefined {
    return this.plan[0]?.at;
  }
  override onTimeout(now: number): void {
    this.timeouts.push(now);
    while (this.plan.length > 0 && (this.plan[0] as { at: number }).at <= now) {
      const p = this.plan.shift() as { to: NetAddress; data: Uint8Array };
      this.send(p.to, p.data);
    }
  }
}

/**
 * Sends "ping" to a peer and retransmits on a doubling timer (1 s, 2 s, ...)
 * until it gets "pong": the shape of DTLS flight retransmission.
 */
export class Resender extends Recorder {
  sentAt: number[] = [];
  timeoutsAt: number[] = [];
  done = false;
  private deadline: number | undefined;
  private rto = 1000;
  constructor(private readonly peer: NetAddress, private readonly maxRto = 60_000) {
    super();
  }
  start(now: number): void {
    this.transmit(now);
  }
  private transmit(now: number): void {
    this.sentAt.push(now);
    this.send(this.peer, text('ping'));
    this.deadline = now + this.rto;
  }
  override receive(data: Uint8Array, from: NetAddress, now: number): void {
    super.receive(data, from, now);
    if (str(data) === 'pong') {
      this.done = true;
      this.deadline = undefined;
    }
  }
  override nextTimeout(): number | undefined {
    return this.deadline;
  }
  override onTimeout(now: number): void {
    this.timeoutsAt.push(now);
    if (this.done) return;
    this.rto = Math.min(this.rto * 2, this.maxRto);
    this.transmit(now);
  }
}

/** Answers "ping" with "pong". */
export class Ponger extends Recorder {
  override receive(data: Uint8Array, from: NetAddress, now: number): void {
    super.receive(data, from, now);
    if (str(data) === 'ping') this.send(from, text('pong'));
  }
}

// ---- DTLS byte builders ---------------------------------------------------

export function record(type: number, epoch: number, seq: number, payload: Uint8Array, version = 0xfefd): Uint8Array {
  const out = new Uint8Array(13 + payload.length);
  out[0] = type;
  out[1] = version >> 8;
  out[2] = version & 0xff;
  out[3] = epoch >> 8;
  out[4] = epoch & 0xff;
  const hi = Math.floor(seq / 0x1_0000_0000);
  const lo = seq >>> 0;
  out[5] = (hi >> 8) & 0xff;
  out[6] = hi & 0xff;
  out[7] = lo >>> 24;
  out[8] = (lo >>> 16) & 0xff;
  out[9] = (lo >>> 8) & 0xff;
  out[10] = lo & 0xff;
  out[11] = payload.length >> 8;
  out[12] = payload.length & 0xff;
  out.set(payload, 13);
  return out;
}

export function handshake(
  msgType: number,
  messageSeq: number,
  body: Uint8Array,
  frag: { offset?: number; total?: number } = {},
): Uint8Array {
  const offset = frag.offset ?? 0;
  const total = frag.total ?? body.length;
  const out = new Uint8Array(12 + body.length);
  out[0] = msgType;
  out[1] = total >> 16;
  out[2] = (total >> 8) & 0xff;
  out[3] = total & 0xff;
  out[4] = messageSeq >> 8;
  out[5] = messageSeq & 0xff;
  out[6] = offset >> 16;
  out[7] = (offset >> 8) & 0xff;
  out[8] = offset & 0xff;
  out[9] = body.length >> 16;
  out[10] = (body.length >> 8) & 0xff;
  out[11] = body.length & 0xff;
  out.set(body, 12);
  return out;
}

export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A plausible ClientHello body with the given session id and cookie. */
export function clientHelloBody(cookie: Uint8Array, sessionId: Uint8Array = new Uint8Array(0)): Uint8Array {
  return cat(
    bytes(0xfe, 0xfd),
    new Uint8Array(32).fill(7),
    bytes(sessionId.length),
    sessionId,
    bytes(cookie.length),
    cookie,
    bytes(0, 2, 0xc0, 0x2b), // cipher suites
    bytes(1, 0), // compression
  );
}

// ---- a toy DTLS-shaped handshake (real record framing, fake crypto) -----------

const HS = 22;
const CCS = 20;

/** Client: flight 1, 3, 5 with retransmission on a doubling timer. */
export class ToyClient extends BaseNode {
  state: 'idle' | 'wait-hvr' | 'wait-f4' | 'wait-f6' | 'done' = 'idle';
  private flight: Uint8Array[] = [];
  private deadline: number | undefined;
  private rto = 1000;
  private seq = 0;
  private readonly f4 = new Set<string>();
  transmissions = 0;
  constructor(private readonly server: NetAddress) {
    super();
  }
  start(now: number): void {
    this.state = 'wait-hvr';
    this.setFlight([record(HS, 0, this.seq++, handshake(1, 0, clientHelloBody(new Uint8Array(0))))], now);
  }
  private setFlight(dgs: Uint8Array[], now: number): void {
    this.flight = dgs;
    this.rto = 1000;
    this.transmit(now);
  }
  private transmit(now: number): void {
    this.transmissions++;
    for (const d of this.flight) this.send(this.server, d);
    this.deadline = now + this.rto;
  }
  override receive(data: Uint8Array, _from: NetAddress, now: number): void {
    const recs = describeDatagram(data);
    if (recs.some((r) => r.malformed)) return;
    const msgs = recs.flatMap((r) => r.handshake ?? []);
    if (this.state === 'wait-hvr' && msgs.some((m) => m.name === 'hello_verify_request')) {
      this.state = 'wait-f4';
      this.setFlight([record(HS, 0, this.seq++, handshake(1, 1, clientHelloBody(new Uint8Array(8).fill(1))))], now);
    } else if (this.state === 'wait-f4') {
      for (const m of msgs) if (m.messageSeq >= 1 && m.messageSeq <= 4) this.f4.add(`${m.messageSeq}/${m.fragmentOffset}`);
      if (this.f4.size === 5) {
        this.state = 'wait-f6';
        this.setFlight(
          [
            cat(
              record(HS, 0, this.seq++, handshake(16, 2, new Uint8Array(33))),
              record(CCS, 0, this.seq++, bytes(1)),
              record(HS, 1, 0, new Uint8Array(40)),
            ),
          ],
          now,
        );
      }
    } else if (this.state === 'wait-f6' && recs.some((r) => r.type === HS && r.epoch === 1)) {
      this.state = 'done';
      this.deadline = undefined;
    }
  }
  override nextTimeout(): number | undefined {
    return this.deadline;
  }
  override onTimeout(now: number): void {
    this.rto = Math.min(this.rto * 2, 60_000);
    this.transmit(now);
  }
}

/** Server: HVR statelessly, flight 4 in three datagrams (certificate fragmented), flight 6. */
export class ToyServer extends BaseNode {
  private readonly peers = new Map<
    string,
    { addr: NetAddress; state: 'wait-f5' | 'done'; deadline: number | undefined; rto: number; seq: number }
  >();
  completed = 0;
  override receive(data: Uint8Array, from: NetAddress, now: number): void {
    const recs = describeDatagram(data);
    if (recs.some((r) => r.malformed)) return;
    const key = `${from.address}:${from.port}`;
    const msgs = recs.flatMap((r) => r.handshake ?? []);
    const ch = msgs.find((m) => m.name === 'client_hello');
    let p = this.peers.get(key);
    if (ch?.cookieLength === 0) {
      this.send(from, record(HS, 0, 0, handshake(3, 0, cat(bytes(0xfe, 0xff, 8), new Uint8Array(8).fill(1)))));
    } else if (ch !== undefined && (ch.cookieLength ?? 0) > 0) {
      if (!p) {
        p = { addr: from, state: 'wait-f5', deadline: undefined, rto: 1000, seq: 1 };
        this.peers.set(key, p);
      }
      if (p.state === 'wait-f5') this.flight4(p, now);
    } else if (p && msgs.some((m) => m.name === 'client_key_exchange')) {
      if (p.state === 'wait-f5') this.completed++;
      p.state = 'done';
      p.deadline = undefined;
      this.send(from, cat(record(CCS, 0, p.seq++, bytes(1)), record(HS, 1, 0, new Uint8Array(40))));
    }
  }
  private flight4(p: { addr: NetAddress; deadline: number | undefined; rto: number; seq: number }, now: number): void {
    this.send(
      p.addr,
      cat(
        record(HS, 0, p.seq++, handshake(2, 1, new Uint8Array(70))),
        record(HS, 0, p.seq++, handshake(11, 2, new Uint8Array(100), { offset: 0, total: 180 })),
      ),
    );
    this.send(p.addr, record(HS, 0, p.seq++, handshake(11, 2, new Uint8Array(80), { offset: 100, total: 180 })));
    this.send(
      p.addr,
      cat(
        record(HS, 0, p.seq++, handshake(12, 3, new Uint8Array(100))),
        record(HS, 0, p.seq++, handshake(14, 4, new Uint8Array(0))),
      ),
    );
    p.deadline = now + p.rto;
  }
  override nextTimeout(): number | undefined {
    let d: number | undefined;
    for (const p of this.peers.values()) if (p.deadline !== undefined && (d === undefined || p.deadline < d)) d = p.deadline;
    return d;
  }
  override onTimeout(now: number): void {
    for (const p of this.peers.values()) {
      if (p.deadline !== undefined && p.deadline <= now) {
        p.rto = Math.min(p.rto * 2, 60_000);
        this.flight4(p, now);
      }
    }
  }
}
