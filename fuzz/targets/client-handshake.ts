/**
 * Fuzz target: a whole client handshake. A DtlsClientNode (testProvider,
 * fixed clock) receives the fuzz input as datagrams from the server.
 *
 * Input: byte 0 selects the variant —
 *   bit 0: 0 = the input is everything the server sends (from the
 *          HelloVerifyRequest on); 1 = the real server flights recorded
 *          with testProvider (HelloVerifyRequest, flight 4) are played
 *          first, so the input continues at flight 6 (keys are in place);
 *   bits 1-2: scenario (ecdsa, psk, client-auth, cbc; see lib/endpoints.ts).
 * The rest: `steps` (u16 length-prefixed datagrams; length 0 advances the
 * clock and fires timers; the top bit makes the client send an application
 * message after that datagram).
 *
 * Never throws by contract; internal errors the connection turns into
 * ERR_DTLS_INTERNAL closes are crashes here, and so is an established
 * session ended by an error the input could cause without keys (see
 * ESTABLISHED_CLOSE_OK), and application data other than the recording's
 * single authentic message (or that message twice).
 */
import { FuzzInput, check } from './lib/oracle.js';
import {
  SCENARIOS, SERVER_ADDR, type Scenario, T0, TICK, assertEstablishedSurvived, assertNoInternalError, assertOnlyAuthenticData, newClient, steps,
} from './lib/endpoints.js';
import { hasChangeCipherSpec, serverFlightsBeforeFinished } from './lib/recordings.js';

const flights = new Map<Scenario, Uint8Array[]>(SCENARIOS.map((s) => [s, serverFlightsBeforeFinished(s)]));
const PING = new TextEncoder().encode('fuzz');
let established = false;

/** Did this input complete a handshake? (The regression replay checks that the seeds still do.) */
export function completesHandshake(buf: Buffer): boolean {
  fuzz(buf);
  return established;
}

export function fuzz(buf: Buffer): void {
  const input = new FuzzInput(buf);
  const mode = input.u8();
  const scenario = SCENARIOS[(mode >> 1) & 3]!;
  const replay = (mode & 1) === 1;
  const client = newClient(scenario);
  client.takeOutgoing();
  let now = T0;
  if (replay) {
    for (const d of flights.get(scenario)!) client.receive(d, SERVER_ADDR, now);
    const flight5 = client.takeOutgoing();
    check(!client.closed && flight5.some((d) => hasChangeCipherSpec(d.data)),
      `replaying the recorded flights did not make the client send flight 5 (${client.conn.handshakeState}, ${client.error?.message ?? 'open'})`);
  }
  for (const st of steps(input)) {
    if (st.kind === 'tick') {
      now += TICK;
      client.onTimeout(now);
    } else {
      client.receive(st.data, SERVER_ADDR, now);
      if (st.other && !client.closed) client.send(PING, now);
    }
    client.takeOutgoing();
  }
  established = client.established || client.establishedAt !== undefined;
  // Past every deadline the client is closed (handshake timeout or idle timeout) and has no timer left.
  client.onTimeout(now + 3_600_000);
  client.takeOutgoing();
  assertNoInternalError(client.events, 'client');
  if (client.establishedAt !== undefined) assertEstablishedSurvived(client.error, 'client');
  assertOnlyAuthenticData(client.received, 'client');
  check(client.closed, 'the client is still open after every deadline passed');
  check(client.nextTimeout() === undefined, 'a closed client still has a timer');
}
