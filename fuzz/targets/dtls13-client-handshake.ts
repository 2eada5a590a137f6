/**
 * Fuzz target: a whole DTLS 1.3 client handshake (RFC 9147). A
 * DtlsClientNode requiring 1.3 (testProvider, fixed clock) receives the fuzz
 * input as datagrams from the server.
 *
 * Input: byte 0 selects the variant —
 *   bit 0: 0 = the input is everything the server sends (from the
 *          HelloRetryRequest on); 1 = the real server datagrams recorded
 *          with testProvider (HelloRetryRequest, the server's flight) are
 *          played first, so the input continues after the client's
 *          Finished flight (handshake keys in place: ACKs, tickets,
 *          KeyUpdate, application data);
 *   bits 1-2: scenario (ecdsa13, psk13, client-auth13, ccm8-cid13; see
 *          lib/endpoints.ts).
 * The rest: `steps` (u16 length-prefixed datagrams; length 0 advances the
 * clock and fires timers; the top bit makes the client send an application
 * message after that datagram).
 *
 * The oracle is the DTLS 1.2 client target's (lib/handshake-targets.ts).
 */
import { SCENARIOS13 } from './lib/endpoints.js';
import { clientTarget } from './lib/handshake-targets.js';

const target = clientTarget(SCENARIOS13);
export const fuzz = target.fuzz;
/** Did this input complete a handshake? (The regression replay checks that the seeds still do.) */
export const completesHandshake = target.completesHandshake;
