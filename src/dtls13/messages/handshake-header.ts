/**
 * The handshake header of DTLS 1.3 (RFC 9147 §5.2) is DTLS 1.2's on the wire:
 * ```
 * struct {
 *   HandshakeType msg_type;    uint24 length;
 *   uint16 message_seq;        uint24 fragment_offset;    uint24 fragment_length;
 *   select (msg_type) { ... } body;
 * } DTLSHandshake;
 * ```
 * so the 1.2 codec and reassembler serve both. Two differences lie outside
 * the codec: the transcript hashes messages without message_seq,
 * fragment_offset and fragment_length (use `Transcript13`, not the 1.2
 * `fullMessage`), and message_seq is never reset — post-handshake messages
 * continue the count (RFC 9147 §5.2).
 */
export {
  HANDSHAKE_HEADER_LENGTH, type HandshakeFragment, decodeHandshakeFragment, encodeHandshakeFragment,
} from '../../handshake/header.js';
