/** TLS ContentType registry (RFC 5246 §6.2.1, RFC 9146 §4, RFC 9147 §7). */
export const ContentType = Object.freeze({
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
  heartbeat: 24,
  tls12_cid: 25,
  /** DTLS 1.3 ACK (RFC 9147 §7): its own content type, never a handshake message. */
  ack: 26,
  /** RFC 9853 return routability check (path_challenge / path_response), inside tls12_cid records. */
  return_routability_check: 27,
} as const);

/** DTLS 1.2 on the wire (versions count down: 1.0 is 0xfeff, 1.2 is 0xfefd). */
export const DTLS1_2 = 0xfefd;
/** DTLS 1.0: allowed only on the initial ClientHello and HelloVerifyRequest records (S-04). */
export const DTLS1_0 = 0xfeff;

/** Size of the DTLS record header. */
export const RECORD_HEADER_LENGTH = 13;
/** Largest plaintext fragment (2^14). */
export const MAX_PLAINTEXT = 16384;
/** Largest protected fragment (2^14 + 2048). */
export const MAX_CIPHERTEXT = 16384 + 2048;
/** Largest sequence number a sender may use; we stop before it (S-06). */
export const MAX_SEQUENCE = 2 ** 48 - 1;

const names = new Map<number, string>(Object.entries(ContentType).map(([k, v]) => [v, k]));
export function contentTypeName(t: number): string {
  return names.get(t) ?? `content_type(${t})`;
}
