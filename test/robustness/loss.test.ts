/**
 * NET-01 / ROBUSTNESS.md §4: handshake success under random loss, a quick
 * sample (200 seeds per point) for `npm test`. The full measurement over
 * 1,000 seeds is test/slow/loss.test.ts (`npm run test:slow`).
 *
 * The sample is asserted against target − 2 points − 1.96 standard errors
 * (see `threshold`), and each test's title states those numbers (at 30%
 * loss with 200 seeds: ≥ 72.5% within 10 s for the 80% target), not the
 * target itself: a 200-seed sample can only show that the stack is not
 * clearly below it. Points listed in KNOWN_SHORTFALLS are asserted against
 * a regression floor (PUREDTLS_LOSS_STRICT=1 asserts the targets there too).
 * PUREDTLS_LOSS_SEEDS=N changes the sample size.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  ECDSA, type LossConfig, type LossResult, RSA_MTU, checkTargets, flightShape, formatTable, measure, pointTitle, rsaClientAuth,
} from './loss-harness.js';

const RUNS = Number(process.env.PUREDTLS_LOSS_SEEDS ?? 200);
const LOSSES = [0.1, 0.3, 0.5];
const CONFIGS: LossConfig[] = [ECDSA, rsaClientAuth()];

const results: LossResult[] = [];

afterAll(() => {
  if (results.length > 0) console.log(`handshake success under loss, ${RUNS} seeds per point (virtual time)\n${formatTable(results)}`);
});

describe('handshake success under random loss in both directions (NET-01, ROBUSTNESS §4)', () => {
  it('the ECDSA configuration sends flights 4, 5 and 6 in one datagram each', () => {
    expect(flightShape(ECDSA)).toMatchObject({ 4: 1, 5: 1, 6: 1 });
  });

  it(`the RSA + client auth configuration sends flights 4 and 5 in three datagrams each (MTU ${RSA_MTU})`, () => {
    expect(flightShape(rsaClientAuth())).toMatchObject({ 4: 3, 5: 3 });
  });

  for (const config of CONFIGS) {
    for (const loss of LOSSES) {
      it(pointTitle(config, loss, RUNS), { timeout: 300_000 }, () => {
        const r = measure(config, loss, RUNS);
        results.push(r);
        checkTargets(r);
      });
    }
  }
});
