/**
 * Numbering of the handshake flights one direction of the
 * {@link VirtualNetwork} carries: the flight of a datagram, which
 * transmission of that flight it belongs to, and its place in it (the
 * `flight`, `flightTransmission` and `flightDatagram` of a {@link DatagramInfo}).
 *
 * @module
 */
import { HandshakeType, flightOf, hasFinishingRecords, type RecordInfo } from './describe.js';

/** Where a datagram stands in the flights of its direction; all undefined when it has no flight. */
export interface FlightPosition {
  readonly flight: number | undefined;
  readonly transmission: number | undefined;
  readonly datagram: number | undefined;
}

const NO_FLIGHT: FlightPosition = Object.freeze({ flight: undefined, transmission: undefined, datagram: undefined });

/** fragment_offset is a uint24: a (message_seq, fragment_offset) pair as one number. */
const FRAGMENT_OFFSETS = 2 ** 24;

/**
 * Content that cannot be numbered on its own (a Certificate fragment, a
 * ChangeCipherSpec, an encrypted Finished) continues the flight being sent.
 */
function continuesFlight(records: readonly RecordInfo[]): boolean {
  return hasFinishingRecords(records) || records.some((r) => r.handshake?.some((h) => h.msgType === HandshakeType.certificate) === true);
}

/**
 * The flight numbering of one direction. A transmission is the run of
 * datagrams of one flight sent at one instant; it ends when another flight
 * is sent, time moves on, or a plaintext handshake fragment already sent in
 * it appears again.
 */
export class FlightTracker {
  private flight: number | undefined;
  private at = NaN;
  private count = 0;
  private readonly seen = new Set<number>();
  private readonly transmissions = new Map<number, number>();

  /** Number the datagram with these records, sent at `now` by a server (true), a client (false) or an unknown role. */
  next(records: readonly RecordInfo[], fromServer: boolean | undefined, now: number): FlightPosition {
    let f = flightOf(records, { fromServer });
    const sameInstant = this.at === now;
    if (f === undefined && this.flight !== undefined && sameInstant && continuesFlight(records)) f = this.flight;
    if (f === undefined) return NO_FLIGHT;
    // Plaintext handshake fragments of this datagram: seeing one again means a new transmission.
    const keys: number[] = [];
    for (const r of records) for (const h of r.handshake ?? []) keys.push(h.messageSeq * FRAGMENT_OFFSETS + h.fragmentOffset);
    const repeated = keys.some((k) => this.seen.has(k));
    if (this.flight === f && sameInstant && !repeated) {
      this.count++;
    } else {
      this.transmissions.set(f, (this.transmissions.get(f) ?? -1) + 1);
      this.flight = f;
      this.at = now;
      this.count = 0;
      this.seen.clear();
    }
    for (const k of keys) this.seen.add(k);
    return { flight: f, transmission: this.transmissions.get(f), datagram: this.count };
  }
}
