import { defineConfig } from 'vitest/config';

/**
 * `npm run test:scan`: `puredtls scan` against real servers (openssl s_server
 * three ways, gnutls-serv, wolfSSL's example server for DTLS 1.2 and 1.3, the
 * project's own server), one scan at a time. Each scan takes 15–90 s (it
 * times retransmissions by staying silent); `npm test` leaves them out.
 */
export default defineConfig({
  test: {
    include: ['test/scan/**/*.scan.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 300_000,
    hookTimeout: 900_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
