import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyShareFromPrivate as nobleFromPrivate, nobleProvider } from '../../src/crypto/noble-provider.js';
import { keyShareFromPrivate as nodeFromPrivate, nodeProvider } from '../../src/crypto/node-provider.js';
import type { GroupName, KeyShare } from '../../src/crypto/provider.js';
import { DtlsError } from '../../src/errors.js';
import { hex, pattern, providers, toHex } from './helpers.js';

const GROUPS: readonly GroupName[] = ['x25519', 'secp256r1', 'secp384r1'];
const fromPrivate = [
  { name: 'node', make: nodeFromPrivate },
  { name: 'noble', make: nobleFromPrivate },
] as const;

/** RFC 7748 §6.1. */
const RFC7748 = {
  alicePriv: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
  alicePub: '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
  bobPriv: '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb',
  bobPub: 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
  shared: '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
};

/** X25519 u-coordinates of small order (0, 1, p−1, the two of order 8) and non-canonical p, p+1. */
const LOW_ORDER_X25519 = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

function expectBadShare(share: KeyShare, peer: Uint8Array): void {
  let err: unknown;
  try {
    share.computeSecret(peer);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DtlsError);
  expect(err).toMatchObject({ code: 'ERR_DTLS_BAD_KEY_SHARE', alert: 'illegal_parameter' });
}

describe.each(fromPrivate)('X25519 RFC 7748 §6.1 ($name)', ({ make }) => {
  it('derives both public keys and the shared secret', () => {
    const alice = make('x25519', hex(RFC7748.alicePriv));
    const bob = make('x25519', hex(RFC7748.bobPriv));
    expect(toHex(alice.publicKey)).toBe(RFC7748.alicePub);
    expect(toHex(bob.publicKey)).toBe(RFC7748.bobPub);
    expect(toHex(alice.computeSecret(hex(RFC7748.bobPub)))).toBe(RFC7748.shared);
    expect(toHex(bob.computeSecret(hex(RFC7748.alicePub)))).toBe(RFC7748.shared);
  });

  it('gives the same public key as the other module for the same NIST scalar', () => {
    for (const [group, len] of [['secp256r1', 32], ['secp384r1', 48]] as const) {
      const d = pattern(len, 42);
      d[0] = 0x11;
      expect(toHex(make(group, d).publicKey)).toBe(toHex(nobleFromPrivate(group, d).publicKey));
    }
  });

  it('rejects wrong-length and out-of-range private keys', () => {
    expect(() => make('x25519', new Uint8Array(31))).toThrow(DtlsError);
    expect(() => make('secp256r1', new Uint8Array(32))).toThrow(DtlsError);
    expect(() => make('secp384r1', new Uint8Array(48).fill(0xff))).toThrow(DtlsError);
  });
});

describe.each(providers)('ECDHE key shares ($name provider)', (p) => {
  it.each(GROUPS)('%s agrees with both providers', (group) => {
    const mine = p.generateKeyShare(group);
    expect(mine.group).toBe(group);
    for (const q of providers) {
      const theirs = q.generateKeyShare(group);
      const a = mine.computeSecret(theirs.publicKey);
      const b = theirs.computeSecret(mine.publicKey);
      expect(toHex(a)).toBe(toHex(b));
      expect(a.length).toBe(group === 'secp384r1' ? 48 : 32);
    }
  });

  it.each(GROUPS)('%s public value has the wire format', (group) => {
    const s = p.generateKeyShare(group);
    if (group === 'x25519') expect(s.publicKey.length).toBe(32);
    else {
      expect(s.publicKey.length).toBe(group === 'secp256r1' ? 65 : 97);
      expect(s.publicKey[0]).toBe(4);
    }
    expect(toHex(p.generateKeyShare(group).publicKey)).not.toBe(toHex(s.publicKey));
  });

  it.each(LOW_ORDER_X25519)('x25519 rejects low-order / non-canonical point %s', (u) => {
    expectBadShare(p.generateKeyShare('x25519'), hex(u));
  });

  it('x25519 rejects wrong lengths', () => {
    const s = p.generateKeyShare('x25519');
    for (const n of [0, 1, 31, 33, 65]) expectBadShare(s, new Uint8Array(n).fill(9));
  });

  it.each(['secp256r1', 'secp384r1'] as const)('%s rejects points off the curve, compressed, identity, wrong length', (group) => {
    const s = p.generateKeyShare(group);
    const good = p.generateKeyShare(group).publicKey;
    const size = (good.length - 1) / 2;
    const offCurve = good.slice();
    offCurve[offCurve.length - 1]! ^= 1;
    expectBadShare(s, offCurve);
    const zeros = new Uint8Array(good.length);
    zeros[0] = 4;
    expectBadShare(s, zeros);
    const compressed = new Uint8Array(1 + size);
    compressed[0] = 2 + (good[good.length - 1]! & 1);
    compressed.set(good.subarray(1, 1 + size), 1);
    expectBadShare(s, compressed);
    for (const prefix of [0, 2, 3, 6, 7]) {
      const other = good.slice();
      other[0] = prefix;
      expectBadShare(s, other);
    }
    expectBadShare(s, new Uint8Array([0]));
    expectBadShare(s, good.subarray(0, good.length - 1));
    expectBadShare(s, new Uint8Array([...good, 0]));
    // The share is still usable after rejections.
    expect(s.computeSecret(good).length).toBe(size);
  });

  it('property: arbitrary peer bytes give a secret or ERR_DTLS_BAD_KEY_SHARE, nothing else', () => {
    const shares = GROUPS.map((g) => p.generateKeyShare(g));
    fc.assert(fc.property(fc.constantFrom(0, 1, 2), fc.uint8Array({ maxLength: 100 }), fc.boolean(), (gi, bytes, fix) => {
      const s = shares[gi]!;
      const len = [32, 65, 97][gi]!;
      let peer = bytes;
      if (fix) {
        peer = new Uint8Array(len);
        peer.set(bytes.subarray(0, len));
        if (gi > 0) peer[0] = 4;
      }
      try {
        const z = s.computeSecret(peer);
        expect(gi).toBe(0); // random NIST coordinates are essentially never on the curve
        expect(z.length).toBe(32);
      } catch (e) {
        expect(e).toMatchObject({ code: 'ERR_DTLS_BAD_KEY_SHARE', alert: 'illegal_parameter' });
      }
    }), { numRuns: 300 });
  });
});

describe('cross-module agreement from fixed private keys', () => {
  it.each(GROUPS)('%s: node and noble compute the same secret', (group) => {
    const len = group === 'secp384r1' ? 48 : 32;
    const a = pattern(len, 1);
    const b = pattern(len, 2);
    a[0] = 0x22;
    b[0] = 0x33;
    const s1 = nodeFromPrivate(group, a).computeSecret(nobleFromPrivate(group, b).publicKey);
    const s2 = nobleFromPrivate(group, b).computeSecret(nodeFromPrivate(group, a).publicKey);
    expect(toHex(s1)).toBe(toHex(s2));
    expect(nodeProvider.name).toBe('node');
    expect(nobleProvider.name).toBe('noble');
  });
});
