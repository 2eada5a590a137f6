/**
 * ClientHello of DTLS 1.3 (RFC 9147 §5.3). Its wire form is DTLS 1.2's — the
 * 1.3 fields are the old ones renamed — so the codec is reused:
 * ```
 * struct {
 *   ProtocolVersion legacy_version = { 254,253 };   // DTLSv1.2
 *   Random random;
 *   opaque legacy_session_id<0..32>;
 *   opaque legacy_cookie<0..2^8-1>;                  // DTLS
 *   CipherSuite cipher_suites<2..2^16-2>;
 *   opaque legacy_compression_methods<1..2^8-1>;
 *   Extension extensions<8..2^16-1>;
 * } ClientHello;
 * ```
 * Field by field: `clientVersion` is legacy_version, `sessionId`
 * legacy_session_id, `cookie` legacy_cookie (the 1.3 cookie travels in the
 * cookie extension), `compressionMethods` legacy_compression_methods.
 */
import type { AlertName } from '../../errors.js';
import type { ClientHello } from '../../handshake/messages/client-hello.js';

export { type ClientHello, decodeClientHello, encodeClientHello } from '../../handshake/messages/client-hello.js';

/**
 * The legacy fields a DTLS 1.3 server checks (RFC 9147 §5.3, RFC 8446
 * §4.1.2): the alert to abort with, or undefined when they are right.
 * - legacy_cookie MUST be empty ("If a DTLS 1.3 ClientHello is received with
 *   any other value in this field, the server MUST abort the handshake with an
 *   illegal_parameter alert");
 * - legacy_compression_methods MUST be exactly [0] (illegal_parameter);
 * - the extensions vector is `<8..2^16-1>`: a 1.3 ClientHello has at least
 *   supported_versions (decode_error otherwise).
 */
export function legacyFieldsAlert(ch: ClientHello): AlertName | undefined {
  if (ch.cookie.length !== 0) return 'illegal_parameter';
  if (ch.compressionMethods.length !== 1 || ch.compressionMethods[0] !== 0) return 'illegal_parameter';
  if (ch.extensions.length === 0) return 'decode_error';
  return undefined;
}
