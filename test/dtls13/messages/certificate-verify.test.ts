import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  certificateVerifySignedContent, decodeCertificateVerify, isTls13CertificateVerifyScheme,
} from '../../../src/dtls13/messages/certificate-verify.js';
import { SignatureScheme } from '../../../src/crypto/provider.js';
import { toHex } from '../../codec/hex.js';
import { providers } from '../../crypto/helpers.js';
import { decodeBytes } from '../../handshake/messages/helpers.js';
import { S3 } from '../rfc8448.js';

const CERT_DER = S3.certificate.subarray(11, S3.certificate.length - 2);
const spki = (): Uint8Array => new Uint8Array(new X509Certificate(CERT_DER).publicKey.export({ type: 'spki', format: 'der' }));

describe('CertificateVerify of TLS 1.3 (RFC 8446 §4.4.3)', () => {
  it('signs 64 spaces, the context string, a zero byte and the transcript hash', () => {
    const hash = new Uint8Array(32).fill(0xab);
    const content = certificateVerifySignedContent('server', hash);
    expect(toHex(content.subarray(0, 64))).toBe('20'.repeat(64));
    expect(new TextDecoder().decode(content.subarray(64, 64 + 33))).toBe('TLS 1.3, server CertificateVerify');
    expect(content[97]).toBe(0);
    expect(toHex(content.subarray(98))).toBe(toHex(hash));
    expect(new TextDecoder().decode(certificateVerifySignedContent('client', hash).subarray(64, 97))).toBe('TLS 1.3, client CertificateVerify');
  });

  it.each(providers)('verifies the RFC 8448 §3 server signature (rsa_pss_rsae_sha256) over that content ($name)', (p) => {
    const cv = decodeBytes(decodeCertificateVerify, S3.certificateVerify.subarray(4));
    expect(cv.scheme).toBe(SignatureScheme.rsa_pss_rsae_sha256);
    const key = p.importVerifyingKey(spki());
    const content = certificateVerifySignedContent('server', Buffer.from(S3.hashAfterCertificate, 'hex'));
    expect(key.verify(cv.scheme, content, cv.signature)).toBe(true);
    // The other side's context, or another transcript, does not verify.
    expect(key.verify(cv.scheme, certificateVerifySignedContent('client', Buffer.from(S3.hashAfterCertificate, 'hex')), cv.signature)).toBe(false);
    expect(key.verify(cv.scheme, certificateVerifySignedContent('server', Buffer.from(S3.hashAfterEE, 'hex')), cv.signature)).toBe(false);
  });

  it('allows RSA-PSS, ECDSA and Ed25519 but not PKCS#1 v1.5 or SHA-1', () => {
    for (const s of [0x0804, 0x0805, 0x0806, 0x0809, 0x0403, 0x0503, 0x0603, 0x0807]) expect(isTls13CertificateVerifyScheme(s)).toBe(true);
    for (const s of [0x0401, 0x0501, 0x0601, 0x0201, 0x0203]) expect(isTls13CertificateVerifyScheme(s)).toBe(false);
  });
});
