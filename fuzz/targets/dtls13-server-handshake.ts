/**
 * Fuzz target: a whole DTLS 1.3 server handshake (RFC 9147). A
 * DtlsServerNode (testProvider, fixed clock) receives the fuzz input as
 * datagrams.
 *
 * Input: byte 0 selects the variant —
 *   bit 0: 0 = cookie server that first receives a real recorded second
 *          ClientHello (with the HelloRetryRequest's cookie), so the input
 *          continues the handshake at the client's Finished flight; 1 =
 *          `cookieExchange: false` server (no HelloRetryRequest when the
 *          key share suits), the input goes straight to the front door;
 *   bits 1-2: scenario (ecdsa13, psk13, client-auth13, ccm8-cid13; see
 *          lib/endpoints.ts).
 * The rest: `steps` (u16 length-prefixed datagrams; length 0 advances the
 * clock and fires timers; top bit = from a second client address).
 *
 * The oracle is the DTLS 1.2 server target's (lib/handshake-targets.ts):
 * nothing escapes, no internal error swallowed, no unauthenticated data
 * delivered, no established association torn down by input the fuzzer
 * could make without keys, nothing left after every deadline.
 */
import { SCENARIOS13 } from './lib/endpoints.js';
import { serverTarget } from './lib/handshake-targets.js';

const target = serverTarget(SCENARIOS13);
export const fuzz = target.fuzz;
/** Did this input complete a handshake? (The regression replay checks that the seeds still do.) */
export const completesHandshake = target.completesHandshake;
