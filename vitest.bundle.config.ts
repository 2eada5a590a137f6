import { defineConfig } from 'vitest/config';

/**
 * `npm run test:bundle`: examples/bundle/ and the CLI bundled with esbuild (ESM and
 * CommonJS, minified) and webpack, then run (test/bundle/). Webpack's minification takes
 * most of a minute, so `npm test` leaves it out; CI runs both. Needs dist/.
 */
export default defineConfig({
  test: {
    include: ['test/bundle/**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 240_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
