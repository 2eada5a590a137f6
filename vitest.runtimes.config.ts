import { defineConfig } from 'vitest/config';

/**
 * `npm run test:bun` / `npm run test:deno` (tools/runtime.sh): the suites that
 * exercise the library the same way on every runtime — codecs, crypto vectors,
 * records, handshakes and the robustness catalogue on the in-memory network,
 * certificates — plus the runtime tests (test/runtimes/: provider composition,
 * real UDP sockets, openssl in either role).
 *
 * Left out, because they test Node itself rather than puredtls:
 * - test/crypto/ccm.test.ts compares our pure CCM with node:crypto's native
 *   AES-CCM, which Bun and Deno do not have (the RFC 3610 and CAVP vectors of
 *   test/crypto/aead.test.ts run on every runtime instead);
 * - test/record/allocations.test.ts counts allocations with V8's sampling heap
 *   profiler through node:inspector;
 * - test/crypto/select.test.ts states what Node.js gets (test/runtimes/ says
 *   what each runtime gets);
 * - on Bun, test/crypto/chacha20-openssl.test.ts, which compares our ChaCha20
 *   block with node:crypto's bare ChaCha20: Bun has none (the RFC 8439 vectors
 *   of test/crypto/record-number-mask.test.ts run everywhere);
 * - test/record/protection-edges.test.ts, whose record-protection edge cases
 *   are computed against node:crypto, AES-CCM included (Bun and Deno have
 *   none); and on Bun test/crypto/node-aead-buffering.test.ts, which drives the
 *   node:crypto AEAD wrapper with ChaCha20-Poly1305 (Bun has none). Node runs
 *   both; test/crypto/aead.test.ts and the record tests run everywhere;
 * - on Deno, test/x509/certificate.test.ts, which checks our certificate parser
 *   field by field against node:crypto's X509Certificate: Deno's emulation of
 *   it differs from Node (no keyUsage, other legacy-object fields). The parser
 *   is pure TypeScript; Node and Bun run that comparison. And on Deno,
 *   test/crypto/key-share-checks.test.ts, whose node-provider cases build ECDH
 *   shares from given private keys (the seeded provider's hook, createECDH +
 *   setPrivateKey): Deno's emulation refuses every such P-256 and P-384 key pair
 *   ("Invalid key pair"), while its own fresh key pairs work (the handshake and
 *   interop tests use those). Node and Bun run the file.
 */
const deno = process.env.PUREDTLS_RUNTIME === 'deno';
const bun = process.env.PUREDTLS_RUNTIME === 'bun';

/**
 * PUREDTLS_SUITE=interop: the real-UDP interop subset, one file at a time —
 * openssl s_client against our server running on the runtime, and our client
 * on the runtime against openssl s_server (test/interop/server.test.ts,
 * client.test.ts).
 */
const interop = process.env.PUREDTLS_SUITE === 'interop';

export default defineConfig(interop ? {
  test: {
    include: ['test/interop/server.test.ts', 'test/interop/client.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
} : {
  test: {
    include: [
      'test/{codec,crypto,record,handshake,x509,robustness,testing,suites}/**/*.test.ts',
      'test/runtimes/**/*.test.ts',
    ],
    exclude: [
      'node_modules/**', 'test/crypto/ccm.test.ts', 'test/record/allocations.test.ts', 'test/crypto/select.test.ts',
      'test/record/protection-edges.test.ts',
      // mocks node-crypto.js for the whole file (isolate: false shares the module cache between files)
      'test/crypto/node-aead-missing.test.ts',
      ...(deno ? ['test/x509/certificate.test.ts', 'test/crypto/key-share-checks.test.ts'] : []),
      ...(bun ? ['test/crypto/chacha20-openssl.test.ts', 'test/crypto/node-aead-buffering.test.ts'] : []),
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    // One worker process of the runtime per CPU runs file after file: starting Bun or Deno
    // and loading the package again for each of ~70 files was a third of the run. The files
    // leave no global state behind (the one module mock, in selfsigned-vector.test.ts, is
    // made on fresh modules and undone).
    isolate: false,
  },
});
