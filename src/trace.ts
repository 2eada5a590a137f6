import { Reader } from './codec/reader.js';
import { contentTypeName } from './record/content-type.js';
import { HANDSHAKE_HEADER_LENGTH, decodeHandshakeFragment } from './handshake/header.js';
import { HandshakeTypes } from './handshake/registry.js';
import { alertName } from './errors.js';
import { nodeBuiltin } from './node-builtin.js';

/**
 * Observability without patching: `node:diagnostics_channel` channels that
 * show every record, handshake message, flight, retransmission, alert and
 * drop. Nothing is built unless a channel has subscribers. In runtimes
 * without diagnostics_channel this is a no-op.
 *
 * Channel names (each message carries `connection`, a label such as
 * `server 10.0.0.2:5000` or `client 127.0.0.1:4433`):
 * - `puredtls:record:in`, `puredtls:record:out` — `{ epoch, seq, type, length, fragments? }`
 * - `puredtls:handshake:message` — `{ direction, message, messageSeq, length, epoch }`, each whole
 *   handshake message processed (in) or queued (out)
 * - `puredtls:handshake:flight` — `{ messages, last }`, a flight sent
 * - `puredtls:handshake:retransmit` — `{ reason, attempt }`
 * - `puredtls:alert:sent`, `puredtls:alert:received` — `{ level, description, name }`
 * - `puredtls:record:dropped` — `{ reason, epoch?, seq? }`
 * - `puredtls:handshake:complete` — `{ suite, resumed }`
 */
export interface TraceFragment {
  readonly message: string;
  readonly messageSeq: number;
  readonly offset: number;
  readonly length: number;
  readonly total: number;
}

export interface RecordTrace {
  readonly connection: string;
  readonly epoch: number;
  readonly seq: number;
  readonly type: string;
  readonly length: number;
  readonly fragments?: readonly TraceFragment[];
}

interface Channel {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

type DiagnosticsChannel = { channel(name: string): Channel };

const dc = nodeBuiltin<DiagnosticsChannel>('node:diagnostics_channel');
const make = (name: string): Channel | undefined => dc?.channel(name);

/** The channels, by short name. */
export const channels = Object.freeze({
  recordIn: make('puredtls:record:in'),
  recordOut: make('puredtls:record:out'),
  flight: make('puredtls:handshake:flight'),
  message: make('puredtls:handshake:message'),
  retransmit: make('puredtls:handshake:retransmit'),
  alertSent: make('puredtls:alert:sent'),
  alertReceived: make('puredtls:alert:received'),
  dropped: make('puredtls:record:dropped'),
  complete: make('puredtls:handshake:complete'),
});

export type ChannelName = keyof typeof channels;

/** Publish a message built lazily, only when someone listens. */
export function trace(ch: Channel | undefined, build: () => object): void {
  if (ch?.hasSubscribers) ch.publish(build());
}

/** Is anyone listening on any record channel? (Cheap check for hot paths.) */
export function tracingRecords(): boolean {
  return channels.recordIn?.hasSubscribers === true || channels.recordOut?.hasSubscribers === true;
}

/** Describe the handshake fragments in a plaintext handshake record (never throws). */
export function describeFragments(data: Uint8Array): TraceFragment[] {
  const out: TraceFragment[] = [];
  const r = new Reader(data);
  try {
    while (r.remaining >= HANDSHAKE_HEADER_LENGTH) {
      const f = decodeHandshakeFragment(r);
      out.push({ message: HandshakeTypes.nameOf(f.msgType), messageSeq: f.messageSeq, offset: f.fragmentOffset, length: f.body.length, total: f.length });
    }
  } catch {
    // a malformed fragment: describe what was readable
  }
  return out;
}

export function recordTrace(connection: string, type: number, epoch: number, seq: number, data: Uint8Array): RecordTrace {
  return {
    connection, epoch, seq, type: contentTypeName(type), length: data.length,
    ...(type === 22 && { fragments: describeFragments(data) }),
  };
}

export function alertTrace(connection: string, level: number, description: number): object {
  return { connection, level: level === 2 ? 'fatal' : 'warning', description, name: alertName(description) };
}
