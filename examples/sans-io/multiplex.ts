// DTLS sharing one UDP socket with STUN and RTP, the way WebRTC runs it: every datagram is
// routed by its first byte (RFC 7983 §7), and only DTLS's go to puredtls's sans-IO core.
//
//   node examples/sans-io/multiplex.ts      (Node 22.18+; or bun / deno run -A)
//
// Two peers in one program, each with one UDP socket on 127.0.0.1: the offerer checks the
// path with a STUN Binding request (RFC 8489) that the answerer answers, then runs the DTLS
// client to the answerer's DTLS server over the same sockets. As in WebRTC both certificates
// are self-signed and each side checks the other's fingerprint (from the "SDP" here). They
// agree on a DTLS-SRTP profile, export the SRTP keys (RFC 5764 §4.2), and the offerer sends
// RTP packets, which the answerer's demultiplexer hands to its media handler (an SRTP stack,
// not part of puredtls, would protect them with those keys), and one message over DTLS. It
// prints what happened and exits 0 when all of it did.
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { SansIoClient, type SansIoEvent, SansIoServer, type SansIoSession, createSelfSigned } from 'puredtls/sans-io';
import { demultiplex } from './demultiplex.ts';
import { Driver } from './drive.ts';

const MAGIC_COOKIE = 0x2112a442;
const SRTP_PROFILE = 'SRTP_AEAD_AES_128_GCM';
/** RFC 7714: a 16-byte key and a 12-byte salt for each direction. */
const SRTP_KEYING_LENGTH = 2 * (16 + 12);

/** A STUN Binding request (RFC 8489 §5): the header alone, with a fresh transaction ID. */
function bindingRequest(): Uint8Array {
  const m = new Uint8Array(20);
  const v = new DataView(m.buffer);
  v.setUint16(0, 0x0001); // Binding request
  v.setUint16(2, 0); // no attributes
  v.setUint32(4, MAGIC_COOKIE);
  m.set(randomBytes(12), 8);
  return m;
}

/** The Binding success response to `request`, with the requester's XOR-MAPPED-ADDRESS (IPv4). */
function bindingSuccess(request: Uint8Array, address: string, port: number): Uint8Array {
  const m = new Uint8Array(32);
  const v = new DataView(m.buffer);
  v.setUint16(0, 0x0101);
  v.setUint16(2, 12);
  m.set(request.subarray(4, 20), 4); // magic cookie and transaction ID
  v.setUint16(20, 0x0020); // XOR-MAPPED-ADDRESS
  v.setUint16(22, 8);
  v.setUint16(24, 0x0001); // IPv4
  v.setUint16(26, port ^ (MAGIC_COOKIE >>> 16));
  const ip = address.split('.').reduce((n, x) => n * 256 + Number(x), 0);
  v.setUint32(28, (ip ^ MAGIC_COOKIE) >>> 0);
  return m;
}

/** The mapped address of a Binding success response, or undefined. */
function mappedAddress(response: Uint8Array): string | undefined {
  const v = new DataView(response.buffer, response.byteOffset, response.byteLength);
  if (response.length < 32 || v.getUint16(0) !== 0x0101 || v.getUint16(20) !== 0x0020) return undefined;
  const ip = (v.getUint32(28) ^ MAGIC_COOKIE) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (ip >>> s) & 0xff).join('.')}:${v.getUint16(26) ^ (MAGIC_COOKIE >>> 16)}`;
}

/** An RTP packet (RFC 3550): version 2, payload type 96, `seq`, a fixed SSRC, a payload. */
function rtpPacket(seq: number): Uint8Array {
  const m = new Uint8Array(12 + 20);
  const v = new DataView(m.buffer);
  v.setUint8(0, 0x80);
  v.setUint8(1, 96);
  v.setUint16(2, seq);
  v.setUint32(4, seq * 960);
  v.setUint32(8, 0x5eed5eed);
  return m;
}

const bind = (socket: Socket) => new Promise<number>((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket.address().port)));
const fail = (why: string): never => {
  console.error(`FAILED: ${why}`);
  process.exit(1);
};
// Everything below happens in well under a second on loopback; more is a failure.
const watchdog = setTimeout(() => fail('not done within 20 s'), 20_000);

const offererCert = createSelfSigned(undefined, { commonName: 'offerer' });
const answererCert = createSelfSigned(undefined, { commonName: 'answerer' });
const offererSocket = createSocket('udp4');
const answererSocket = createSocket('udp4');
const offererPort = await bind(offererSocket);
const answererPort = await bind(answererSocket);
const answerer = { address: '127.0.0.1', port: answererPort };

// --- The answerer: a DTLS server, a STUN responder, a media handler, on one socket. ---
let rtpPackets = 0;
let answererVerified = false;
let answererClosed = () => {};
const closedAtAnswerer = new Promise<void>((resolve) => (answererClosed = resolve));
const server = new SansIoServer({
  key: answererCert.keyPem, cert: answererCert.certPem,
  requestCert: true, rejectUnauthorized: false, // no CA: the fingerprint below decides
  srtpProfiles: [SRTP_PROFILE],
});
const serverDriver = new Driver(server, (d) => answererSocket.send(d.data, d.port, d.address), (ev) => {
  if (ev.type === 'secure') {
    answererVerified = ev.session.getPeerCertificate().fingerprint256 === offererCert.fingerprint256;
    if (!answererVerified) serverDriver.close(ev.session);
  }
  if (ev.type === 'data' && answererVerified) serverDriver.send(ev.session, ev.data); // echo
  if (ev.type === 'close') answererClosed();
});
answererSocket.on('message', (msg, from) => {
  switch (demultiplex(msg)) {
    case 'stun':
      if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0001) answererSocket.send(bindingSuccess(msg, from.address, from.port), from.port, from.address);
      return;
    case 'dtls':
      return serverDriver.datagram(msg, from.address, from.port);
    case 'rtp':
      rtpPackets++; // to the SRTP stack
      return;
    default:
      return; // dropped
  }
});

// --- The offerer: STUN first, then the DTLS client over the same socket. ---
let client: SansIoClient | undefined;
let clientDriver: Driver | undefined;
const stunDone = new Promise<string>((resolve) => {
  offererSocket.on('message', (msg, from) => {
    const kind = demultiplex(msg);
    if (kind === 'stun') {
      const mapped = mappedAddress(msg);
      if (mapped) resolve(`binding success from ${from.address}:${from.port}, mapped address ${mapped}`);
    } else if (kind === 'dtls') {
      clientDriver?.datagram(msg, from.address, from.port);
    }
  });
});
offererSocket.send(bindingRequest(), answererPort, '127.0.0.1');
console.log(`stun: ${await stunDone}`);
if (!(await stunDone).endsWith(`127.0.0.1:${offererPort}`)) fail('wrong mapped address');

let closing = false;
let onReply = (_text: string) => {};
const reply = new Promise<string>((resolve) => (onReply = resolve));
const secure = new Promise<SansIoSession>((resolve) => {
  client = new SansIoClient({
    key: offererCert.keyPem, cert: offererCert.certPem,
    rejectUnauthorized: false, // no CA: the fingerprint below decides
    srtpProfiles: [SRTP_PROFILE],
  }, answerer, Date.now());
  clientDriver = new Driver(client, (d) => offererSocket.send(d.data, d.port, d.address), (ev: SansIoEvent) => {
    if (ev.type === 'secure') resolve(ev.session);
    if (ev.type === 'data') onReply(new TextDecoder().decode(ev.data));
    if (ev.type === 'close' && !closing) fail(`DTLS closed: ${ev.error?.code ?? 'close_notify'}`);
  });
});
const session = await secure;
if (session.getPeerCertificate().fingerprint256 !== answererCert.fingerprint256) fail("the answerer's fingerprint does not match");
console.log(`dtls: handshake done over the shared sockets (${session.protocol}, ${session.getCipher()?.name}), fingerprints match`);

// Both ends derive the same SRTP keys from the handshake.
const serverSession = server.session('127.0.0.1', offererPort);
if (session.negotiated?.srtpProfile !== SRTP_PROFILE || serverSession?.negotiated?.srtpProfile !== SRTP_PROFILE) fail('no SRTP profile agreed');
const keys = session.exportKeyingMaterial(SRTP_KEYING_LENGTH, 'EXTRACTOR-dtls_srtp');
const same = Buffer.from(keys).equals(serverSession!.exportKeyingMaterial(SRTP_KEYING_LENGTH, 'EXTRACTOR-dtls_srtp'));
if (!same || !answererVerified) fail('the two ends disagree');
console.log(`srtp: ${SRTP_PROFILE}, both ends exported the same ${keys.length} bytes of keying material`);

// Media and DTLS on the same socket: RTP goes to the media handler, the message to DTLS.
for (let seq = 1; seq <= 3; seq++) offererSocket.send(rtpPacket(seq), answererPort, '127.0.0.1');
clientDriver!.send(session, new TextEncoder().encode('hello over DTLS'));
console.log(`dtls: echo "${await reply}"`);
if (rtpPackets !== 3) fail(`${rtpPackets} RTP packets reached the media handler`);
console.log(`rtp: ${rtpPackets} packets to the media handler`);

// close_notify; once the answerer has it, both sockets.
closing = true;
clientDriver!.close(session);
await closedAtAnswerer;
console.log('dtls: closed (close_notify)');
clientDriver!.stop();
serverDriver.stop();
clearTimeout(watchdog);
offererSocket.close();
answererSocket.close();
console.log('done');
