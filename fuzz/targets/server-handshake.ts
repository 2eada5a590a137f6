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
import { SCENARIOS } from './lib/endpoints.js';
import { serverTarget } from './lib/handshake-targets.js';

const target = serverTarget(SCENARIOS);
export const fuzz = target.fuzz;
/** Did this input complete a handshake? (The regression replay checks that the seeds still do.) */
export const completesHandshake = target.completesHandshake;
