/**
 * createSelfSigned's exact bytes for a fixed random source and clock: the
 * certificate pkijs built before createSelfSigned wrote the TBSCertificate
 * itself (the vector below was produced by that version), so the rewrite
 * changed nothing a user can see. The time straddles 2050: notBefore is a
 * UTCTime, notAfter a GeneralizedTime (RFC 5280 §4.1.2.5).
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

// The key from the random source (the @noble path), not from node:crypto's generator.
// doMock and fresh modules rather than a hoisted vi.mock: the runtimes' suites share
// workers between files (isolate: false), where the module may already be loaded.
vi.resetModules();
vi.doMock('../../src/crypto/node-crypto.js', () => ({ nodeCrypto: () => undefined }));
const { nobleProvider } = await import('../../src/crypto/index.js');
const { createSelfSigned } = await import('../../src/x509/selfsigned.js');
const { Prng } = await import('../../src/testing/prng.js');

afterAll(() => {
  vi.doUnmock('../../src/crypto/node-crypto.js');
  vi.resetModules();
});

const VECTOR =
  '308201e63082018da003020102021022ce0f49fe8a1fab7035f685782d976b300a06082a8648ce3d0403023011310f300d06035504030c06766563746f723020170d3439313233303233303030305a180f32303530303130323233303030305a3011310f300d06035504030c06766563746f723059301306072a8648ce3d020106082a8648ce3d03010703420004630431a8f3ba7fd3c767acfb98a3782725ace4e14843ac8c031ec7e1320aacde89dcad9b8b314efafbc382a3abd2ee09baf784d94977620747d59a9606d2592fa381c43081c1300c0603551d130101ff04023000300e0603551d0f0101ff040403020780301d0603551d250416301406082b0601050507030106082b0601050507030230420603551d11043b30398209612e6578616d706c65820b2a2e622e6578616d706c6587040a0102038710fe8000000000000000000000000000018207312e322e332e34301d0603551d0e04160414929be9f6673a87f3b63a60af1378bb3dda975220301f0603551d23041830168014929be9f6673a87f3b63a60af1378bb3dda975220300a06082a8648ce3d040302034700304402205fa7daa892b6ce1e15d3eab786319d7ee74102d0016febca785a731912a5cce60220247f56769f3b3530c37d018a74392d38c58d66fc9fe5d63ae48313d2a970eae4';

afterEach(() => {
  vi.useRealTimers();
});

describe('createSelfSigned byte vector', () => {
  it('writes the same DER as the pkijs-built version did', () => {
    vi.useFakeTimers({ now: Date.UTC(2049, 11, 31, 23, 0, 0), toFake: ['Date'] });
    const rng = new Prng(7);
    const provider = { ...nobleProvider, randomBytes: (n: number) => rng.bytes(n) };
    const c = createSelfSigned(provider, {
      commonName: 'vector',
      altNames: ['a.example', '*.b.example', '10.1.2.3', 'fe80::1', 'DNS:1.2.3.4'],
      days: 2,
    });
    expect(Buffer.from(c.certDer).toString('hex')).toBe(VECTOR);
  });

  it('writes validity times in whole seconds (RFC 5280 §4.1.2.5.2: no fractions in GeneralizedTime)', () => {
    vi.useFakeTimers({ now: Date.UTC(2060, 5, 1, 0, 0, 0, 999), toFake: ['Date'] });
    const rng = new Prng(8);
    const provider = { ...nobleProvider, randomBytes: (n: number) => rng.bytes(n) };
    // One day and a quarter of a second: notAfter is cut to the second.
    const text = Buffer.from(createSelfSigned(provider, { days: 1 + 0.25 / 86_400 }).certDer).toString('latin1');
    expect(text).toContain('\x18\x0f20600531000000Z'); // notBefore: one day earlier
    expect(text).toContain('\x18\x0f20600602000000Z'); // notAfter
  });
});
