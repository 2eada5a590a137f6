/**
 * The authenticated node-to-node channel of a cluster: UDP datagrams between
 * nodes, each one frame
 *
 * ```
 * u8      version (1)
 * u8      kind: 1 forward (a client's datagram, to its owner), 2 reply (the owner's datagram, to send to the client)
 * u48     sender: the node id of the node that sealed it
 * u48     incarnation: when the sender started (ms since the epoch)
 * u48     counter: per incarnation, from 0
 * u48     time: when it was sealed (ms since the epoch)
 * opaque  address<1..255>: the client's address as the forwarding node sees it (UTF-8)
 * u16     port
 * opaque  datagram<0..2^16-1>
 * opaque  tag[16]: HMAC-SHA256 (truncated) of everything before it, under a key derived from the shared cluster key
 * ```
 *
 * A frame is accepted only when its tag verifies, its sender is a configured
 * node, its time is within `maxSkew` of ours, and its (incarnation, counter)
 * is new: an older incarnation is refused, a newer one (the sender restarted)
 * starts a new replay window, and within one a sliding window (1024 frames)
 * refuses repeats. Anything else is dropped and counted, never thrown.
 *
 * The datagrams inside are DTLS records, already protected end to end; the
 * channel adds authenticity of the node and of the client address, so that
 * no one outside the cluster can make a node send a datagram anywhere.
 *
 * @module
 */
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { constantTimeEqual } from '../crypto/ct.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { DecodeError } from '../errors.js';
import { ReplayWindow } from '../record/replay-window.js';

export const FRAME_VERSION = 1;
export const TAG_LENGTH = 16;
/** Bytes a frame adds to the datagram it carries, besides the address. */
export const FRAME_OVERHEAD = 1 + 1 + 6 * 4 + 1 + 2 + 2 + TAG_LENGTH;

export const enum FrameKind {
  /** A client's datagram, forwarded to the node owning its CID. */
  forward = 1,
  /** The owner's datagram for a client, to go out through the node the client talks to. */
  reply = 2,
}

/** A frame, opened. */
export interface Frame {
  readonly kind: FrameKind;
  /** The node that sent it. */
  readonly sender: number;
  readonly address: string;
  readonly port: number;
  /** A view into the received datagram. */
  readonly datagram: Uint8Array;
}

/**
 * Why frames of the node-to-node channel were dropped: `server.clusterStats.channelDrops`.
 *
 * @example
 * ```ts
 * import type { ChannelDrops, Server } from 'puredtls';
 *
 * declare const server: Server;
 * const d: ChannelDrops | undefined = server.clusterStats?.channelDrops;
 * if (d && d.forged + d.replayed > 0) console.warn('someone is sending frames to the cluster port', d);
 * ```
 */
export interface ChannelDrops {
  /** Too short, bad version or kind, bad lengths. */
  malformed: number;
  /** From a node id not in the cluster. */
  unknownNode: number;
  /** The tag did not verify (wrong key, altered, truncated). */
  forged: number;
  /** Sealed longer than `maxSkew` ago (or ahead), or by an older incarnation of the sender. */
  stale: number;
  /** Seen before. */
  replayed: number;
}

const LABEL = new TextEncoder().encode('puredtls cluster channel v1');
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Frames sealed and opened by one node. */
export class Channel {
  private readonly mac: (data: Uint8Array) => Uint8Array;
  private counter = 0;
  private readonly peers = new Map<number, { incarnation: number; window: ReplayWindow }>();
  readonly drops: ChannelDrops = { malformed: 0, unknownNode: 0, forged: 0, stale: 0, replayed: 0 };

  constructor(
    provider: CryptoProvider,
    key: Uint8Array,
    private readonly self: number,
    /** When this node started, ms (its incarnation). */
    private readonly incarnation: number,
    private readonly isNode: (id: number) => boolean,
    /** How far a frame's time may be from ours, ms. */
    private readonly maxSkew: number,
  ) {
    this.mac = provider.hmacKey('sha256', provider.hmac('sha256', key, LABEL));
  }

  /** Seal a frame. */
  seal(kind: FrameKind, address: string, port: number, datagram: Uint8Array, now: number): Uint8Array {
    const addr = utf8.encode(address);
    // One buffer: the fields, then the tag over them.
    const out = new Uint8Array(FRAME_OVERHEAD + addr.length + datagram.length);
    const w = new Writer(out);
    w.u8(FRAME_VERSION).u8(kind).u48(this.self).u48(this.incarnation).u48(this.counter++).u48(Math.max(0, Math.floor(now)));
    w.opaque8(addr).u16(port).opaque16(datagram);
    const n = w.length;
    out.set(this.mac(out.subarray(0, n)).subarray(0, TAG_LENGTH), n);
    return out;
  }

  /** Open a frame: the frame, or undefined when it is dropped (counted in `drops`). Never throws. */
  open(data: Uint8Array, now: number): Frame | undefined {
    let f: { frame: Frame; incarnation: number; counter: number; time: number };
    try {
      f = parse(data);
    } catch {
      this.drops.malformed++;
      return undefined;
    }
    if (f.frame.sender === this.self || !this.isNode(f.frame.sender)) {
      this.drops.unknownNode++;
      return undefined;
    }
    const body = data.subarray(0, data.length - TAG_LENGTH);
    if (!constantTimeEqual(this.mac(body).subarray(0, TAG_LENGTH), data.subarray(data.length - TAG_LENGTH))) {
      this.drops.forged++;
      return undefined;
    }
    if (Math.abs(now - f.time) > this.maxSkew) {
      this.drops.stale++;
      return undefined;
    }
    let peer = this.peers.get(f.frame.sender);
    if (peer !== undefined && f.incarnation < peer.incarnation) {
      this.drops.stale++;
      return undefined;
    }
    if (peer === undefined || f.incarnation > peer.incarnation) {
      peer = { incarnation: f.incarnation, window: new ReplayWindow(1024) };
      this.peers.set(f.frame.sender, peer);
    }
    if (!peer.window.check(f.counter)) {
      this.drops.replayed++;
      return undefined;
    }
    peer.window.accept(f.counter);
    return f.frame;
  }
}

/** Decode a frame's fields (the tag is checked by the caller); throws DecodeError. */
function parse(data: Uint8Array): { frame: Frame; incarnation: number; counter: number; time: number } {
  if (data.length < FRAME_OVERHEAD) throw new DecodeError('short frame');
  const r = new Reader(data, 0, data.length - TAG_LENGTH);
  if (r.u8('version') !== FRAME_VERSION) throw new DecodeError('frame version');
  const kind = r.u8('kind');
  if (kind !== FrameKind.forward && kind !== FrameKind.reply) throw new DecodeError('frame kind');
  const sender = r.u48('sender');
  const incarnation = r.u48('incarnation');
  const counter = r.u48('counter');
  const time = r.u48('time');
  const address = fromUtf8.decode(r.vec8(1, 255, 'address'));
  const port = r.u16('port');
  const datagram = r.vec16(0, 0xffff, 'datagram');
  r.end('frame');
  return { frame: { kind, sender, address, port, datagram }, incarnation, counter, time };
}
