/** Hello extensions, field by field, with what each one asks or answers and its RFC. */
import { srtpProfileName } from '../handshake/extensions.js';
import { ianaSuite } from '../scan/iana-suites.js';
import { extensionName, groupName, schemeName, versionName } from '../scan/names.js';
import type { Annotator } from './annotator.js';

const EXT_RFC: Readonly<Record<number, string>> = {
  0: 'RFC 6066 §3', 10: 'RFC 8422 §5.1.1', 11: 'RFC 8422 §5.1.2', 13: 'RFC 5246 §7.4.1.4.1', 14: 'RFC 5764 §4.1.1', 15: 'RFC 6520 §2',
  16: 'RFC 7301 §3.1', 19: 'RFC 7250 §3', 20: 'RFC 7250 §3', 21: 'RFC 7685', 22: 'RFC 7366 §2', 23: 'RFC 7627 §5.1', 28: 'RFC 8449 §4',
  35: 'RFC 5077 §3.2', 43: 'RFC 8446 §4.2.1', 44: 'RFC 8446 §4.2.2', 51: 'RFC 8446 §4.2.8', 54: 'RFC 9146 §3', 0xff01: 'RFC 5746 §3.2',
};

const EXT_NOTE: Readonly<Record<number, readonly [client: string, server: string]>> = {
  0: ['The name of the server the client wants (virtual hosting).', 'Empty: the server used the name the client sent.'],
  10: ['The key-exchange groups the client supports, in its order of preference.', 'Groups the server supports.'],
  11: ['EC point formats the client can parse (uncompressed only, in practice).', 'EC point formats the server can parse.'],
  13: ['Signature algorithms the client accepts in ServerKeyExchange and certificates.', ''],
  14: ['DTLS-SRTP protection profiles the client offers for the media keys.', 'The DTLS-SRTP profile the server picked.'],
  16: ['Application protocols the client offers (ALPN).', 'The application protocol the server picked.'],
  22: ['The client asks for encrypt-then-MAC with CBC suites.', 'The server agrees: CBC records carry their MAC over the ciphertext.'],
  23: ['The client asks for the extended master secret, bound to the whole handshake.', 'The server agrees: the master secret hashes the transcript (RFC 7627).'],
  35: ['Empty: the client asks for a session ticket; else a ticket to resume with.', 'Empty: the server will send a NewSessionTicket.'],
  54: ['The connection ID the client wants on records sent to it.', 'The connection ID the server wants on records sent to it.'],
  0xff01: ['Empty on a first handshake: the client supports secure renegotiation.', 'Empty on a first handshake: the server supports secure renegotiation.'],
};

function list16(a: Annotator, name: string, item: string, show: (v: number) => string): void {
  a.vec(name, 2, {}, (l) => {
    while (l.remaining > 0) l.u16(item, show);
  });
}

/** The body of one extension. */
function body(a: Annotator, type: number, fromServer: boolean): void {
  switch (type) {
    case 0:
      if (fromServer || a.remaining === 0) return;
      a.vec('server_name_list', 2, {}, (l) => {
        while (l.remaining > 0) {
          l.u8('name_type', (v) => (v === 0 ? '0 (host_name)' : String(v)));
          l.vec('host_name', 2, {}, undefined, (b) => Buffer.from(b).toString('latin1'));
        }
      });
      return;
    case 10: return list16(a, 'named_group_list', 'NamedGroup', (v) => `0x${v.toString(16).padStart(4, '0')} (${groupName(v)})`);
    case 11:
      a.vec('ec_point_format_list', 1, {}, (l) => {
        while (l.remaining > 0) l.u8('ECPointFormat', (v) => (v === 0 ? '0 (uncompressed)' : String(v)));
      });
      return;
    case 13: return list16(a, 'supported_signature_algorithms', 'SignatureScheme', (v) => `0x${v.toString(16).padStart(4, '0')} (${schemeName(v)})`);
    case 14:
      list16(a, 'SRTPProtectionProfiles', 'SRTPProtectionProfile', (v) => srtpProfileName(v));
      a.vec('srtp_mki', 1, {});
      return;
    case 16:
      a.vec('protocol_name_list', 2, {}, (l) => {
        while (l.remaining > 0) l.vec('ProtocolName', 1, {}, undefined, (b) => Buffer.from(b).toString('latin1'));
      });
      return;
    case 43:
      if (fromServer) a.u16('selected_version', versionName);
      else a.vec('versions', 1, {}, (l) => {
        while (l.remaining > 0) l.u16('ProtocolVersion', versionName);
      });
      return;
    case 54: a.vec('cid', 1, {}); return;
    case 0xff01: a.vec('renegotiated_connection', 1, {}); return;
    default:
      if (a.remaining > 0) a.rest('extension_data');
  }
}

/** `Extension extensions<0..2^16-1>` of a hello. */
export function annotateExtensions(a: Annotator, fromServer: boolean): void {
  if (a.remaining === 0) return;
  a.vec('extensions', 2, { rfc: 'RFC 5246 §7.4.1.4' }, (l) => {
    while (l.remaining > 0) {
      let type = -1;
      const peek = l.at;
      l.group('Extension', {}, (e) => {
        type = e.u16('extension_type', (v) => `${v} (${extensionName(v)})`);
        e.vec('extension_data', 2, {}, (d) => body(d, type, fromServer));
      });
      const f = l.fields[l.fields.length - 1]!;
      const note = EXT_NOTE[type]?.[fromServer ? 1 : 0];
      l.fields[l.fields.length - 1] = {
        ...f, name: extensionName(type), start: peek,
        ...(note ? { note } : {}), ...(EXT_RFC[type] ? { rfc: EXT_RFC[type] } : {}),
      };
    }
  });
}

/** `CipherSuite cipher_suites<2..2^16-2>`, each suite by its IANA name. */
export function annotateSuites(a: Annotator): void {
  a.vec('cipher_suites', 2, { note: 'The suites the client offers, in its order of preference.', rfc: 'RFC 5246 §7.4.1.2' }, (l) => {
    while (l.remaining > 0) l.u16('CipherSuite', (v) => `0x${v.toString(16).padStart(4, '0')} ${v === 0xff ? 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV' : ianaSuite(v).name}`);
  });
}
