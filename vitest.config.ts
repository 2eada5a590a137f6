import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/runtimes/native-udp.test.ts runs the Bun and Deno programs: test:bun, test:deno.
    exclude: ['node_modules/**', 'test/slow/**', 'test/cluster-nginx/**', 'test/bundle/**', 'test/**/*.scan.test.ts', 'test/runtimes/native-udp.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
