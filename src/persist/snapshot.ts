/**
 * One established server association as bytes and back (src/persist): what
 * its handshake negotiated (the `Peer` API's facts), its keys (DTLS 1.2: the
 * master secret and randoms, from which epoch 1's keys are derived again;
 * DTLS 1.3: the current application traffic secret of each direction and
 * the exporter), the epochs, write sequence numbers, replay windows,
 * connection IDs and the peer's address.
 *
 * A restored association writes ahead of every sequence number the saved one
 * used, by {@link SEQUENCE_MARGIN_12} or {@link SEQUENCE_MARGIN_13}, so that
 * no (key, nonce) pair is sealed twice even if the old process sealed that
 * many more records after it was saved (it must not: `saveAssociations`
 * releases what it saved).
 *
 * @module
 */
import { Reader, copyBytes } from '../codec/reader.js';
import type { Writer } from '../codec/writer.js';
import { toHex } from '../codec/bytes.js';
import { Connection } from '../connection/connection.js';
import type { ConnectionSettings } from '../connection/settings.js';
import { suiteById } from '../crypto/suites.js';
import { Connection13 } from '../dtls13/connection13.js';
import type { Group13, Negotiated13 } from '../dtls13/driver.js';
import { Tls13Secrets } from '../dtls13/handshake/common13.js';
import { type Suite13, suite13ById } from '../dtls13/suites.js';
import { ServerAssociation, formatHostPort, keyOf } from '../endpoint/server-endpoint.js';
import { type AlertName, CertificateError, DecodeError, DtlsError } from '../errors.js';
import type { Negotiated } from '../handshake/common.js';
import { Tls12Secrets, deriveEpochKeys } from '../handshake/key-schedule12.js';
import type { ReplayWindow } from '../record/replay-window.js';
import { RestoredMachine } from '../endpoint/restored-machine.js';

/**
 * DTLS 1.2: how far ahead of the saved next write sequence number a restored
 * association continues (2^16 records; the 48-bit sequence number carries the
 * jump to the peer as is).
 */
export const SEQUENCE_MARGIN_12 = 2 ** 16;
/**
 * DTLS 1.3: how far ahead a restored association continues in its write
 * epoch (2^14 records). Smaller than 1.2's because the unified header carries
 * only the low 16 bits of the sequence number and the peer reconstructs the
 * rest from the number it expects next (RFC 9147 §4.2.2): a jump of 2^15 or
 * more would be read as a number in the past.
 */
export const SEQUENCE_MARGIN_13 = 2 ** 14;

/** What the saved association was. */
export interface Snapshot {
  readonly protocol: 12 | 13;
  readonly address: string;
  readonly port: number;
  /** Our connection ID, hex ('' when none): the endpoint routes by it. */
  readonly cidKey: string;
  /** Length of our CID (0: none). */
  readonly cidLength: number;
  /** The bytes to restore from (the whole entry). */
  readonly entry: Uint8Array;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });
const utf8 = (r: Reader, max: number, what: string): string => {
  try {
    return dec.decode(max > 255 ? r.vec16(0, max, what) : r.vec8(0, max, what));
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    throw new DecodeError(`${what} is not UTF-8`);
  }
};

// Flags of the negotiated facts.
const F_EMS = 1, F_ETM = 2, F_AUTHORIZED = 4, F_RESUMED = 8, F_AUTH_ERROR = 16, F_SIG = 32, F_RPK = 64, F_CIDS = 128;
const F_PSK_KE = 256, F_PSK_DHE_KE = 512, F_CERT_ERROR = 1024;

/** Write an established association (returns false, writing nothing, when it cannot be saved: see {@link savable}). */
export function writeSnapshot(w: Writer, assoc: ServerAssociation): boolean {
  const neg = assoc.machine.negotiated;
  if (!neg || !assoc.established || assoc.conn.isClosed) return false;
  const conn = assoc.conn;
  if (conn instanceof Connection13) {
    // Not while our KeyUpdate waits to be sent or acknowledged: its epoch change would be lost. (An
    // unacknowledged NewSessionTicket is: the ticket is not resent, and the client's late ACK is ignored.)
    const read = conn.traffic.secretOf('read'), write = conn.traffic.secretOf('write');
    if (!conn.isEstablished || conn.keyUpdate !== 'none' || !read || !write || !(conn.secrets instanceof Tls13Secrets) || !('suite13' in neg)) return false;
    const window = conn.records.readWindow(read.epoch);
    if (!window) return false;
    const m = conn.secrets.material();
    w.vec24((w) => {
      w.u8(13);
      writeAddress(w, assoc);
      writeNegotiated(w, neg, 13);
      writeCids(w, conn.records.connectionIds);
      w.u16(read.suite.id).u48(read.epoch).opaque8(read.secret);
      writeWindow(w, window);
      w.u16(write.suite.id).u48(write.epoch).opaque8(write.secret).u48(conn.records.nextWriteSeq(write.epoch));
      w.u8(['unknown', 'le', 'be'].indexOf(conn.records.maskCounterOrder));
      w.u48(conn.nextSendSeq).u48(conn.reasm.nextSeq);
      w.opaque8(m.clientRandom);
      w.vec16((w) => m.secrets.forEach((s) => w.opaque8(s)));
    });
    return true;
  }
  const secrets = conn.secrets;
  const records = conn.records;
  if (!(secrets instanceof Tls12Secrets) || 'suite13' in neg || records.currentReadEpoch !== 1 || records.currentWriteEpoch !== 1) return false;
  const window = records.readWindow(1);
  if (!window) return false;
  const m = secrets.material();
  w.vec24((w) => {
    w.u8(12);
    writeAddress(w, assoc);
    writeNegotiated(w, neg, 12);
    writeCids(w, records.connectionIds);
    w.u16(m.suite.id).opaque8(m.master).opaque8(m.clientRandom).opaque8(m.serverRandom);
    w.u8(conn.returnRoutability ? 1 : 0);
    w.u48(records.nextWriteSeq(1));
    writeWindow(w, window);
  });
  return true;
}

/** Split the next entry off, reading only what the endpoint needs to check it before anything is built. */
export function readSnapshot(r: Reader): Snapshot {
  const entry = r.vec24(1, 0xffffff, 'association');
  const e = new Reader(entry);
  const protocol = e.u8('protocol');
  if (protocol !== 12 && protocol !== 13) throw new DecodeError(`protocol ${protocol}`);
  const { address, port } = readAddress(e);
  readNegotiated(e, protocol);
  const cids = readCids(e);
  return { protocol, address, port, cidKey: cids ? toHex(cids.ours) : '', cidLength: cids?.ours.length ?? 0, entry };
}

/**
 * Build the association a snapshot describes, established, at time `now`.
 * Throws `DecodeError` when the entry does not parse, a `DtlsError`
 * (`ERR_DTLS_STATE_INCOMPATIBLE`) when its suite is unknown here.
 */
export function restoreSnapshot(s: Snapshot, settings: ConnectionSettings, now: number): ServerAssociation {
  const r = new Reader(s.entry);
  r.u8('protocol');
  readAddress(r);
  const neg = readNegotiated(r, s.protocol);
  const cids = readCids(r);
  const label = `server ${formatHostPort(s.address, s.port)}`;
  let machine: RestoredMachine;
  let conn: Connection | Connection13;
  let clientRandom: Uint8Array;
  if (s.protocol === 13) {
    const read = { suite: suite13(r.u16('read suite')), epoch: r.u48('read epoch'), secret: copyBytes(r.vec8(32, 48, 'read secret')) };
    const c = new Connection13('server', settings, now);
    c.traceLabel = label;
    const windowBytes = readWindowBytes(r);
    const write = { suite: suite13(r.u16('write suite')), epoch: r.u48('write epoch'), secret: copyBytes(r.vec8(32, 48, 'write secret')) };
    const nextWrite = r.u48('next write seq');
    const order = r.u8('counter order');
    if (order > 2) throw new DecodeError(`counter order ${order}`);
    const nextSendSeq = r.u48('message_seq'), nextReceiveSeq = r.u48('next_receive_seq');
    clientRandom = copyBytes(r.vec8(32, 32, 'client random'));
    const list = r.subVec16(0, 0xffff, 'secrets');
    const secrets: Uint8Array[] = [];
    while (list.remaining > 0) secrets.push(copyBytes(list.vec8(32, 48, 'secret')));
    if (secrets.length !== 5) throw new DecodeError(`${secrets.length} key-log secrets`);
    r.end('association');
    if (read.epoch < 3 || write.epoch < 3) throw new DecodeError('application epochs start at 3');
    if (!('suite13' in neg)) throw new DecodeError('DTLS 1.3 association without a 1.3 suite');
    const m13 = new RestoredMachine<Negotiated13>(neg);
    machine = m13;
    // The end of a handshake, without one: keys, message sequence numbers, secrets, then complete (its `secure` event).
    if (cids) c.setConnectionIds(cids.ours, cids.peers);
    c.attach(m13);
    c.setReadSecret(read.epoch, read.suite, read.secret);
    c.setWriteSecret(write.epoch, write.suite, write.secret);
    c.records.retireRead(0);
    c.setMessageSeqs(nextSendSeq, nextReceiveSeq);
    c.secretsReady(Tls13Secrets.restored(settings.provider, read.suite, clientRandom, secrets));
    c.complete();
    read.secret.fill(0);
    write.secret.fill(0);
    c.records.restoreCounterOrder((['unknown', 'le', 'be'] as const)[order]!);
    c.records.skipWriteSeq(nextWrite + SEQUENCE_MARGIN_13);
    restoreWindow(c.records.readWindow(read.epoch)!, windowBytes);
    conn = c;
  } else {
    const suiteId = r.u16('suite');
    const suite = suiteById(suiteId);
    if (!suite) throw incompatible(`cipher suite 0x${suiteId.toString(16)} is unknown here`);
    const master = copyBytes(r.vec8(48, 48, 'master secret'));
    clientRandom = copyBytes(r.vec8(32, 32, 'client random'));
    const serverRandom = copyBytes(r.vec8(32, 32, 'server random'));
    const rrc = r.u8('rrc') === 1;
    const nextWrite = r.u48('next write seq');
    const windowBytes = readWindowBytes(r);
    r.end('association');
    if ('suite13' in neg) throw new DecodeError('DTLS 1.2 association with a 1.3 suite');
    machine = new RestoredMachine<Negotiated>(neg);
    const c = new Connection('server', settings, now);
    c.traceLabel = label;
    const keys = deriveEpochKeys(settings.provider, 'server', suite, master, clientRandom, serverRandom, neg.encryptThenMac);
    c.attach(machine);
    c.records.activateRead(keys.read);
    c.records.activateWrite(keys.write);
    c.integrity.setSuiteLimit(keys.integrityLimit);
    if (cids) c.setConnectionIds(cids.ours, cids.peers, rrc);
    c.secretsReady(new Tls12Secrets(settings.provider, suite, master, clientRandom, serverRandom));
    c.complete(); // established, epoch 0 retired, its `secure` event
    master.fill(0);
    c.records.setNextWriteSeq(nextWrite + SEQUENCE_MARGIN_12);
    restoreWindow(c.records.readWindow(1)!, windowBytes);
    conn = c;
  }
  const assoc = new ServerAssociation(keyOf(s.address, s.port), s.address, s.port, conn, machine, clientRandom, now);
  assoc.restored = true;
  return assoc;
}

function suite13(id: number): Suite13 {
  const s = suite13ById(id);
  if (!s) throw incompatible(`DTLS 1.3 cipher suite 0x${id.toString(16)} is unknown here`);
  return s;
}

function incompatible(message: string): DtlsError {
  return new DtlsError('ERR_DTLS_STATE_INCOMPATIBLE', message);
}

function writeAddress(w: Writer, assoc: ServerAssociation): void {
  w.opaque8(enc.encode(assoc.address)).u16(assoc.port);
}

function readAddress(r: Reader): { address: string; port: number } {
  const address = utf8(r, 255, 'address');
  if (address.length === 0) throw new DecodeError('empty address');
  return { address, port: r.u16('port') };
}

function writeCids(w: Writer, ids: { readonly ours: Uint8Array; readonly peers: Uint8Array } | undefined): void {
  w.u8(ids ? 1 : 0);
  if (ids) w.opaque8(ids.ours).opaque8(ids.peers);
}

function readCids(r: Reader): { ours: Uint8Array; peers: Uint8Array } | undefined {
  const has = r.u8('cids');
  if (has > 1) throw new DecodeError(`cids flag ${has}`);
  if (has === 0) return undefined;
  return { ours: copyBytes(r.vec8(0, 255, 'our cid')), peers: copyBytes(r.vec8(0, 255, 'peer cid')) };
}

/** The window as its highest number + 1 (0: none yet) and a bit per number below it, newest first. */
function writeWindow(w: Writer, win: ReplayWindow): void {
  const hi = win.highest;
  w.u48(hi + 1);
  const bits = new Uint8Array(hi < 0 ? 0 : Math.ceil(win.size / 8));
  for (let i = 0; i < win.size && hi - i >= 0; i++) if (!win.check(hi - i)) bits[i >> 3]! |= 1 << (i & 7);
  w.opaque8(bits);
}

function readWindowBytes(r: Reader): { highest: number; bits: Uint8Array } {
  const highest = r.u48('replay highest') - 1;
  const bits = r.vec8(0, 128, 'replay bits');
  return { highest, bits };
}

function restoreWindow(win: ReplayWindow, saved: { highest: number; bits: Uint8Array }): void {
  const hi = saved.highest;
  if (hi < 0) return;
  win.accept(hi);
  for (let i = 1; i < saved.bits.length * 8 && i < win.size && hi - i >= 0; i++) {
    if ((saved.bits[i >> 3]! & (1 << (i & 7))) !== 0) win.accept(hi - i);
  }
}

function writeNegotiated(w: Writer, n: Negotiated | Negotiated13, protocol: 12 | 13): void {
  const n13 = protocol === 13 ? n as Negotiated13 : undefined;
  const n12 = protocol === 12 ? n as Negotiated : undefined;
  const err = n.authorizationError;
  const flags = (n12?.extendedMasterSecret ? F_EMS : 0) | (n12?.encryptThenMac ? F_ETM : 0) | (n.authorized ? F_AUTHORIZED : 0)
    | (n.resumed ? F_RESUMED : 0) | (err ? F_AUTH_ERROR : 0) | (err instanceof CertificateError ? F_CERT_ERROR : 0)
    | (n.signatureScheme !== undefined ? F_SIG : 0) | (n.peerRawPublicKey ? F_RPK : 0) | (n.connectionIds ? F_CIDS : 0)
    | (n13?.pskMode === 'psk_ke' ? F_PSK_KE : 0) | (n13?.pskMode === 'psk_dhe_ke' ? F_PSK_DHE_KE : 0);
  w.u16(n13 ? n13.suite13.id : n12!.suite.id).u16(flags);
  w.opaque8(enc.encode(n.group ?? '')).opaque8(enc.encode(n.servername ?? '')).opaque16(enc.encode(n.pskIdentity ?? ''));
  w.opaque8(enc.encode(n.alpnProtocol ?? '')).opaque8(enc.encode(n.srtpProfile ?? ''));
  if (n.signatureScheme !== undefined) w.u16(n.signatureScheme);
  w.vec24((w) => n.peerCertificates.forEach((c) => w.opaque24(c)));
  if (n.peerRawPublicKey) w.opaque16(n.peerRawPublicKey);
  if (err) w.opaque8(enc.encode(err.code)).opaque16(enc.encode(err.message.slice(0, 4096))).opaque8(enc.encode(err.alert ?? ''));
  if (n.connectionIds) w.opaque8(n.connectionIds.ours).opaque8(n.connectionIds.peers);
}

function readNegotiated(r: Reader, protocol: 12 | 13): Negotiated | Negotiated13 {
  const suiteId = r.u16('suite');
  const flags = r.u16('flags');
  const group = utf8(r, 255, 'group');
  const servername = utf8(r, 255, 'servername');
  const pskIdentity = utf8(r, 0xffff, 'psk identity');
  const alpnProtocol = utf8(r, 255, 'alpn');
  const srtpProfile = utf8(r, 255, 'srtp profile');
  const signatureScheme = (flags & F_SIG) !== 0 ? r.u16('signature scheme') : undefined;
  const list = r.subVec24(0, 0xffffff, 'peer certificates');
  const peerCertificates: Uint8Array[] = [];
  while (list.remaining > 0) peerCertificates.push(copyBytes(list.vec24(1, 0xffffff, 'certificate')));
  const peerRawPublicKey = (flags & F_RPK) !== 0 ? copyBytes(r.vec16(1, 0xffff, 'raw public key')) : undefined;
  let authorizationError: DtlsError | undefined;
  if ((flags & F_AUTH_ERROR) !== 0) {
    const code = utf8(r, 255, 'error code'), message = utf8(r, 0xffff, 'error message'), alert = utf8(r, 255, 'error alert');
    authorizationError = (flags & F_CERT_ERROR) !== 0
      ? new CertificateError(code, message, (alert || 'bad_certificate') as AlertName)
      : new DtlsError(code, message, alert === '' ? undefined : alert as AlertName);
  }
  const connectionIds = (flags & F_CIDS) !== 0 ? { ours: copyBytes(r.vec8(0, 255, 'our cid')), peers: copyBytes(r.vec8(0, 255, 'peer cid')) } : undefined;
  const common = {
    peerCertificates, authorized: (flags & F_AUTHORIZED) !== 0, resumed: (flags & F_RESUMED) !== 0,
    ...(servername && { servername }), ...(pskIdentity && { pskIdentity }), ...(alpnProtocol && { alpnProtocol }), ...(srtpProfile && { srtpProfile }),
    ...(signatureScheme !== undefined && { signatureScheme }), ...(peerRawPublicKey && { peerRawPublicKey }),
    ...(authorizationError && { authorizationError }), ...(connectionIds && { connectionIds }),
  };
  if (protocol === 13) {
    const pskMode = (flags & F_PSK_KE) !== 0 ? 'psk_ke' as const : (flags & F_PSK_DHE_KE) !== 0 ? 'psk_dhe_ke' as const : undefined;
    return { ...common, protocol: 'DTLSv1.3', suite13: suite13(suiteId), ...(group && { group: group as Group13 }), ...(pskMode && { pskMode }) };
  }
  const suite = suiteById(suiteId);
  if (!suite) throw incompatible(`cipher suite 0x${suiteId.toString(16)} is unknown here`);
  return {
    ...common, suite, extendedMasterSecret: (flags & F_EMS) !== 0, encryptThenMac: (flags & F_ETM) !== 0, ...(group && { group }),
  };
}
