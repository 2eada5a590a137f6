/**
 * DTLS 1.3 associations for the robustness tests: pairs whose client
 * requires 1.3 (on either crypto provider), the 1.3 cores of both sides,
 * a peer that sends crafted but authenticated records (the genuine peer's
 * record layer seals them), and a tap on `puredtls:record:out` that says
 * which records each datagram carries — 1.3 records are encrypted, so the
 * network's own description cannot.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { expect, onTestFailed } from 'vitest';
import { Reader } from '../../../src/codec/reader.js';
import { encode } from '../../../src/codec/writer.js';
import type { CryptoProvider } from '../../../src/crypto/provider.js';
import { Connection13 } from '../../../src/dtls13/connection13.js';
import { encodePlaintextRecord13, parseDatagram13 } from '../../../src/dtls13/record.js';
import type { AssociationCore } from '../../../src/endpoint/endpoint.js';
import { decodeHandshakeFragment, encodeHandshakeFragment } from '../../../src/handshake/header.js';
import { ContentType } from '../../../src/record/content-type.js';
import type { RecordTrace } from '../../../src/trace.js';
import type { DatagramInfo, NetAddress, NetNode, OutgoingDatagram } from '../../../src/testing/network.js';
import { CLIENT_ADDR, PROVIDERS, type PairOptions, SERVER_ADDR, pair } from '../../helpers/net.js';

export type Pair13 = ReturnType<typeof pair>;

/** Both crypto providers, named for test titles. */
export const PROVIDERS13: readonly (readonly [string, CryptoProvider])[] = [['node:crypto', PROVIDERS[0]!], ['@noble', PROVIDERS[1]!]];

/** A pair whose client requires DTLS 1.3; it logs its network when the test fails. */
export function pair13(o: PairOptions = {}): Pair13 {
  const p = pair({ log: true, ...o, client: { minVersion: 'DTLSv1.3', maxVersion: 'DTLSv1.3', ...o.client } });
  onTestFailed(() => {
    console.log(`client: ${p.client.error?.code ?? '-'} ${p.client.error?.message ?? ''} (state ${p.client.conn.handshakeState})\n`
      + `server errors: ${p.server.errors.map((e) => `${e.code} ${e.message}`).join('; ')}\n${p.net.formatLog({ last: 60 })}`);
  });
  return p;
}

/** Run until both sides are done (the server saw the client's Finished), or `maxTime`. */
export function handshake13(p: Pair13, maxTime = 60_000): boolean {
  p.net.run({ until: () => (p.client.established && p.server.established > 0) || p.client.closed, maxTime });
  return p.client.established && p.server.established > 0;
}

/** A pair that completed a DTLS 1.3 handshake. */
export function established13(o: PairOptions = {}): Pair13 {
  const p = pair13(o);
  expect(handshake13(p), 'DTLS 1.3 handshake').toBe(true);
  expect(conn13(p.client.conn).isEstablished).toBe(true);
  return p;
}

/** The DTLS 1.3 core of an association. */
export function conn13(c: AssociationCore | undefined): Connection13 {
  if (!(c instanceof Connection13)) throw new Error('expected a DTLS 1.3 association');
  return c;
}

/** The server's 1.3 association with the test client. */
export function serverConn13(p: Pair13, addr: NetAddress = CLIENT_ADDR): Connection13 {
  return conn13(p.server.endpoint.get(addr.address, addr.port)?.conn);
}

/** A handshake message as one unfragmented DTLS handshake fragment (header + body). */
export function handshakeMessage(msgType: number, messageSeq: number, body: Uint8Array): Uint8Array {
  return encode((w) => encodeHandshakeFragment(w, msgType, body.length, messageSeq, 0, body));
}

/**
 * One record sealed by `conn` (the genuine peer's record layer, so the other
 * side authenticates it): a crafted record only a peer holding the keys can
 * make. Default epoch: the current write epoch.
 */
export function sealed(conn: Connection13, type: number, data: Uint8Array, epoch?: number): Uint8Array {
  const rec = conn.records.seal(type, data, epoch);
  if (rec === null) throw new Error('the key may seal no more');
  return rec;
}

/** What a datagram carried, as the sender sealed it. */
export interface Tapped {
  readonly time: number;
  readonly fromServer: boolean;
  readonly size: number;
  readonly records: readonly RecordTrace[];
}

/**
 * Which records each datagram carries. Subscribes to `puredtls:record:out`
 * (the record layer traces every record it seals, the server's stateless
 * HelloRetryRequest included), queues the traces per sender, and gives each
 * datagram the next traces for as many records as it parses into. Use its
 * `filter` in a link (it passes everything) and `close()` it at the end.
 */
export class RecordTap {
  readonly datagrams: Tapped[] = [];
  private readonly queues = new Map<string, RecordTrace[]>();
  private readonly onRecord = (m: unknown) => {
    const t = m as RecordTrace;
    const key = t.connection.replace(' (stateless)', '');
    const q = this.queues.get(key) ?? [];
    q.push(t);
    this.queues.set(key, q);
  };

  /** `cidLength`: the connection IDs' length, when the datagrams carry them (both sides alike). */
  constructor(private readonly server: NetAddress = SERVER_ADDR, private readonly cidLength = 0) {
    subscribe('puredtls:record:out', this.onRecord);
  }

  /** A datagram filter that records and passes everything. */
  readonly filter = (dg: DatagramInfo): 'pass' => {
    const fromServer = dg.from.address === this.server.address && dg.from.port === this.server.port;
    const peer = fromServer ? dg.to : dg.from;
    const key = fromServer ? `server ${peer.address}:${peer.port}` : `client ${this.server.address}:${this.server.port}`;
    const n = parseDatagram13(dg.data, this.cidLength).records.length;
    const q = this.queues.get(key) ?? [];
    this.datagrams.push({ time: dg.time, fromServer, size: dg.data.length, records: q.splice(0, n) });
    return 'pass';
  };

  /** Datagrams of one side, optionally from a time on. */
  from(side: 'server' | 'client', since = -Infinity): Tapped[] {
    return this.datagrams.filter((d) => d.fromServer === (side === 'server') && d.time >= since);
  }

  close(): void {
    unsubscribe('puredtls:record:out', this.onRecord);
  }
}

/** Record types of a datagram, e.g. `['handshake', 'ack']`. */
export const typesOf = (d: Tapped): string[] => d.records.map((r) => r.type);
/** Whether a datagram carries only ACK records. */
export const ackOnly = (d: Tapped): boolean => d.records.length > 0 && d.records.every((r) => r.type === 'ack');
/** Handshake messages (with offsets) a datagram carries, e.g. `certificate@0+863`. */
export const fragmentsIn = (d: Tapped): string[] =>
  d.records.flatMap((r) => (r.fragments ?? []).map((f) => `${f.message}@${f.offset}+${f.length}`));

export { CLIENT_ADDR, SERVER_ADDR };

/**
 * After a test called into a connection directly (e.g. `updateKeys`): move
 * what the client's and the server's association queued out to the network.
 */
export function collect(p: Pair13, addr: NetAddress = CLIENT_ADDR): void {
  p.client.resume(p.net.now);
  const a = p.server.endpoint.get(addr.address, addr.port);
  if (a) p.server.endpoint.resume(a, p.net.now);
  p.server.flush();
}

/**
 * Rewrite the plaintext handshake messages of a datagram: each epoch-0
 * record holding whole messages is re-framed with `edit(msgType, body)`
 * (return the body unchanged to keep it); everything else passes as is.
 */
export function rewritePlaintext(data: Uint8Array, edit: (msgType: number, body: Uint8Array) => Uint8Array): Uint8Array {
  const parsed = parseDatagram13(data);
  const out: Uint8Array[] = [];
  for (const rec of parsed.records) {
    if (rec.kind !== 'plaintext' || rec.type !== ContentType.handshake) {
      out.push(rec.raw);
      continue;
    }
    const r = new Reader(rec.fragment);
    const frags: Uint8Array[] = [];
    while (r.remaining > 0) {
      const f = decodeHandshakeFragment(r);
      const whole = f.fragmentOffset === 0 && f.body.length === f.length;
      const body = whole ? edit(f.msgType, f.body) : f.body;
      frags.push(encode((w) => encodeHandshakeFragment(w, f.msgType, whole ? body.length : f.length, f.messageSeq, f.fragmentOffset, body)));
    }
    out.push(encodePlaintextRecord13(rec.type, rec.seq, Uint8Array.from(Buffer.concat(frags)), rec.version));
  }
  return Uint8Array.from(Buffer.concat(out));
}

/** A node whose outgoing datagrams pass through `rewrite` (a peer that misbehaves on the wire). */
export class Rewriting<N extends NetNode> implements NetNode {
  constructor(readonly inner: N, private readonly rewrite: (data: Uint8Array) => Uint8Array) {}
  receive(data: Uint8Array, from: NetAddress, now: number): void {
    this.inner.receive(data, from, now);
  }
  onTimeout(now: number): void {
    this.inner.onTimeout(now);
  }
  nextTimeout(): number | undefined {
    return this.inner.nextTimeout();
  }
  takeOutgoing(): OutgoingDatagram[] {
    return this.inner.takeOutgoing().map((d) => ({ to: d.to, data: this.rewrite(d.data) }));
  }
}

/** What a misbehaving-peer test drives inside a genuine Connection13: its next message_seq, and moving to its next write epoch without waiting for the ACK of its KeyUpdate. */
export function peerControls(c: Connection13): { nextSendSeq: number; switchWriteKeys(): void } {
  return c as unknown as { nextSendSeq: number; switchWriteKeys(): void };
}
