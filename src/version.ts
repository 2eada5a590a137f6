/**
 * This package's version, as a constant: a bundled CLI has no package.json
 * next to it to read. test/examples/cli.test.ts keeps it equal to
 * package.json's.
 */
export const VERSION = '0.1.0';
