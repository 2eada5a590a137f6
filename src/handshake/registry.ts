/**
 * IANA registries of the handshake layer, as open enums: a frozen name→value
 * map and `nameOf(v)` giving the name or the hex value. Unknown values decode
 * as numbers and re-encode unchanged.
 */
function registry<T extends Record<string, number>>(entries: T): { values: Readonly<T>; nameOf(v: number): string } {
  const values = Object.freeze({ ...entries });
  const names = new Map<number, string>(Object.entries(values).map(([k, v]) => [v, k]));
  return { values, nameOf: (v: number) => names.get(v) ?? `0x${v.toString(16).padStart(4, '0')}` };
}

/** HandshakeType (RFC 5246 §7.4, RFC 6347 §4.3.2, RFC 5077; TLS 1.3's RFC 8446 §4 and DTLS 1.3's RFC 9147 §5.2). */
export const HandshakeTypes = registry({
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  hello_verify_request: 3,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  request_connection_id: 9,
  new_connection_id: 10,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
  key_update: 24,
  message_hash: 254,
});
export const HandshakeType = HandshakeTypes.values;

/** ExtensionType (IANA TLS ExtensionType Values). */
export const ExtensionTypes = registry({
  server_name: 0,
  max_fragment_length: 1,
  status_request: 5,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  use_srtp: 14,
  heartbeat: 15,
  application_layer_protocol_negotiation: 16,
  client_certificate_type: 19,
  server_certificate_type: 20,
  padding: 21,
  encrypt_then_mac: 22,
  extended_master_secret: 23,
  session_ticket: 35,
  /** TLS 1.3 (RFC 8446 §4.2). */
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  oid_filters: 48,
  post_handshake_auth: 49,
  signature_algorithms_cert: 50,
  key_share: 51,
  connection_id: 54,
  /** RFC 9853 return routability check support. */
  rrc: 61,
  renegotiation_info: 0xff01,
});
export const ExtensionType = ExtensionTypes.values;

/** NamedGroup (RFC 8422 §5.1.1, RFC 7919, draft-ietf-tls-ecdhe-mlkem). */
export const NamedGroups = registry({
  secp256r1: 23,
  secp384r1: 24,
  secp521r1: 25,
  x25519: 29,
  x448: 30,
  /** Hybrid ML-KEM-768 + X25519 (TLS 1.3 only). */
  X25519MLKEM768: 0x11ec,
});
export const NamedGroup = NamedGroups.values;

/** ClientCertificateType (RFC 5246 §7.4.4, RFC 8422 §5.5). */
export const ClientCertificateType = Object.freeze({ rsa_sign: 1, ecdsa_sign: 64 } as const);
