/**
 * Fuzz target: a whole server handshake. A DtlsServerNode (testProvider,
 * fixed clock) receives the fuzz input as datagrams.
 *
 * Input: byte 0 selects the variant —
 *   bit 0: 0 = cookie-exchange server that first receives a real recorded
 *          ClientHello-with-cookie (so the input continues the handshake at
 *          flight 5); 1 = `cookieExchange: false` server, the input goes
 *          straight to the handshake state machine;
 *   bits 1-2: scenario (ecdsa, psk, client-auth, cbc; see lib/endpoints.ts).
 * The rest: `steps` (u16 length-prefixed datagrams; length 0 advances the
 * clock and fires timers; top bit = from a second client address).
 *
 * Never throws by contract (handleDatagram/handleTimeout "never throw");
 * internal errors the endpoint swallows are turned into crashes, and so is
 * an established association ended by an error the input could cause
 * without keys (see ESTABLISHED_CLOSE_OK), and application data other than
 * the recording's single authentic message, or delivered before the
 * handshake completed or twice.
 */
import { FuzzInput, check } from './lib/oracle.js';
import {
  CLIENT_ADDR, OTHER_ADDR, SCENARIOS, type Scenario, T0, TICK, assertEstablishedSurvived, assertNoInternalError, assertOnlyAuthenticData, newServer, steps,
} from './lib/endpoints.js';
import { clientHelloWithCookie } from './lib/recordings.js';

const hellos = new Map<Scenario, Uint8Array>(SCENARIOS.map((s) => [s, clientHelloWithCookie(s)]));
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
  const direct = (mode & 1) === 1;
  const server = newServer(scenario, !direct);
  let now = T0;
  if (!direct) {
    server.receive(hellos.get(scenario)!, CLIENT_ADDR, now);
    check(server.endpoint.handshakeCount === 1, 'the recorded ClientHello did not start a handshake');
  }
  for (const st of steps(input)) {
    if (st.kind === 'tick') {
      now += TICK;
      server.onTimeout(now);
    } else {
      server.receive(st.data, st.other ? OTHER_ADDR : CLIENT_ADDR, now);
    }
    server.takeOutgoing();
    check(server.endpoint.handshakeCount <= 4, 'more half-open handshakes than maxHandshakes');
  }
  check(!server.waiting, 'a synchronous callback left the handshake waiting');
  established = server.established > 0;
  // Past every deadline nothing may be left: no association, no timer.
  server.onTimeout(now + 3_600_000);
  server.takeOutgoing();
  assertNoInternalError(server.events, 'server');
  for (const e of server.events) if (e.type === 'close' && e.wasEstablished) assertEstablishedSurvived(e.error, 'server');
  const delivered = new Map<unknown, Uint8Array[]>();
  for (const e of server.events) {
    if (e.type === 'secure') delivered.set(e.assoc, []);
    if (e.type === 'data') {
      check(delivered.has(e.assoc), 'application data delivered before the handshake completed');
      delivered.get(e.assoc)!.push(e.data);
    }
  }
  for (const list of delivered.values()) assertOnlyAuthenticData(list, 'server');
  check(server.endpoint.size === 0, `${server.endpoint.size} association(s) left after every deadline passed`);
  check(server.endpoint.nextTimeout() === undefined, 'a timer is left after every association closed');
}
