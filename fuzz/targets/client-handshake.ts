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
import { SCENARIOS } from './lib/endpoints.js';
import { clientTarget } from './lib/handshake-targets.js';

const target = clientTarget(SCENARIOS);
export const fuzz = target.fuzz;
/** Did this input complete a handshake? (The regression replay checks that the seeds still do.) */
export const completesHandshake = target.completesHandshake;
