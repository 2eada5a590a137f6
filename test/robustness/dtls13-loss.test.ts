/**
 * NET-01 / ROBUSTNESS.md §4 for DTLS 1.3 (RFC 9147 §5.8, §7), a quick sample
 * for `npm test`: handshake success under random loss in both directions at
 * 10% and 30%, both crypto providers, against 1.2's targets; and the bytes
 * sent beyond the loss-free handshake compared with DTLS 1.2 under the same
 * seeds (see `dtls13LossSuite`), on node:crypto with 200 seeds per point;
 * @noble runs 1.3 alone on 100 seeds (the network's randomness is the same:
 * the provider changes the CPU time, not the protocol, and the comparison
 * with 1.2 is made once). PUREDTLS_LOSS_SEEDS=N changes both. The full
 * measurement (1,000 seeds, 50% loss reported) is test/slow/dtls13-loss.test.ts.
 */
import { dtls13LossSuite } from './loss-harness.js';

const SEEDS = process.env.PUREDTLS_LOSS_SEEDS;
dtls13LossSuite({ runs: Number(SEEDS ?? 200), losses: [0.1, 0.3], providers: ['node'], compare: true });
dtls13LossSuite({ runs: Number(SEEDS ?? 100), losses: [0.1, 0.3], providers: ['noble'], compare: false });
