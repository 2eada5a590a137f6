import { describe, expect, it } from 'vitest';
import { decodeClientHello, legacyFieldsAlert } from '../../../src/dtls13/messages/client-hello.js';
import { binderLayout, truncatedClientHello } from '../../../src/dtls13/transcript.js';
import { concat, hex, toHex } from '../../codec/hex.js';
import { decodeBytes } from '../../handshake/messages/helpers.js';
import { S4 } from '../rfc8448.js';

/** RFC 8448 §4's ClientHello body made a DTLS 1.3 one: legacy_version 0xfefd and an empty legacy_cookie after the session ID. */
function dtlsClientHello(cookie = ''): Uint8Array {
  const body = S4.clientHello.subarray(4);
  return concat(hex('fefd'), body.subarray(2, 35), hex(cookie === '' ? '00' : (cookie.length / 2).toString(16).padStart(2, '0') + cookie), body.subarray(35));
}

describe('ClientHello of DTLS 1.3 (RFC 9147 §5.3)', () => {
  it('decodes with legacy_cookie after legacy_session_id', () => {
    const ch = decodeBytes(decodeClientHello, dtlsClientHello());
    expect(ch.clientVersion).toBe(0xfefd);
    expect(ch.cookie.length).toBe(0);
    expect(ch.cipherSuites).toEqual([0x1301, 0x1303, 0x1302]);
    expect(legacyFieldsAlert(ch)).toBeUndefined();
  });

  it('a non-empty legacy_cookie is illegal_parameter', () => {
    expect(legacyFieldsAlert(decodeBytes(decodeClientHello, dtlsClientHello('abcd')))).toBe('illegal_parameter');
  });

  it('compression other than [null] is illegal_parameter; no extensions is decode_error', () => {
    const ch = decodeBytes(decodeClientHello, dtlsClientHello());
    expect(legacyFieldsAlert({ ...ch, compressionMethods: [0, 1] })).toBe('illegal_parameter');
    expect(legacyFieldsAlert({ ...ch, extensions: [] })).toBe('decode_error');
  });

  it('finds the binders and the truncated ClientHello in the DTLS layout (RFC 8446 §4.2.11.2)', () => {
    const body = dtlsClientHello();
    const layout = binderLayout(body);
    expect(layout.binders.map(toHex)).toEqual([S4.binder]);
    expect(body.length - layout.truncatedBodyLength).toBe(2 + 1 + 32);
    const t = truncatedClientHello(body);
    expect(toHex(t.subarray(0, 4))).toBe('01' + body.length.toString(16).padStart(6, '0'));
    expect(toHex(t.subarray(4))).toBe(toHex(body.subarray(0, layout.truncatedBodyLength)));
  });
});
