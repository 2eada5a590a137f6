import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DtlsVersion, decodeSelectedVersion, decodeSupportedVersionsList, encodeSelectedVersion, encodeSupportedVersionsList,
} from '../../../src/dtls13/messages/supported-versions.js';
import { hex } from '../../codec/hex.js';
import { expectRejects, u16 } from '../../handshake/messages/helpers.js';
import { codecSuite } from './codec-suite.js';

describe('supported_versions in a ClientHello (RFC 8446 §4.2.1, RFC 9147 §5.3)', () => {
  codecSuite({
    decode: decodeSupportedVersionsList, encode: encodeSupportedVersionsList,
    vector: hex('04 fefc fefd'), value: { versions: [DtlsVersion.DTLS1_3, DtlsVersion.DTLS1_2] },
    arbitrary: fc.record({ versions: fc.array(u16, { minLength: 1, maxLength: 127 }) }),
    trailing: 'supported_versions: 1 trailing bytes',
  });

  it('names DTLS 1.3 0xfefc, 1.2 0xfefd and 1.0 0xfeff', () => {
    expect(DtlsVersion).toEqual({ DTLS1_0: 0xfeff, DTLS1_2: 0xfefd, DTLS1_3: 0xfefc });
  });

  it('rejects an empty list and an odd length', () => {
    expectRejects(decodeSupportedVersionsList, hex('00'), /versions: length 0 outside 2\.\.254/);
    expectRejects(decodeSupportedVersionsList, hex('03 fefc fe'), 'versions: odd length');
  });
});

describe('supported_versions in a ServerHello or HelloRetryRequest (RFC 8446 §4.2.1)', () => {
  codecSuite({
    decode: decodeSelectedVersion, encode: encodeSelectedVersion,
    vector: hex('fefc'), value: { selectedVersion: 0xfefc },
    arbitrary: fc.record({ selectedVersion: u16 }),
    trailing: 'supported_versions: 1 trailing bytes',
  });
});
