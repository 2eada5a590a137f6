/**
 * The key exchange's byte-level pieces, checked against the RFCs with a
 * reference PRF over node:crypto's HMAC (test/crypto/helpers.ts), for both providers: the PSK
 * premaster secret (RFC 4279 §2, RFC 5489 §2), the master secret and the
 * extended master secret (RFC 5246 §8.1, RFC 7627 §4), and the hello
 * extensions both roles read (renegotiation_info, extended_master_secret,
 * encrypt_then_mac). A handshake between two puredtls peers cannot show a
 * wrong layout here: both sides would compute the same wrong secret.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { type CipherSuite, suiteById } from '../../src/crypto/suites.js';
import {
  encryptThenMacOf, extendedMasterSecretOf, type HelloParams, masterFromPremaster, pskPremaster, renegotiationInfoOf,
} from '../../src/handshake/common.js';
import type { HandshakeDriver } from '../../src/handshake/driver.js';
import type { Extension } from '../../src/handshake/extensions.js';
import { nativeProvider, referencePrf } from '../crypto/helpers.js';
import { counting, hex, toHex } from '../codec/hex.js';

const PROVIDERS = [['node', nativeProvider], ['noble', nobleProvider]] as const;

function suite(id: number): CipherSuite {
  const s = suiteById(id);
  if (!s) throw new Error(`no suite ${id}`);
  return s;
}


describe('the PSK premaster secret', () => {
  it('plain PSK (RFC 4279 §2): uint16 N ‖ N zero bytes ‖ uint16 N ‖ psk', () => {
    const psk = hex('0102030405');
    expect(toHex(pskPremaster(psk, undefined))).toBe('0005' + '0000000000' + '0005' + '0102030405');
  });

  it('lengths are big-endian 16-bit: a 300-byte PSK', () => {
    const psk = counting(300, 7);
    const pms = pskPremaster(psk, undefined);
    expect(pms).toHaveLength(4 + 600);
    expect(toHex(pms.subarray(0, 2))).toBe('012c');
    expect(pms.subarray(2, 302).every((b) => b === 0)).toBe(true);
    expect(toHex(pms.subarray(302, 304))).toBe('012c');
    expect(toHex(pms.subarray(304))).toBe(toHex(psk));
  });

  it('ECDHE_PSK (RFC 5489 §2): uint16 len(Z) ‖ Z ‖ uint16 len(psk) ‖ psk, and the ECDH secret is wiped', () => {
    const z = counting(32, 0xa0);
    const zCopy = z.slice();
    const pms = pskPremaster(hex('c0ffee'), z);
    expect(toHex(pms)).toBe('0020' + toHex(zCopy) + '0003' + 'c0ffee');
    expect(z.every((b) => b === 0)).toBe(true);
  });
});

describe.each(PROVIDERS)('the master secret from the premaster secret (%s)', (_name, provider) => {
  const clientRandom = counting(32, 0x10);
  const serverRandom = counting(32, 0x50);
  const sessionHash = { sha256: counting(32, 0xc0), sha384: counting(48, 0xd0) };
  /** A driver with only what masterFromPremaster reads: the provider and the transcript hash (the session hash). */
  const driver = (hashed: string[]) => ({
    provider,
    transcript: { hash: (_p: unknown, alg: 'sha256' | 'sha384') => { hashed.push(alg); return sessionHash[alg]; } },
  }) as unknown as HandshakeDriver;
  const params = (s: CipherSuite, ems: boolean) => ({ suite: s, clientRandom, serverRandom, ems, etm: false }) as unknown as HelloParams;

  it.each([
    ['ECDHE-ECDSA-AES128-GCM-SHA256', 0xc02b, 'sha256'],
    ['ECDHE-ECDSA-AES256-GCM-SHA384', 0xc02c, 'sha384'],
  ] as const)('%s: PRF(pms, "master secret", client_random ‖ server_random), and the premaster secret wiped', (_s, id, hash) => {
    const pms = counting(48, 0x33);
    const want = referencePrf(hash, pms, 'master secret', Buffer.concat([clientRandom, serverRandom]), 48);
    const hashed: string[] = [];
    expect(toHex(masterFromPremaster(driver(hashed), params(suite(id), false), pms))).toBe(want);
    expect(pms.every((b) => b === 0)).toBe(true);
    expect(hashed).toEqual([]);
  });

  it.each([
    ['ECDHE-ECDSA-AES128-GCM-SHA256', 0xc02b, 'sha256'],
    ['ECDHE-ECDSA-AES256-GCM-SHA384', 0xc02c, 'sha384'],
  ] as const)('%s with the extended master secret: PRF(pms, "extended master secret", session_hash) over the suite\'s hash', (_s, id, hash) => {
    const pms = counting(48, 0x33);
    const want = referencePrf(hash, pms, 'extended master secret', sessionHash[hash], 48);
    const hashed: string[] = [];
    expect(toHex(masterFromPremaster(driver(hashed), params(suite(id), true), pms))).toBe(want);
    expect(pms.every((b) => b === 0)).toBe(true);
    expect(hashed).toEqual([hash]);
  });
});

describe('the hello extensions both roles read', () => {
  const ext = (type: number, data: string): Extension => ({ type, data: hex(data) });
  const RENEGOTIATION_INFO = 0xff01;
  const EMS = 23;
  const ETM = 22;
  const other = ext(0x000b, '0100');

  it('renegotiation_info: absent is false, empty (a zero-length renegotiated_connection) is true, anything else is refused', () => {
    expect(renegotiationInfoOf([other], 'in ServerHello')).toBe(false);
    expect(renegotiationInfoOf([other, ext(RENEGOTIATION_INFO, '00')], 'in ServerHello')).toBe(true);
    expect(() => renegotiationInfoOf([ext(RENEGOTIATION_INFO, '0c' + '00'.repeat(12))], 'in ServerHello'))
      .toThrow(expect.objectContaining({ code: 'ERR_DTLS_RENEGOTIATION', alert: 'handshake_failure' }));
  });

  it('extended_master_secret: on when present and empty; refused when required and absent; malformed when not empty', () => {
    expect(extendedMasterSecretOf([other, ext(EMS, '')], true, 'no EMS')).toBe(true);
    expect(extendedMasterSecretOf([other, ext(EMS, '')], false, 'no EMS')).toBe(true);
    expect(extendedMasterSecretOf([other], false, 'no EMS')).toBe(false);
    expect(() => extendedMasterSecretOf([other], true, 'no EMS'))
      .toThrow(expect.objectContaining({ code: 'ERR_DTLS_EMS_REQUIRED', alert: 'handshake_failure', message: 'no EMS' }));
    expect(() => extendedMasterSecretOf([ext(EMS, '00')], false, 'no EMS')).toThrow(expect.objectContaining({ code: 'ERR_DTLS_DECODE' }));
  });

  it('encrypt_then_mac: on only when present, empty and the suite is CBC', () => {
    const cbc = suite(0xc023);
    const gcm = suite(0xc02b);
    expect(cbc.protection.kind).toBe('cbc');
    expect(encryptThenMacOf([other, ext(ETM, '')], cbc)).toBe(true);
    expect(encryptThenMacOf([other, ext(ETM, '')], gcm)).toBe(false);
    expect(encryptThenMacOf([other], cbc)).toBe(false);
    expect(() => encryptThenMacOf([ext(ETM, '00')], cbc)).toThrow(expect.objectContaining({ code: 'ERR_DTLS_DECODE' }));
  });
});
