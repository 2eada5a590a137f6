/**
 * DTLS 1.2 handshake message bodies, alerts and ChangeCipherSpec, field by
 * field: each value decoded, what it means and the RFC section that defines
 * it.
 */
import { HandshakeType } from '../handshake/registry.js';
import { ianaSuite } from '../scan/iana-suites.js';
import { alertName, groupName, handshakeName, schemeName, versionName } from '../scan/names.js';
import { Annotator, hex } from './annotator.js';
import { annotateExtensions, annotateSuites } from './extensions.js';

/** What a message body's reading depends on: who sent it and the suite's key exchange. */
export interface MessageContext {
  readonly fromServer: boolean;
  /** Key exchange of the negotiated suite (`ECDHE_ECDSA`, `PSK`, `ECDHE_PSK`, ...), once known. */
  readonly kx?: string;
}

const M = HandshakeType;

export const MESSAGE_RFC: Readonly<Record<number, string>> = {
  [M.client_hello]: 'RFC 6347 §4.2.1, RFC 5246 §7.4.1.2', [M.server_hello]: 'RFC 5246 §7.4.1.3',
  [M.hello_verify_request]: 'RFC 6347 §4.2.1', [M.new_session_ticket]: 'RFC 5077 §3.3', [M.certificate]: 'RFC 5246 §7.4.2',
  [M.server_key_exchange]: 'RFC 5246 §7.4.3, RFC 8422 §5.4, RFC 4279 §2', [M.certificate_request]: 'RFC 5246 §7.4.4',
  [M.server_hello_done]: 'RFC 5246 §7.4.5', [M.certificate_verify]: 'RFC 5246 §7.4.8',
  [M.client_key_exchange]: 'RFC 5246 §7.4.7, RFC 8422 §5.7, RFC 4279 §2', [M.finished]: 'RFC 5246 §7.4.9',
};

const MESSAGE_NOTE: Readonly<Record<number, string>> = {
  [M.client_hello]: 'The client proposes: protocol version, a fresh random, suites and extensions.',
  [M.hello_verify_request]: 'The server answers with a stateless cookie; the client must repeat its hello with it, which proves it receives at its address.',
  [M.server_hello]: 'The server picks the version, the suite and the extensions, and adds its own random.',
  [M.certificate]: 'The server\'s certificate chain, leaf first.',
  [M.server_key_exchange]: 'The server\'s ephemeral key-exchange share (signed with the certificate key), or the PSK identity hint.',
  [M.certificate_request]: 'The server asks the client to authenticate with a certificate.',
  [M.server_hello_done]: 'The server\'s flight is over; the client answers now.',
  [M.client_key_exchange]: 'The client\'s share of the key exchange (and PSK identity): both sides can now compute the pre-master secret.',
  [M.certificate_verify]: 'The client signs the transcript with its certificate key.',
  [M.finished]: 'PRF(master_secret, label, Hash(handshake messages)): proves both sides saw the same handshake with the same keys.',
  [M.new_session_ticket]: 'A ticket (the session state, encrypted by the server) to resume later without server-side state.',
};

const v16 = (v: number) => `0x${v.toString(16).padStart(4, '0')}`;

function random(a: Annotator, who: string): void {
  a.bytes('random', 32, { note: `32 fresh bytes from the ${who}; both randoms enter the key derivation.`, rfc: 'RFC 5246 §7.4.1.2' }, hex);
}

function ecParams(a: Annotator): void {
  a.u8('curve_type', (v) => (v === 3 ? '3 (named_curve)' : String(v)), { rfc: 'RFC 8422 §5.4' });
  a.u16('namedcurve', (v) => `${v16(v)} (${groupName(v)})`, { note: 'The group of the ephemeral key.' });
  a.vec('public', 1, { note: 'The server\'s ephemeral public key (X25519: 32 bytes; NIST curves: 04 ‖ X ‖ Y).' }, undefined, hex);
}

function signature(a: Annotator, what: string): void {
  a.u16('algorithm', (v) => `${v16(v)} (${schemeName(v)})`, { note: 'SignatureAndHashAlgorithm', rfc: 'RFC 5246 §7.4.1.4.1' });
  a.vec('signature', 2, { note: what }, undefined, hex);
}

/** Read a handshake message body into `a`. Throws `DecodeError` when it does not parse. */
export function annotateBody(a: Annotator, msgType: number, ctx: MessageContext): void {
  switch (msgType) {
    case M.client_hello:
      a.u16('client_version', versionName, { note: 'The highest version the client supports.' });
      random(a, 'client');
      a.vec('session_id', 1, { note: 'Empty for a new session; a server\'s session ID to resume one.' }, undefined, hex);
      a.vec('cookie', 1, { note: 'Empty in the first hello; the HelloVerifyRequest cookie in the second.', rfc: 'RFC 6347 §4.2.1' }, undefined, hex);
      annotateSuites(a);
      a.vec('compression_methods', 1, { note: 'Only null (0): compression is not used (RFC 9325 §3.3).' });
      annotateExtensions(a, false);
      return;
    case M.hello_verify_request:
      a.u16('server_version', versionName, { note: 'DTLS 1.0 here for compatibility, whatever is negotiated later (RFC 6347 §4.2.1).' });
      a.vec('cookie', 1, { note: 'Opaque to the client; a server computes it from a secret and the client\'s address.' }, undefined, hex);
      return;
    case M.server_hello:
      a.u16('server_version', versionName, { note: 'The version chosen.' });
      random(a, 'server');
      a.vec('session_id', 1, { note: 'The session\'s ID (for resumption by ID); the client\'s own when the server resumes.' }, undefined, hex);
      a.u16('cipher_suite', (v) => `${v16(v)} ${ianaSuite(v).name}`, { note: 'The suite chosen.' });
      a.u8('compression_method', (v) => (v === 0 ? '0 (null)' : String(v)));
      annotateExtensions(a, true);
      return;
    case M.certificate:
      a.vec('certificate_list', 3, { note: 'ASN.1 DER certificates, the sender\'s first.' }, (l) => {
        while (l.remaining > 0) l.vec('ASN.1Cert', 3, { rfc: 'RFC 5280' }, undefined, (b) => `${b.length} bytes of DER`);
      });
      return;
    case M.server_key_exchange: {
      const kx = ctx.kx ?? '';
      if (kx.includes('PSK')) a.vec('psk_identity_hint', 2, { note: 'A hint which PSK identity to use.', rfc: 'RFC 4279 §2' }, undefined, (b) => Buffer.from(b).toString('latin1') || '(empty)');
      if (kx.startsWith('ECDHE')) ecParams(a);
      if (kx === 'ECDHE_ECDSA' || kx === 'ECDHE_RSA') signature(a, 'Over client_random ‖ server_random ‖ params, with the certificate\'s key.');
      return;
    }
    case M.certificate_request:
      a.vec('certificate_types', 1, {});
      a.vec('supported_signature_algorithms', 2, {}, (l) => {
        while (l.remaining > 0) l.u16('SignatureScheme', (v) => `${v16(v)} (${schemeName(v)})`);
      });
      a.vec('certificate_authorities', 2, { note: 'Distinguished names of acceptable CAs.' });
      return;
    case M.server_hello_done:
      return;
    case M.client_key_exchange: {
      const kx = ctx.kx ?? '';
      if (kx.includes('PSK')) a.vec('psk_identity', 2, { note: 'Which pre-shared key to use.', rfc: 'RFC 4279 §2' }, undefined, (b) => Buffer.from(b).toString('latin1'));
      if (kx.startsWith('ECDHE')) a.vec('ecdh_Yc', 1, { note: 'The client\'s ephemeral public key.', rfc: 'RFC 8422 §5.7' }, undefined, hex);
      return;
    }
    case M.certificate_verify:
      signature(a, 'Over every handshake message so far, with the client certificate\'s key.');
      return;
    case M.finished:
      a.bytes('verify_data', 12, { note: 'PRF(master_secret, "client finished" / "server finished", Hash(messages))[0..11]' }, hex);
      return;
    case M.new_session_ticket:
      a.group('ticket_lifetime_hint', {}, (g) => {
        g.u16('high');
        g.u16('low');
      });
      a.vec('ticket', 2, { note: 'Opaque to the client: the session state, encrypted and authenticated by the server.' }, undefined, (b) => `${b.length} bytes`);
      return;
    default:
      if (a.remaining > 0) a.rest('body');
  }
}

/** The 12-byte DTLS handshake header (RFC 6347 §4.2.2) of one fragment. */
export function annotateHandshakeHeader(a: Annotator): { msgType: number; length: number; messageSeq: number; offset: number; fragmentLength: number } {
  const msgType = a.u8('msg_type', (v) => `${v} (${handshakeName(v)})`, { rfc: 'RFC 6347 §4.2.2' });
  const length = a.u24('length', undefined, { note: 'Length of the whole message body.' });
  const messageSeq = a.u16('message_seq', undefined, { note: 'Counts the messages each side sends; a retransmission repeats it.' });
  const offset = a.u24('fragment_offset', undefined, { note: 'Where this fragment starts in the body.' });
  const fragmentLength = a.u24('fragment_length', undefined, { note: 'Bytes of the body in this fragment.' });
  return { msgType, length, messageSeq, offset, fragmentLength };
}

/** Alert (RFC 5246 §7.2): level and description. */
export function annotateAlert(a: Annotator): void {
  a.u8('level', (v) => (v === 1 ? '1 (warning)' : v === 2 ? '2 (fatal)' : String(v)), { rfc: 'RFC 5246 §7.2' });
  a.u8('description', (v) => `${v} (${alertName(v)})`, { note: 'close_notify (0) ends the connection cleanly.' });
}

/** ChangeCipherSpec (RFC 5246 §7.1): one byte, 1. */
export function annotateCcs(a: Annotator): void {
  a.u8('type', (v) => (v === 1 ? '1 (change_cipher_spec)' : String(v)), {
    note: 'From the next record on, this side sends in the new epoch with the new keys.', rfc: 'RFC 5246 §7.1, RFC 6347 §4.1',
  });
}

export { MESSAGE_NOTE };
