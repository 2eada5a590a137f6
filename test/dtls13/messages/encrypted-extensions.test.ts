import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEncryptedExtensions, encodeEncryptedExtensions } from '../../../src/dtls13/messages/encrypted-extensions.js';
import { ExtensionType } from '../../../src/handshake/registry.js';
import { hex, toHex } from '../../codec/hex.js';
import { bytesOf, decodeBytes, encodeMessage, expectRejects, u16 } from '../../handshake/messages/helpers.js';
import { S3 } from '../rfc8448.js';
import { codecSuite } from './codec-suite.js';

describe('EncryptedExtensions (RFC 8446 §4.3.1)', () => {
  codecSuite({
    decode: decodeEncryptedExtensions, encode: encodeEncryptedExtensions,
    // RFC 8448 §3: supported_groups, record_size_limit (28), server_name (empty).
    vector: S3.encryptedExtensions.subarray(4),
    value: {
      extensions: [
        { type: ExtensionType.supported_groups, data: hex('0012001d00170018001901000101010201030104') },
        { type: 28, data: hex('4001') },
        { type: ExtensionType.server_name, data: new Uint8Array(0) },
      ],
    },
    arbitrary: fc.record({ extensions: fc.uniqueArray(fc.record({ type: u16, data: bytesOf(0, 30) }), { selector: (e) => e.type, maxLength: 5 }) }),
    trailing: 'EncryptedExtensions: 1 trailing bytes',
  });

  it('always writes the extensions length, even for none', () => {
    expect(toHex(encodeMessage(encodeEncryptedExtensions, { extensions: [] }))).toBe('0000');
    expect(decodeBytes(decodeEncryptedExtensions, hex('0000'))).toEqual({ extensions: [] });
  });

  it('rejects an empty body (the vector is not optional)', () => {
    expectRejects(decodeEncryptedExtensions, new Uint8Array(0), /^extensions: need 2 bytes, 0 left/);
  });
});
