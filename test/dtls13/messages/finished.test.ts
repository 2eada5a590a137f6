import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFinished13, encodeFinished13 } from '../../../src/dtls13/messages/finished.js';
import { Reader } from '../../../src/codec/reader.js';
import { counting, hex } from '../../codec/hex.js';
import { decodeError, expectRejects } from '../../handshake/messages/helpers.js';
import { S3 } from '../rfc8448.js';
import { codecSuite } from './codec-suite.js';

describe('Finished of TLS 1.3 (RFC 8446 §4.4.4)', () => {
  codecSuite({
    decode: (r) => decodeFinished13(r), encode: encodeFinished13,
    vector: S3.serverFinished.subarray(4), value: { verifyData: S3.serverFinished.subarray(4) },
    arbitrary: fc.record({ verifyData: fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 48, maxLength: 48 })) }),
    trailing: 'verify_data of 33 bytes',
  });

  it('takes 48 bytes for SHA-384 suites', () => {
    expect(decodeFinished13(new Reader(counting(48)), 48).verifyData).toEqual(counting(48));
  });

  it('rejects a length other than the suite hash length', () => {
    expect(decodeError(() => decodeFinished13(new Reader(counting(48)), 32)).message).toBe('Finished: verify_data of 48 bytes, expected 32');
    expectRejects((r) => decodeFinished13(r), hex('00'.repeat(12)), 'verify_data of 12 bytes, expected 32 or 48');
  });
});
