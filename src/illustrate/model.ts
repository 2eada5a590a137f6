/**
 * The annotated handshake that `puredtls illustrate` writes (as HTML, or as
 * this JSON with `--json`). Version-neutral: a datagram holds records, a
 * record holds fields over byte ranges and, when protected, a decrypted
 * block with fields of its own. A DTLS 1.3 illustrator adds its record and
 * message annotators (unified header, encrypted sequence numbers,
 * EncryptedExtensions, ACK, HKDF key schedule) and fills the same shapes.
 */

/** Version of the JSON shape. */
export const ILLUSTRATION_SCHEMA_VERSION = 1;

/** One labelled byte range: `[start, end)` within its block. */
export interface Field {
  /** The field's name as the RFC's presentation language spells it, e.g. `cipher_suites`. */
  readonly name: string;
  readonly start: number;
  readonly end: number;
  /** The value, decoded (`0xfefd (DTLS 1.2)`, `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`). */
  readonly value?: string;
  /** What it means, in a sentence. */
  readonly note?: string;
  /** Where it is defined, e.g. `RFC 6347 §4.1`. */
  readonly rfc?: string;
  readonly children?: readonly Field[];
}

/** Bytes with their fields (offsets relative to `hex`). */
export interface ByteBlock {
  /** The bytes, hex. */
  readonly hex: string;
  readonly fields: readonly Field[];
}

/** A handshake message once whole (reassembled from fragments, or decrypted). */
export interface MessageView {
  /** `client_hello`, `finished`, ... */
  readonly type: string;
  readonly messageSeq: number;
  /** The message body with its fields (whole, even when it travelled in fragments). */
  readonly body: ByteBlock;
  readonly rfc: string;
  /** In how many fragments (records) it came, and whether it repeats an earlier one (a resent protected message; resent plaintext datagrams are marked on the datagram). */
  readonly fragments: number;
  readonly retransmission: boolean;
  /** Where it completed: datagram index. */
  readonly datagram: number;
}

export interface RecordView {
  /** `handshake`, `change_cipher_spec`, `alert`, `application_data`, ... */
  readonly contentType: string;
  readonly epoch: number;
  readonly seq: number;
  /** Offset of the record within its datagram. */
  readonly offset: number;
  readonly length: number;
  /** Summary line: `ClientHello m1 [0, 230) of 230`, `alert close_notify`. */
  readonly summary: string;
  /** For a protected record: its decrypted plaintext with fields, or why it could not be opened. */
  readonly decrypted?: ByteBlock;
  readonly undecryptable?: string;
}

export interface DatagramView {
  readonly index: number;
  /** `client` sent it to `server`, or the other way. */
  readonly from: 'client' | 'server';
  /** ms since the first datagram. */
  readonly atMs: number;
  /** The datagram's bytes with the fields of every record in it. */
  readonly block: ByteBlock;
  readonly records: readonly RecordView[];
  /** A copy of datagram `n` (or a resend of what it carried). */
  readonly retransmissionOf?: number;
}

/** One named value of the key schedule. */
export interface KeyValue {
  readonly name: string;
  readonly hex?: string;
  readonly note: string;
  readonly rfc?: string;
}

export interface Illustration {
  readonly schemaVersion: typeof ILLUSTRATION_SCHEMA_VERSION;
  readonly protocol: string;
  /** What ran: `puredtls client → 127.0.0.1:4433`, `puredtls client → puredtls server (--self)`. */
  readonly title: string;
  readonly startedAt: string;
  readonly suite: string | null;
  readonly datagrams: readonly DatagramView[];
  /** Every handshake message, in the order it completed. */
  readonly messages: readonly MessageView[];
  readonly keySchedule: readonly KeyValue[];
  /** Things the page must say (e.g. why some record could not be decrypted). */
  readonly notes: readonly string[];
}
