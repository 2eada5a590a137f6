import fc from 'fast-check';
import { describe, it } from 'vitest';
import { decodeCertificateRequest13, encodeCertificateRequest13 } from '../../../src/dtls13/messages/certificate-request.js';
import { ExtensionType } from '../../../src/handshake/registry.js';
import { hex } from '../../codec/hex.js';
import { bytesOf, expectRejects, u16 } from '../../handshake/messages/helpers.js';
import { codecSuite } from './codec-suite.js';

describe('CertificateRequest of TLS 1.3 (RFC 8446 §4.3.2)', () => {
  codecSuite({
    decode: decodeCertificateRequest13, encode: encodeCertificateRequest13,
    vector: hex('00 000a 000d 0006 0004 0403 0804'),
    value: { certificateRequestContext: new Uint8Array(0), extensions: [{ type: ExtensionType.signature_algorithms, data: hex('000404030804') }] },
    arbitrary: fc.record({
      certificateRequestContext: bytesOf(0, 255),
      extensions: fc.uniqueArray(fc.record({ type: u16, data: bytesOf(0, 30) }), { selector: (e) => e.type, minLength: 1, maxLength: 4 }),
    }),
    trailing: 'CertificateRequest: 1 trailing bytes',
  });

  it('rejects an empty extensions vector (<2..2^16-1>)', () => {
    expectRejects(decodeCertificateRequest13, hex('00 0000'), /extensions: length 0 outside 2\.\./);
  });

  it('keeps a post-handshake request context', () => {
    expectRejects(decodeCertificateRequest13, hex('04 0102'), /certificate_request_context: need 4 bytes, 2 left/);
  });
});
