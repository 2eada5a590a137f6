import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { keyShareFromPrivate as nobleShare } from '../../src/crypto/noble-provider.js';
import {
  type HybridParts, X25519MLKEM768_CLIENT_SHARE, X25519MLKEM768_SERVER_SHARE, hybridEncapsulate, hybridKeyShare,
} from '../../src/crypto/hybrid-kem.js';
import { testProvider } from '../../src/crypto/test-provider.js';
import { DtlsError } from '../../src/errors.js';
import { NamedGroup } from '../../src/handshake/registry.js';
import { hex, providers, toHex } from './helpers.js';

/**
 * ML-KEM-768 public key of draft-ietf-lamps-kyber-certificates Appendix C,
 * generated from the seed 00 01 … 3f (as a SubjectPublicKeyInfo: 22 bytes of
 * header, then the 1184-byte encapsulation key).
 */
const IETF_MLKEM768_SPKI = Buffer.from(`
MIIEsjALBglghkgBZQMEBAIDggShACmKoQ1CPI3aBp0CvFnmzfA6CWuLPaTKubgM
pKFJB2cszvHsT68jSgvFt+nUc/KzEzs7JqHRdctnp4BZGWmcAvdlMbmcX4kYBwS7
TKRTXFuJcmecZgoHxeUUuHAJyGLrj1FXaV77P8QKne9rgcHMAqJJrk8JStDZvTSF
wcHGgIBSCnyMYyAyzuc4FU5cUXbAfaVgJHdqQw/nbqz2ZaP3uDIQIhW8gvEJOcg1
VwQzao+sHYHkuwSFql18dNa1m75cXpcqDYusQRtVtdVVfNaAoaj3G064a8SMmgUJ
cxpUvZ1ykLJ5Y+Q3Lcmxmc/crAsBrNKKYjlREuTENkjWIsSMgjTQFEDozDdskn8j
pa/JrAR0xmInTkJFJchVLs47P+JlFt6QG8fVFb3olVjmJslcgLkzQvgBAATznmxs
lIccXjRMqzlmyDX5qWpZr9McQChrOLHBp4RwurlHUYk0RTzoZzapGfH1ptUQqG9U
VPw5gMtcdlvSvV97NrFBDWY1yM60fE3aDXaijqyTnHHDAkgEhmxxYmZYRCFjwsIh
F+UKzvzmN4qYVlIwKk7wws4Mxxa3eW4ray43d9+hrD2iWaMbWptTD4y2OKgaYqww
GEmrr5WnMBvaMAaJCb/bfmfbzLs4pVUaJbGjoPaFdIrVdT2IgPABbGJ0hhZjhMVX
H+I2WQA2TQODEeLYdds2ZoaTK17GAkMKNp6Hpu9cM4eGZXglvUwFes65I+sJNeaQ
XmO0ztf4CFenc91ksVDSZhLqmsEgUtsgF78YQ8y0sygbaQ3HKK36hcACgbjjwJKH
M1+Fa0/CiS9povV5Ia2gGRTECYhmLVd2lmKnhjUbm2ZJPat5WU2YbeIQDWW6D/Tq
WLgVONJKRDWiWPrCVASqf0H2WLE4UGXhWNy2ARVzJyD0BFmqrBXkBpU6kKxSmX0c
zQcAYO/GXbnmUzVEZ/rVbscTyG51QMQjrPJmn1L6b0rGiI2HHvPoR8ApqKr7uS4X
skqgebH0GbphdbRCr7EZCdSla3CgM1soc5IYqnyTSOLDwvPrPRWkHmQXwN2Uv+sh
QZsxGnuxOhgLvoMyGKmmsXRHzIXyJYWVh6cwdwSay8/UTQ8CVDjhXRU4Jw1Ybhv4
MZKpRZz2PA6XL4UpdnmDHs8SFQmFHLg0D28Qew+hoO/Rs2qBibwIXE9ct4TlU/Qb
kY+AOXzhlW94W+43fKmqi+aZitowwmt8PYxrVSVMyWIDsgxCruCsTh67QI5JqeP4
edCrB4XrcCVCXRMFoimcAV4SDRY7DhlJTOVyU9AkbRgnRcuBl6t0OLPBu3lyvsWj
BuujVnhVwBRpn+9lrlTHcKDYXBhADPZCrtxmB3e6SxOFAr1aeBL2IfhKSClrmN1D
IrbxWCi4qPDgCoukSlPDqLFDVxsHQKvVZ9rxzenHnCBLbV4lnRdmoxu7y05qBc9F
AhdrMBwcL0Ekd1AVe87IXoCbMKTWDXdHzdD1uZqoyCaYdRd5OqqAgKCxJKhVjfcr
vje3X07btr6CFtbGM/srIoDiURPYaV5DSBw+6zl+sZJQUim2eiAeqJPD4ssy2ovD
QvpN6gV4`.replace(/\s+/g, ''), 'base64');
const SEED = Uint8Array.from({ length: 64 }, (_, i) => i);

/** RFC 7748 §6.1: Alice's and Bob's X25519 keys and their shared secret. */
const ALICE = { priv: hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'), pub: '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a' };
const BOB = { priv: hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'), pub: 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f' };
const X25519_SHARED = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
const MSG = new Uint8Array(32).fill(0x5a);

/** Parts with fixed inputs: the given X25519 private key, and `bytes` for the ML-KEM seed or message. */
const fixedParts = (priv: Uint8Array, bytes: Uint8Array): HybridParts => ({
  x25519: () => nobleShare('x25519', priv),
  randomBytes: (n) => {
    expect(n).toBe(bytes.length);
    return bytes.slice();
  },
});

describe('X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem)', () => {
  it('is group 0x11EC', () => {
    expect(NamedGroup.X25519MLKEM768).toBe(0x11ec);
  });

  it('client share: the ML-KEM-768 key of the IETF example seed, then the RFC 7748 X25519 public key', () => {
    const client = hybridKeyShare(fixedParts(ALICE.priv, SEED), 'x25519mlkem768');
    expect(client.publicKey.length).toBe(X25519MLKEM768_CLIENT_SHARE);
    expect(toHex(client.publicKey.subarray(0, 1184))).toBe(toHex(IETF_MLKEM768_SPKI.subarray(22)));
    expect(toHex(client.publicKey.subarray(1184))).toBe(ALICE.pub);
  });

  it('server share and secret: ML-KEM ciphertext ‖ X25519 public; ML-KEM secret ‖ X25519 secret, as the client finds them', () => {
    const client = hybridKeyShare(fixedParts(ALICE.priv, SEED), 'x25519mlkem768');
    const server = hybridEncapsulate(fixedParts(BOB.priv, MSG), 'x25519mlkem768', client.publicKey);
    const kem = ml_kem768.encapsulate(client.publicKey.subarray(0, 1184), MSG);
    expect(server.share.length).toBe(X25519MLKEM768_SERVER_SHARE);
    expect(toHex(server.share.subarray(0, 1088))).toBe(toHex(kem.cipherText));
    expect(toHex(server.share.subarray(1088))).toBe(BOB.pub);
    expect(toHex(server.secret)).toBe(toHex(kem.sharedSecret) + X25519_SHARED);
    expect(toHex(client.decapsulate(server.share))).toBe(toHex(server.secret));
  });

  it('a tampered ciphertext gives another secret (ML-KEM implicit rejection), not an error', () => {
    const client = hybridKeyShare(fixedParts(ALICE.priv, SEED), 'x25519mlkem768');
    const server = hybridEncapsulate(fixedParts(BOB.priv, MSG), 'x25519mlkem768', client.publicKey);
    const bad = server.share.slice();
    bad[5]! ^= 1;
    const secret = client.decapsulate(bad);
    expect(toHex(secret.subarray(0, 32))).not.toBe(toHex(server.secret.subarray(0, 32)));
    expect(toHex(secret.subarray(32))).toBe(X25519_SHARED);
  });
});

describe.each(providers)('hybrid key shares ($name)', (p) => {
  it('agree with themselves and with the other provider', () => {
    for (const other of providers) {
      const client = p.generateKemKeyShare('x25519mlkem768');
      const server = other.encapsulateKeyShare('x25519mlkem768', client.publicKey);
      expect(server.secret.length).toBe(64);
      expect(toHex(client.decapsulate(server.share))).toBe(toHex(server.secret));
    }
  });

  const illegal = (f: () => unknown): void => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(DtlsError);
      expect((e as DtlsError).alert).toBe('illegal_parameter');
      return;
    }
    throw new Error('expected illegal_parameter');
  };

  it('refuse client shares of the wrong length', () => {
    for (const n of [0, 32, 1184, 1215, 1217]) illegal(() => p.encapsulateKeyShare('x25519mlkem768', new Uint8Array(n)));
  });

  it('refuse an ML-KEM key that fails the modulus check (FIPS 203 §7.2)', () => {
    const client = p.generateKemKeyShare('x25519mlkem768').publicKey.slice();
    client[0] = 0xff; // the first 12-bit coefficient becomes ≥ q = 3329
    client[1]! |= 0x0f;
    illegal(() => p.encapsulateKeyShare('x25519mlkem768', client));
  });

  it('refuse an X25519 half whose result is zero', () => {
    const client = p.generateKemKeyShare('x25519mlkem768');
    const zeroPoint = client.publicKey.slice();
    zeroPoint.fill(0, 1184);
    illegal(() => p.encapsulateKeyShare('x25519mlkem768', zeroPoint));
    const server = p.encapsulateKeyShare('x25519mlkem768', client.publicKey);
    const bad = server.share.slice();
    bad.fill(0, 1088);
    illegal(() => client.decapsulate(bad));
  });

  it('refuse server shares of the wrong length', () => {
    const client = p.generateKemKeyShare('x25519mlkem768');
    for (const n of [0, 1088, 1119, 1121]) illegal(() => client.decapsulate(new Uint8Array(n)));
  });

  it('never throw anything but illegal_parameter on random client shares', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1216, maxLength: 1216 }), (share) => {
      try {
        expect(p.encapsulateKeyShare('x25519mlkem768', share).secret.length).toBe(64);
      } catch (e) {
        expect((e as DtlsError).alert).toBe('illegal_parameter');
      }
    }), { numRuns: 20 });
  });
});

describe('the seeded test provider', () => {
  it('makes the same hybrid shares for the same seed', () => {
    const a = testProvider(7).generateKemKeyShare('x25519mlkem768');
    const b = testProvider(7).generateKemKeyShare('x25519mlkem768');
    expect(toHex(a.publicKey)).toBe(toHex(b.publicKey));
    expect(toHex(testProvider(8).generateKemKeyShare('x25519mlkem768').publicKey)).not.toBe(toHex(a.publicKey));
  });
});
