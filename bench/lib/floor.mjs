// The floor: what any DTLS 1.2 server built on node:crypto and dgram pays at
// least, measured rather than added up (issue 15). A "floor" server does the
// node:crypto calls and the socket I/O the protocol cannot avoid, through the
// cheapest node API for each, and nothing else: no record parsing beyond fixed
// offsets, no state machine, no replay window, no checks, no allocation of
// its own it can avoid. The bench drives it with the same load generator as
// the real servers, in the same run, so the difference between a row and its
// floor is what our code adds.
//
// Echo: per datagram, one AES-128-GCM open (tag checked) and one seal of the
// plaintext under a fresh nonce: a createDecipheriv and a createCipheriv, as
// node has no way to re-key a cipher object, with the key imported once; the
// reply is one datagram from node's Buffer pool.
//
// Handshake (ECDHE-ECDSA P-256 with a cookie exchange, the datagram sizes of
// our server's handshake): ClientHello → HelloVerifyRequest (one HMAC);
// ClientHello with the cookie → ServerHello…ServerHelloDone (the cookie's
// HMAC, a P-256 key pair, an ECDSA signature, a random, a transcript hash);
// ClientKeyExchange…Finished → ChangeCipherSpec, Finished (ECDH, the PRF's 14
// HMACs, two transcript hashes, one open and one seal); close_notify →
// close_notify (one open, one seal). HMAC is two one-shot hashes, the cheapest
// node:crypto offers (see src/crypto/node-provider.ts).
import crypto from 'node:crypto';

/** A fixed key and salt: the floor measures cost, not secrecy. */
const KEY = Buffer.alloc(16, 0x42);
const SALT = Buffer.alloc(4, 0x24);
const TAG = Object.freeze({ authTagLength: 16 });
const HEADER = 13; // DTLS 1.2 record header
const EXPLICIT = 8; // GCM explicit nonce
/** The key imported once (a KeyObject: cheaper per record than a raw key, as in src/crypto/node-aead.ts). */
let keyObject;
const key = () => (keyObject ??= crypto.createSecretKey(KEY));
/** Scratch that node reads before each call returns: the nonce, the received tag. */
const NONCE = Buffer.alloc(12);
const RX_TAG = Buffer.alloc(16);
SALT.copy(NONCE, 0);

/** Datagram sizes of our DTLS 1.2 ECDHE-ECDSA P-256 handshake (bench client, bench PKI). */
export const HS_SIZES = { ch1: 140, hvr: 60, ch2: 172, flight2: 880, flight3: 166, flight4: 75, close: 39 };

/** Write a DTLS 1.2 AES-GCM record header and explicit nonce for `length` bytes of plaintext at `out[offset]`. */
function writeHead(out, offset, seq, length) {
  out[offset] = 23;
  out.writeUInt16BE(0xfefd, offset + 1);
  out.writeUInt16BE(0, offset + 3);
  out.writeUIntBE(seq, offset + 5, 6);
  out.writeUInt16BE(EXPLICIT + length + 16, offset + 11);
  out.writeUInt16BE(0, offset + HEADER);
  out.writeUIntBE(seq, offset + HEADER + 2, 6);
}

/**
 * Seal `plaintext` as one record into `out` at `offset` (header, explicit nonce, ciphertext, tag);
 * returns the record's length. One createCipheriv, as node needs per nonce.
 */
function sealInto(out, offset, seq, plaintext) {
  writeHead(out, offset, seq, plaintext.length);
  out.copy(NONCE, 4, offset + HEADER, offset + HEADER + EXPLICIT);
  const c = crypto.createCipheriv('aes-128-gcm', key(), NONCE, TAG);
  c.setAAD(out.subarray(offset, offset + HEADER));
  const body = offset + HEADER + EXPLICIT;
  c.update(plaintext).copy(out, body);
  c.final();
  c.getAuthTag().copy(out, body + plaintext.length);
  return HEADER + EXPLICIT + plaintext.length + 16;
}

/** A DTLS 1.2 AES-128-GCM record around `plaintext`, as one Buffer (the load generators send it). */
export function sealRecord(seq, plaintext) {
  const out = Buffer.allocUnsafe(HEADER + EXPLICIT + plaintext.length + 16);
  sealInto(out, 0, seq, plaintext);
  return out;
}

/** Open a record made by sealRecord: the plaintext, or null when the tag is wrong. */
export function openRecord(m) {
  const n = m.length - HEADER - EXPLICIT - 16;
  if (n < 0) return null;
  m.copy(NONCE, 4, HEADER, HEADER + EXPLICIT);
  m.copy(RX_TAG, 0, m.length - 16);
  const d = crypto.createDecipheriv('aes-128-gcm', key(), NONCE, TAG);
  d.setAuthTag(RX_TAG);
  d.setAAD(m.subarray(0, HEADER));
  const pt = d.update(m.subarray(HEADER + EXPLICIT, m.length - 16));
  try {
    d.final();
  } catch {
    return null;
  }
  return pt;
}

/** The reply to a record: the plaintext sealed under the next sequence number, one datagram from node's Buffer pool. */
function reply(socket, seq, plaintext, port, address) {
  socket.send(sealRecord(seq, plaintext), port, address);
}

/** Echo floor: open every datagram, seal its plaintext back. */
export function floorEchoServer(socket, counters) {
  let seq = 1;
  socket.on('message', (m, ri) => {
    const pt = openRecord(m);
    if (pt === null) return;
    counters.echoed++;
    reply(socket, seq++, pt, ri.port, ri.address);
  });
}

// --- handshake floor ---------------------------------------------------------------------

// One-shot hashes as latin1 strings, then bytes: Node 20's 'buffer' output costs 1–2 µs more (see src/crypto/node-provider.ts).
const digest = (data) => crypto.hash('sha256', data, 'binary');
const hash = (data) => Buffer.from(digest(data), 'latin1');
const PAD = Buffer.alloc(64 + 1500);
function hmac(key, data) {
  for (let i = 0; i < 64; i++) PAD[i] = (key[i] ?? 0) ^ 0x36;
  data.copy(PAD, 64);
  PAD.write(digest(PAD.subarray(0, 64 + data.length)), 64, 'latin1');
  for (let i = 0; i < 64; i++) PAD[i] = (key[i] ?? 0) ^ 0x5c;
  return hash(PAD.subarray(0, 96));
}
/** TLS 1.2's PRF P_SHA256 for `n` output blocks: 2n HMACs. */
function prf(secret, seed, blocks) {
  let a = seed;
  const out = [];
  for (let i = 0; i < blocks; i++) {
    a = hmac(secret, a);
    out.push(hmac(secret, Buffer.concat([a, seed])));
  }
  return Buffer.concat(out);
}

/** Handshake floor server: four datagrams in, four out, per handshake; the work as above. */
export function floorHandshakeServer(socket, counters, signingKeyPem) {
  const signingKey = crypto.createPrivateKey(signingKeyPem);
  const cookieKey = crypto.randomBytes(32);
  const flight2 = Buffer.alloc(HS_SIZES.flight2);
  const hvr = Buffer.alloc(HS_SIZES.hvr);
  const states = new Map();
  socket.on('message', (m, ri) => {
    const key = `${ri.address}|${ri.port}`;
    const st = states.get(key);
    if (st === undefined) {
      if (m.length === HS_SIZES.ch1) {
        // ClientHello without a cookie: the stateless cookie, nothing kept.
        hmac(cookieKey, m.subarray(0, 64)).copy(hvr, 28);
        socket.send(hvr, ri.port, ri.address);
        return;
      }
      // ClientHello with the cookie: check it, then the server's flight.
      hmac(cookieKey, m.subarray(0, 64));
      const ecdh = crypto.createECDH('prime256v1');
      const pub = ecdh.generateKeys();
      const random = crypto.randomBytes(32);
      const params = Buffer.concat([m.subarray(0, 32), random, pub]);
      crypto.sign('sha256', params, signingKey).copy(flight2, 600);
      states.set(key, { ecdh, transcript: [m, flight2] });
      socket.send(flight2, ri.port, ri.address);
      return;
    }
    if (st.secret === undefined) {
      // ClientKeyExchange (the client's P-256 point at offset 26), ChangeCipherSpec, Finished.
      const pms = st.ecdh.computeSecret(m.subarray(26, 26 + 65));
      const seed = Buffer.concat(st.transcript);
      const master = prf(pms, hash(seed), 2); // extended master secret: 48 of 64 bytes
      prf(master, seed.subarray(0, 64), 2); // key block: 40 bytes
      const fin = openRecord(m.subarray(m.length - (HEADER + EXPLICIT + 12 + 4 + 16)));
      if (fin === null) return;
      prf(master, hash(Buffer.concat([seed, m])), 1); // client Finished's verify_data
      prf(master, hash(Buffer.concat([seed, m, fin])), 1); // server Finished's verify_data
      st.secret = master;
      const flight4 = Buffer.allocUnsafe(HS_SIZES.flight4);
      flight4.fill(0, 0, HS_SIZES.flight4 - (HEADER + EXPLICIT + 24 + 16)); // ChangeCipherSpec
      sealInto(flight4, HS_SIZES.flight4 - (HEADER + EXPLICIT + 24 + 16), 0, Buffer.concat([fin, fin.subarray(0, 8)]));
      socket.send(flight4, ri.port, ri.address);
      counters.handshakes++;
      return;
    }
    // close_notify: open it, answer with ours, forget the peer.
    const alert = openRecord(m);
    states.delete(key);
    if (alert !== null) reply(socket, 1, alert, ri.port, ri.address);
  });
  return { peers: () => states.size };
}

/** The client side of the handshake floor: one "handshake" from a new socket; resolves true when it completed. */
export function floorHandshakeClient(dgram, port) {
  const ecdh = crypto.createECDH('prime256v1');
  const pub = ecdh.generateKeys();
  const ch1 = crypto.randomBytes(HS_SIZES.ch1);
  const ch2 = Buffer.concat([ch1.subarray(0, 64), crypto.randomBytes(HS_SIZES.ch2 - 64)]);
  const finished = sealRecord(1, Buffer.alloc(12 + 4, 0x14));
  const flight3 = Buffer.alloc(HS_SIZES.flight3);
  pub.copy(flight3, 26);
  finished.copy(flight3, HS_SIZES.flight3 - finished.length);
  const close = sealRecord(2, Buffer.from([1, 0]));
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    let step = 0;
    const done = (ok) => {
      clearTimeout(timer);
      setImmediate(() => socket.close());
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 10_000);
    socket.on('message', () => {
      step++;
      if (step === 1) socket.send(ch2, port, '127.0.0.1');
      else if (step === 2) socket.send(flight3, port, '127.0.0.1');
      else if (step === 3) socket.send(close, port, '127.0.0.1');
      else done(true);
    });
    socket.bind(0, '127.0.0.1', () => socket.send(ch1, port, '127.0.0.1'));
  });
}
