import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: the cluster across processes (test/cluster-nginx/): nginx's UDP
 * proxy, a Redis server and three server processes started by the test, on loopback.
 * `npm test` leaves it out; CI runs it (.ci/run installs nginx and redis-server).
 */
export default defineConfig({
  test: {
    include: ['test/cluster-nginx/**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 240_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
