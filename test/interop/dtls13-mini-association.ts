/**
 * A minimal DTLS 1.3 association around one handshake machine, for testing
 * the machines against a real peer before `Connection13` exists: unified
 * header records (RFC 9147 §4) with the leaf record layer, handshake
 * fragmentation and reassembly, ACKs of the peer's last flight and of
 * post-handshake messages (§7), application data, and {@link retransmit}
 * of our last flight, which the test calls on a timer until the peer
 * answers (its first flight may go out before the peer is bound). No
 * KeyUpdate, no connection IDs in records. Test code only: the association
 * proper is `Connection13`.
 */
import { Reader } from '../../src/codec/reader.js';
import { encode } from '../../src/codec/writer.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import type { SessionSecrets } from '../../src/handshake/key-schedule12.js';
import { encodeHandshakeFragment } from '../../src/handshake/header.js';
import { Reassembler } from '../../src/handshake/reassembler.js';
import { ContentType } from '../../src/record/content-type.js';
import type { HandshakeDriver13, HandshakeMachine13 } from '../../src/dtls13/driver.js';
import { ReceiveEpoch13, SendEpoch13 } from '../../src/dtls13/epoch.js';
import { keyScheduleParams, trafficKeys } from '../../src/dtls13/key-schedule.js';
import { type RecordNumber, encodeAck } from '../../src/dtls13/messages/ack.js';
import { RecordProtection13 } from '../../src/dtls13/protection.js';
import { encodePlaintextRecord13, parseDatagram13 } from '../../src/dtls13/record.js';
import type { Suite13 } from '../../src/dtls13/suites.js';

const MTU = 1200;

export class MiniAssociation13 implements HandshakeDriver13 {
  machine!: HandshakeMachine13;
  completed = false;
  error: unknown;
  peerAlert: number | undefined;
  secrets: SessionSecrets | undefined;
  readonly appData: Uint8Array[] = [];
  readonly tickets: Uint8Array[] = [];
  private readonly send = new Map<number, SendEpoch13>();
  private readonly receive = new Map<number, ReceiveEpoch13>();
  private readonly reassembler = new Reassembler();
  private writeEpoch = 0;
  private plainSeq = 0;
  private messageSeq = 0;
  private toAck: RecordNumber[] = [];
  private busy = false;

  constructor(readonly provider: CryptoProvider, private readonly out: (datagram: Uint8Array) => void) {}

  get now(): number {
    return Date.now();
  }

  /** Records of the flight being prepared. */
  private queued: Uint8Array[] = [];

  /** Fragment a message into records of the current write epoch (each message keeps the epoch it was queued in). */
  sendMessage(msgType: number, body: Uint8Array): void {
    const seq = this.messageSeq++;
    const max = MTU - 64;
    for (let off = 0; off === 0 || off < body.length; off += max) {
      const part = body.subarray(off, off + max);
      const frag = encode((w) => encodeHandshakeFragment(w, msgType, body.length, seq, off, part));
      this.queued.push(this.record(ContentType.handshake, frag));
    }
  }
  private record(type: number, content: Uint8Array): Uint8Array {
    const e = this.send.get(this.writeEpoch);
    return e ? e.seal(type, content) : encodePlaintextRecord13(type, this.plainSeq++, content);
  }
  /** The datagrams of our last flight, for {@link retransmit}. */
  private lastFlight: Uint8Array[] = [];
  /** Whether anything came from the peer since our last flight. */
  private answered = false;

  /** Send our last flight again if the peer has not answered it (RFC 9147 §5.8 in its simplest form). */
  retransmit(): void {
    if (!this.answered && !this.completed) for (const d of this.lastFlight) this.out(d);
  }

  flushFlight(): void {
    this.lastFlight = [];
    this.answered = false;
    const emit = (d: Uint8Array) => {
      this.lastFlight.push(d);
      this.out(d);
    };
    let datagram: Uint8Array[] = [];
    let size = 0;
    for (const rec of this.queued) {
      if (size + rec.length > MTU && datagram.length > 0) {
        emit(concat(datagram));
        datagram = [];
        size = 0;
      }
      datagram.push(rec);
      size += rec.length;
    }
    if (datagram.length > 0) emit(concat(datagram));
    this.queued = [];
  }
  private protection(suite: Suite13, secret: Uint8Array): RecordProtection13 {
    return new RecordProtection13(this.provider, suite, trafficKeys(keyScheduleParams(this.provider, suite.hash), secret, suite.keyLength));
  }
  setReadSecret(epoch: number, suite: Suite13, secret: Uint8Array): void {
    this.receive.set(epoch, new ReceiveEpoch13(epoch, this.protection(suite, secret)));
  }
  setWriteSecret(epoch: number, suite: Suite13, secret: Uint8Array): void {
    this.send.set(epoch, new SendEpoch13(epoch, this.protection(suite, secret)));
    this.writeEpoch = epoch;
  }
  suspend<T>(work: Promise<T>, resume: (value: T) => void): void {
    this.busy = true;
    void work.then((v) => {
      this.busy = false;
      this.guard(() => resume(v));
    }, (e) => {
      this.error = e;
    });
  }
  secretsReady(secrets: SessionSecrets): void {
    this.secrets = secrets;
  }
  setConnectionIds(): void {
    throw new Error('connection IDs are not done by the mini association');
  }
  complete(): void {
    this.completed = true;
  }
  sessionTicket(session: Uint8Array): void {
    this.tickets.push(session);
  }

  /** Application data in epoch 3. */
  sendApplicationData(data: Uint8Array): void {
    this.out(this.send.get(3)!.seal(ContentType.application_data, data));
  }

  guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.error ??= e;
    }
  }

  /** One datagram from the peer. */
  receiveDatagram(data: Uint8Array): void {
    this.answered = true;
    const { records } = parseDatagram13(data);
    for (const rec of records) {
      if (rec.kind === 'plaintext') {
        if (rec.type === ContentType.handshake) this.reassembler.addRecord(rec.fragment, 0);
        else if (rec.type === ContentType.alert) this.peerAlert = rec.fragment[1];
        continue;
      }
      const epoch = [...this.receive.keys()].reverse().find((e) => (e & 3) === rec.epochBits);
      if (epoch === undefined) continue;
      const r = this.receive.get(epoch)!.open(rec);
      if (r.kind !== 'record') continue;
      if (r.type === ContentType.handshake) {
        this.reassembler.addRecord(r.content, epoch);
        this.toAck.push({ epoch, seq: r.seq });
      } else if (r.type === ContentType.application_data) this.appData.push(r.content);
      else if (r.type === ContentType.alert) this.peerAlert = r.content[1];
    }
    this.deliver();
  }

  private deliver(): void {
    if (this.busy) return;
    let msg;
    const before = this.messageSeq;
    while (!this.error && !this.busy && (msg = this.reassembler.pop())) {
      const m = msg;
      this.guard(() => (this.completed ? this.machine.handlePostHandshake(m) : this.machine.handleMessage(m)));
    }
    // RFC 9147 §7: acknowledge what no flight of ours answers (the peer's last flight, post-handshake messages).
    if (this.completed && this.messageSeq === before && this.toAck.length > 0 && this.send.has(3)) {
      const recordNumbers = this.toAck.splice(0);
      this.out(this.send.get(3)!.seal(ContentType.ack, encode((w) => encodeAck(w, { recordNumbers }))));
    }
    if (this.messageSeq !== before) this.toAck = [];
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
