/**
 * The key-share checks around the curve libraries, in both providers (what
 * the keyExchange mutation run left alive, docs/mutation.md): a peer value of
 * the wrong length is refused by our own structural check before any
 * arithmetic (so no curve library error is its cause), a point the library
 * refuses keeps the library's error as its cause, an unknown group is a
 * crypto error rather than a TypeError, and a key share does not depend on
 * the caller's private key array after it was made.
 */
import { describe, expect, it } from 'vitest';
import { nobleKeyShare, nobleKeyShareFromPrivate } from '../../src/crypto/noble-ecdh.js';
import { nodeKeyShare, nodeKeyShareFromPrivate } from '../../src/crypto/node-ecdh.js';
import type { GroupName, KeyShare } from '../../src/crypto/provider.js';
import { DtlsError } from '../../src/errors.js';
import { counting, toHex } from '../codec/hex.js';

const MODULES = [
  { name: 'node', fresh: nodeKeyShare, fromPrivate: nodeKeyShareFromPrivate },
  { name: 'noble', fresh: nobleKeyShare, fromPrivate: nobleKeyShareFromPrivate },
] as const;
const LENGTH = { x25519: 32, secp256r1: 65, secp384r1: 97 } as const;
const GROUPS = Object.keys(LENGTH) as GroupName[];

function refusal(share: KeyShare, peer: Uint8Array): DtlsError {
  try {
    share.computeSecret(peer);
  } catch (e) {
    expect(e).toBeInstanceOf(DtlsError);
    expect(e).toMatchObject({ code: 'ERR_DTLS_BAD_KEY_SHARE', alert: 'illegal_parameter' });
    return e as DtlsError;
  }
  throw new Error('computeSecret accepted the peer value');
}

describe.each(MODULES)('key shares ($name)', ({ fresh, fromPrivate }) => {
  it.each(GROUPS)('%s: a peer value one byte short or long is refused before any arithmetic (no library error as its cause)', (group) => {
    const share = fresh(group);
    const good = fresh(group).publicKey;
    expect(good).toHaveLength(LENGTH[group]);
    for (const peer of [good.subarray(0, good.length - 1), Uint8Array.from([...good, 0])]) {
      expect(refusal(share, peer).cause).toBeUndefined();
    }
  });

  it.each(['secp256r1', 'secp384r1'] as const)('%s: a point off the curve is the library\'s refusal, kept as the cause', (group) => {
    const share = fresh(group);
    const peer = fresh(group).publicKey.slice();
    peer[peer.length - 1]! ^= 1; // y no longer matches x
    expect(refusal(share, peer).cause).toBeDefined();
  });

  it('x25519: a low-order point (u = 0) is refused, with the library\'s error or the all-zero check', () => {
    const e = refusal(fresh('x25519'), new Uint8Array(32));
    expect(e.code).toBe('ERR_DTLS_BAD_KEY_SHARE');
  });

  it('an unknown group is ERR_DTLS_CRYPTO, for a fresh share and one from a private key', () => {
    expect(() => fresh('x448' as GroupName)).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
    expect(() => fromPrivate('x448' as GroupName, counting(32, 1))).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
    expect(() => fromPrivate('toString' as GroupName, counting(32, 1))).toThrow(expect.objectContaining({ code: 'ERR_DTLS_CRYPTO' }));
  });

  it.each(GROUPS)('%s: the share keeps its own copy of the private key (the caller may wipe its array)', (group) => {
    const priv = counting(group === 'secp384r1' ? 48 : 32, 0x21);
    const peer = fresh(group);
    const want = toHex(fromPrivate(group, priv.slice()).computeSecret(peer.publicKey));
    const share = fromPrivate(group, priv);
    priv.fill(0x77);
    expect(toHex(share.computeSecret(peer.publicKey))).toBe(want);
  });
});
