/**
 * Recordings of real handshakes between our own client and server, made at
 * target start (deterministic: the same bytes every time), split at the
 * points where the targets take over from the fuzz input.
 */
import { ContentType } from '../../../src/record/content-type.js';
import { parseDatagram } from '../../../src/record/record.js';
import { isUnifiedHeader } from '../../../src/dtls13/record.js';
import { type Recorded, type Scenario, recordHandshake } from './endpoints.js';

export function hasChangeCipherSpec(d: Uint8Array): boolean {
  return parseDatagram(d).records.some((r) => r.type === ContentType.change_cipher_spec);
}

/**
 * Whether a client datagram belongs to its last handshake flight: DTLS 1.2's
 * flight 5 datagram with the ChangeCipherSpec, or DTLS 1.3's first protected
 * record (a unified header: Certificate, CertificateVerify, Finished under the
 * handshake keys).
 */
export function isClientLastFlight(d: Uint8Array): boolean {
  return d.length > 0 && (isUnifiedHeader(d[0]!) || hasChangeCipherSpec(d));
}

/** Index of the client's first datagram of its last flight (see {@link isClientLastFlight}). */
function lastFlightIndex(log: readonly Recorded[]): number {
  const i = log.findIndex((r) => r.dir === 'c2s' && isClientLastFlight(r.data));
  if (i < 0) throw new Error('no client last flight in the recording');
  return i;
}

export interface ScenarioRecording {
  /** With a cookie exchange: CH1, HVR, CH2, flight 4, ... */
  readonly cookie: Recorded[];
  /** `cookieExchange: false`: CH1, flight 4, ... */
  readonly direct: Recorded[];
}

const cache = new Map<Scenario, ScenarioRecording>();

export function recording(s: Scenario): ScenarioRecording {
  let r = cache.get(s);
  if (!r) {
    r = { cookie: recordHandshake(s, true), direct: recordHandshake(s, false) };
    cache.set(s, r);
  }
  return r;
}

/** The ClientHello that carries the server's cookie (the last client datagram before its last flight). */
export function clientHelloWithCookie(s: Scenario): Uint8Array {
  const log = recording(s).cookie;
  const before = log.slice(0, lastFlightIndex(log)).filter((r) => r.dir === 'c2s');
  return before[before.length - 1]!.data;
}

/** Client datagrams from its last flight on (flight 5; DTLS 1.3: its Finished flight), after the ClientHello-with-cookie (server target seeds). */
export function clientFlightsAfterHello(s: Scenario, cookie: boolean): Uint8Array[] {
  const log = cookie ? recording(s).cookie : recording(s).direct;
  const from = cookie ? lastFlightIndex(log) : 0;
  return log.slice(from).filter((r) => r.dir === 'c2s').map((r) => r.data);
}

/** Server datagrams the client receives before it sends its last flight (HVR and flight 4; DTLS 1.3: HelloRetryRequest and the server flight). */
export function serverFlightsBeforeFinished(s: Scenario): Uint8Array[] {
  const log = recording(s).cookie;
  return log.slice(0, lastFlightIndex(log)).filter((r) => r.dir === 's2c').map((r) => r.data);
}

/** Server datagrams after the client's last flight (flight 6, echo; DTLS 1.3: ACK, tickets, echo). */
export function serverFlightsAfter(s: Scenario): Uint8Array[] {
  const log = recording(s).cookie;
  return log.slice(lastFlightIndex(log)).filter((r) => r.dir === 's2c').map((r) => r.data);
}

/** Every server datagram of the cookie handshake. */
export function allServerDatagrams(s: Scenario): Uint8Array[] {
  return recording(s).cookie.filter((r) => r.dir === 's2c').map((r) => r.data);
}
