import { describe, expect, it } from 'vitest';
import { AlertDescription, alertName } from '../../src/errors.js';
import { ExtensionTypes, HandshakeTypes } from '../../src/handshake/registry.js';
import { ContentType, contentTypeName } from '../../src/record/content-type.js';

describe('the registries know DTLS 1.3', () => {
  it('ACK is content type 26 (RFC 9147 §7)', () => {
    expect(ContentType.ack).toBe(26);
    expect(contentTypeName(26)).toBe('ack');
  });

  it('has the TLS 1.3 and DTLS 1.3 handshake types (RFC 8446 §4, RFC 9147 §5.2)', () => {
    expect(HandshakeTypes.values).toMatchObject({
      new_session_ticket: 4, end_of_early_data: 5, encrypted_extensions: 8, request_connection_id: 9, new_connection_id: 10,
      key_update: 24, message_hash: 254,
    });
    expect(HandshakeTypes.nameOf(8)).toBe('encrypted_extensions');
  });

  it('has the TLS 1.3 extension types (RFC 8446 §4.2)', () => {
    expect(ExtensionTypes.values).toMatchObject({
      pre_shared_key: 41, early_data: 42, supported_versions: 43, cookie: 44, psk_key_exchange_modes: 45,
      certificate_authorities: 47, oid_filters: 48, post_handshake_auth: 49, signature_algorithms_cert: 50, key_share: 51, connection_id: 54,
    });
  });

  it('has the alerts DTLS 1.3 adds (RFC 8446 §6, RFC 9147 §14)', () => {
    expect([AlertDescription.too_many_cids_requested, AlertDescription.missing_extension, AlertDescription.certificate_required]).toEqual([52, 109, 116]);
    expect([alertName(52), alertName(109), alertName(116)]).toEqual(['too_many_cids_requested', 'missing_extension', 'certificate_required']);
  });
});
