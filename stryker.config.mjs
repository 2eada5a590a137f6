// @ts-check
/**
 * Mutation testing of the code that decides security (project issue 19).
 * `npm run mutate` runs tools/mutate.mjs, which runs Stryker once per group
 * below: each group mutates its files (or named functions of a file) and
 * runs only its test files, with per-test coverage so each mutant runs only
 * the tests that reach it. docs/mutation.md has the scores and every
 * surviving mutant.
 *
 * THE FILE LIST LIVES HERE, AND ONLY HERE. When code moves (the core split of
 * issue 12), re-point `mutate` at the new files: `fns(file, ...names)` names
 * methods or functions, so it survives edits that shift lines; it throws when
 * a name is not found, so a stale entry cannot silently mutate nothing.
 */
import { readFileSync } from 'node:fs';

/** The function name of each `file:start-end` entry that `fns` made (for reports). */
export const rangeNames = new Map();

/**
 * Line ranges (`file:start-end`, Stryker's syntax) of the named methods or
 * functions of `file`: from the line declaring `name(` or `name<` to the
 * first later line holding only the declaration's indentation and `}`.
 * @param {string} file
 * @param {...string} names
 * @returns {string[]}
 */
export function fns(file, ...names) {
  const lines = readFileSync(new URL(file, import.meta.url), 'utf8').split('\n');
  return names.map((name) => {
    const decl = new RegExp(`^(\\s*)(?:export\\s+)?(?:async\\s+)?(?:function\\s+|(?:(?:private|protected|public|static|override|readonly)\\s+)*)${name}\\s*[(<]`);
    const start = lines.findIndex((l) => decl.test(l));
    if (start < 0) throw new Error(`stryker.config.mjs: ${name} not found in ${file}`);
    const indent = /** @type {RegExpExecArray} */ (decl.exec(lines[start] ?? ''))[1];
    const end = lines.findIndex((l, i) => i > start && l === `${indent}}`);
    if (end < 0) throw new Error(`stryker.config.mjs: end of ${name} not found in ${file}`);
    const entry = `${file}:${start + 1}-${end + 1}`;
    rangeNames.set(entry, name);
    return entry;
  });
}

/**
 * The groups: what each covers, the code it mutates and the tests that may
 * kill its mutants (a mutant only runs the tests of its group that reach it).
 * @type {Record<string, { covers: string; mutate: string[]; tests: string[] }>}
 */
export const groups = {
  record: {
    covers: 'Record layer: header parsing, epochs, sequence numbers, the replay window (checked before decryption, updated after), which records are accepted in which state.',
    mutate: ['src/record/record-layer.ts', 'src/record/replay-window.ts', 'src/record/record.ts'],
    tests: [
      'test/record/record-layer.test.ts', 'test/record/record.test.ts', 'test/record/replay-window.test.ts',
      'test/robustness/catalogue-record.test.ts', 'test/robustness/integrity.test.ts', 'test/robustness/cid-inner.test.ts',
      'test/robustness/catalogue-requirements.test.ts', 'test/handshake/connection-id.test.ts',
    ],
  },
  protection: {
    covers: 'Record protection: AEAD nonce and additional data (GCM, ChaCha20-Poly1305, CCM), CBC with MAC-then-encrypt and encrypt-then-MAC (padding and MAC checks), the pure AES-CCM, both providers\' AEAD and CBC wrappers.',
    mutate: [
      'src/record/protection.ts', 'src/record/cbc.ts', 'src/crypto/ccm.ts', 'src/crypto/aead-spec.ts',
      'src/crypto/node-aead.ts', 'src/crypto/noble-aead.ts',
    ],
    tests: [
      'test/record/cbc.test.ts', 'test/record/protection-edges.test.ts', 'test/record/record-layer.test.ts', 'test/crypto/aead.test.ts', 'test/crypto/ccm.test.ts',
      'test/crypto/node-aead-buffering.test.ts', 'test/crypto/node-aead-missing.test.ts',
      'test/suites/all-suites.test.ts', 'test/robustness/catalogue-record.test.ts', 'test/robustness/integrity.test.ts',
    ],
  },
  finished: {
    covers: 'Finished: the PRF and verify_data, the transcript hash, the constant-time comparison, and both roles\' Finished checks and the Finished they send (full and abbreviated handshakes).',
    mutate: [
      'src/crypto/prf.ts', 'src/crypto/ct.ts', 'src/handshake/transcript.ts',
      ...fns('src/handshake/common.ts', 'finishedVerifyData', 'checkFinished', 'sendChangeCipherSpecAndFinished', 'finish', 'wipe'),
      ...fns('src/handshake/client-handshake.ts', 'finishFlight5', 'onFinished'),
      ...fns('src/handshake/server-handshake.ts', 'onFinished'),
    ],
    tests: [
      'test/crypto/prf.test.ts', 'test/crypto/select.test.ts', 'test/handshake/transcript.test.ts', 'test/robustness/finished.test.ts',
      'test/handshake/resumption.test.ts', 'test/robustness/psk.test.ts',
    ],
  },
  authentication: {
    covers: 'Signatures and the handshake\'s authentication checks: signature verification in both providers and the scheme rules, the client\'s checks of the server\'s Certificate and ServerKeyExchange signature, the server\'s checks of the client\'s Certificate, raw public key and CertificateVerify.',
    mutate: [
      'src/crypto/node-sign.ts', 'src/crypto/noble-sign.ts', 'src/crypto/schemes.ts',
      ...fns('src/handshake/common.ts', 'importRawPublicKey'),
      ...fns('src/handshake/client-handshake.ts', 'onCertificate', 'onServerKeyExchange'),
      ...fns('src/handshake/server-handshake.ts', 'onCertificate', 'onRawPublicKey', 'onCertificateVerify'),
    ],
    tests: [
      'test/crypto/sign.test.ts', 'test/robustness/certificates.test.ts', 'test/robustness/catalogue-crypto.test.ts',
      'test/handshake/raw-public-keys.test.ts', 'test/x509/keys.test.ts', 'test/crypto/signatures-external.test.ts',
      'test/handshake/certificate-auth12.test.ts', 'test/crypto/sign-edges.test.ts',
    ],
  },
  x509: {
    covers: 'Certificate path validation (src/x509/verify.ts and what it calls): path building, the checks of one path (validity, basic constraints and path length, key usage and extended key usage, the RFC 5280 profile, name constraints, policies), revocation with CRLs, host names and IP addresses, certificate and CRL signatures, the work budget.',
    mutate: [
      'src/x509/verify.ts', 'src/x509/build.ts', 'src/x509/validate.ts', 'src/x509/profile.ts', 'src/x509/name-constraints.ts',
      'src/x509/policy.ts', 'src/x509/revocation.ts', 'src/x509/signature.ts', 'src/x509/hostname.ts', 'src/x509/budget.ts',
    ],
    tests: [
      'test/x509/verify.test.ts', 'test/x509/validation-rules.test.ts', 'test/x509/crl.test.ts',
      'test/x509/certificate.test.ts', 'test/robustness/certificates.test.ts', 'test/handshake/revocation.test.ts',
      'test/x509/openssl-agreement.test.ts', 'test/x509/path-edges.test.ts', 'test/x509/name-constraints.test.ts',
      'test/x509/signature.test.ts', 'test/x509/revocation-edges.test.ts', 'test/x509/policy.test.ts', 'test/x509/build-profile.test.ts',
    ],
  },
  x509Decoding: {
    covers: 'The certificate and CRL decoding path validation relies on: strict DER, the certificate and CRL fields and extensions it reads (names, times, public keys, key usage, alternative names, name constraints, policies, distribution points), IP addresses.',
    mutate: [
      ...fns('src/x509/asn1.ts', 'derProblem', 'tlvLength', 'innerTlvs', 'decodeDer', 'children', 'seq', 'set', 'oid', 'isContext', 'primitiveBytes',
        'octetString', 'bitString', 'integerBytes', 'smallInteger', 'booleanValue'),
      ...fns('src/x509/ip.ts', 'parseIpv4', 'parseIpv6', 'parseIpAddress', 'isIpAddress'),
      ...fns('src/x509/names.ts', 'stringValue', 'canonicalValue', 'decodeName', 'nameKey', 'attributeValues'),
      ...fns('src/x509/certificate.ts', 'decodeVersion', 'decodeExtensionList', 'parseUnchecked', 'parseCertificate', 'sameCertificate'),
      'src/x509/extensions.ts', 'src/x509/general-names.ts', 'src/x509/time.ts', 'src/x509/public-key.ts', 'src/x509/crl.ts',
    ],
    tests: [
      'test/x509/certificate.test.ts', 'test/x509/crl.test.ts', 'test/x509/ip.test.ts', 'test/x509/verify.test.ts',
      'test/x509/validation-rules.test.ts', 'test/x509/keys.test.ts', 'test/robustness/certificates.test.ts',
      'test/x509/openssl-agreement.test.ts', 'test/x509/time.test.ts', 'test/x509/general-names.test.ts', 'test/x509/asn1.test.ts',
      'test/x509/extensions.test.ts', 'test/x509/public-key.test.ts', 'test/x509/crl-decoding.test.ts', 'test/x509/names.test.ts',
      'test/x509/certificate-decoding.test.ts',
    ],
  },
  keyExchange: {
    covers: 'Key exchange and PSK: ECDHE key shares and peer point validation in both providers, the PSK premaster and the master secret, the hello extensions both roles check (renegotiation_info, extended master secret, encrypt-then-MAC), and the handshake\'s checks of the ServerHello (with the DTLS 1.3 downgrade sentinel), the server\'s (PSK) key exchange and the ClientKeyExchange.',
    mutate: [
      'src/crypto/key-share.ts', 'src/crypto/node-ecdh.ts', 'src/crypto/noble-ecdh.ts',
      ...fns('src/handshake/common.ts', 'pskPremaster', 'masterFromPremaster', 'renegotiationInfoOf', 'extendedMasterSecretOf', 'encryptThenMacOf'),
      ...fns('src/handshake/client-handshake.ts', 'onServerHello', 'offeredGroup', 'onPskServerKeyExchange', 'onPskServerHelloDone', 'isDowngradeSentinel'),
      ...fns('src/handshake/server-handshake.ts', 'onClientKeyExchange', 'keysReady', 'serverRandom'),
    ],
    tests: [
      'test/crypto/ecdh.test.ts', 'test/robustness/psk.test.ts', 'test/robustness/catalogue-crypto.test.ts',
      'test/robustness/catalogue-state-machine.test.ts',
      'test/handshake/resumption.test.ts', 'test/handshake/extensions.test.ts', 'test/handshake/downgrade.test.ts',
      'test/handshake/key-exchange.test.ts', 'test/crypto/key-share-checks.test.ts',
      'test/handshake/psk12.test.ts', 'test/handshake/server-hello12.test.ts',
    ],
  },
  frontDoor: {
    covers: 'The stateless front door: the cookie (HMAC over the client\'s address and hello, current or previous secret), and the endpoint\'s handling of datagrams before any state exists: DTLS 1.2\'s HelloVerifyRequest, DTLS 1.3\'s HelloRetryRequest and its cookie (the suite, group and first ClientHello hash it carries), which ClientHello may start an association, and the limits on associations.',
    mutate: [
      'src/handshake/cookie.ts', 'src/endpoint/front-door.ts', 'src/endpoint/front-door13.ts',
      ...fns('src/endpoint/server-endpoint.ts', 'route', 'admit', 'route13', 'refuse', 'start', 'start13', 'register', 'sendHelloVerifyRequest'),
    ],
    tests: [
      'test/handshake/cookie.test.ts', 'test/endpoint/front-door.test.ts', 'test/endpoint/front-door13.test.ts', 'test/robustness/bad-input.test.ts',
      'test/endpoint/hello-rate.test.ts', 'test/endpoint/hello-retry-record.test.ts',
      'test/robustness/catalogue-dos.test.ts', 'test/robustness/catalogue-state-machine.test.ts', 'test/handshake/connection-id.test.ts',
      'test/robustness/dtls13-records.test.ts',
    ],
  },
};

/** The run settings every group shares (tools/mutate.mjs adds `mutate` and `testFiles`). */
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.config.ts', related: false },
  // Each mutant runs only the tests that executed it in the dry run.
  coverageAnalysis: 'perTest',
  // 2 cores, shared with other work: one test-runner process (npm run mutate -- --concurrency 2 on a quiet machine).
  concurrency: 1,
  // Module-level constants would need every test of the group re-run per mutant; they are
  // tables (suites, registries) that the vectors and interop tests pin down anyway.
  ignoreStatic: true,
  timeoutFactor: 2,
  timeoutMS: 20_000,
  dryRunTimeoutMinutes: 30,
  thresholds: { high: 95, low: 90, break: null },
  // No mutants in the literal message of a thrown error (tools/stryker-ignore-messages.mjs):
  // the code and the alert, which tests assert, stay mutated.
  plugins: ['@stryker-mutator/*', './tools/stryker-ignore-messages.mjs'],
  ignorers: ['error-messages'],
  reporters: ['json', 'clear-text', 'progress'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  ignorePatterns: ['dist', 'docs/api', '.bench-out', 'fuzz/corpus', 'fuzz/crashes', 'reports', 'coverage', 'test-artifacts'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  mutate: Object.values(groups).flatMap((g) => g.mutate),
  testFiles: [...new Set(Object.values(groups).flatMap((g) => g.tests))],
};
export default config;
