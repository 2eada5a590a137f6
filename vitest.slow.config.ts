import { defineConfig } from 'vitest/config';

/**
 * `npm run test:slow`: long measurements and real-process runs under
 * impairment, and the tshark capture (test/slow/), one file at a time.
 * `npm test` leaves them out; CI runs both.
 */
export default defineConfig({
  test: {
    include: ['test/slow/**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 600_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
