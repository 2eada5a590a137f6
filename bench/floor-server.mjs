#!/usr/bin/env node
// The echo floor behind a real DTLS 1.2 handshake, for OpenSSL's C client
// (../shared/bench/dtls_bench.c): our server (dist/) does the handshake, then
// every application-data record of the connection bypasses it: one
// AES-128-GCM open and one seal with node:crypto, straight on the socket,
// which is all a node:crypto + dgram server cannot avoid (bench/lib/floor.mjs
// has the same floor for the bench's own client). Run by
// bench/vs-openssl-floor.sh, which compares it with our CLI server and an
// OpenSSL C server under the same client, in the same run.
//
//   node bench/floor-server.mjs --port P --cert C --key K   (ECDHE-ECDSA-AES128-GCM-SHA256 only)
//
// The keys come from the key log (master secret) and the two randoms (read
// from the ClientHello and the ServerHello): RFC 5246 §6.3's key block. A
// measuring tool, not a server: no replay window, no alerts, no checks beyond
// the AEAD tag.
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { createServer } = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
const { values: o } = parseArgs({ options: { port: { type: 'string' }, cert: { type: 'string' }, key: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' } } });

const HEADER = 13;
const EXPLICIT = 8;
const TAG = Object.freeze({ authTagLength: 16 });

/** TLS 1.2 PRF with SHA-256 (RFC 5246 §5), once per connection. */
function prf(secret, label, seed, length) {
  const s = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const out = [];
  let a = s;
  let n = 0;
  while (n < length) {
    a = crypto.createHmac('sha256', secret).update(a).digest();
    const block = crypto.createHmac('sha256', secret).update(Buffer.concat([a, s])).digest();
    out.push(block);
    n += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

let fastRecords = 0; // echoed by the floor path (printed on SIGTERM: the script checks it is not 0)
const peers = new Map(); // "address|port" → { clientRandom, serverRandom, keys }
const keyOf = (address, port) => `${address}|${port}`;
const socket = dgram.createSocket(o.host.includes(':') ? 'udp6' : 'udp4');

// The randoms: the ClientHello's and the ServerHello's, at offset 27 of their first record (header 13, handshake header 12, version 2).
function peek(m, type, into, address, port) {
  if (m.length >= 59 && m[0] === 22 && m[3] === 0 && m[4] === 0 && m[HEADER] === type) {
    const p = peers.get(keyOf(address, port)) ?? {};
    p[into] = Buffer.from(m.subarray(27, 59));
    peers.set(keyOf(address, port), p);
  }
}
const send = socket.send;
socket.send = function (msg, ...rest) {
  const [port, address] = typeof rest[0] === 'number' && typeof rest[1] === 'number' ? [rest[2], rest[3]] : [rest[0], rest[1]];
  if (msg instanceof Uint8Array) peek(msg, 2, 'serverRandom', address, port);
  return send.call(this, msg, ...rest);
};

/** Application data on a connection whose keys are known: open, seal, send; true when handled here. */
function fast(m, ri) {
  if (m[0] !== 23) return false;
  const p = peers.get(keyOf(ri.address, ri.port));
  if (!p?.keys) return false;
  const k = p.keys;
  const n = m.length - HEADER - EXPLICIT - 16;
  if (n < 0) return true;
  m.copy(k.rxNonce, 4, HEADER, HEADER + EXPLICIT);
  m.copy(k.rxTag, 0, m.length - 16);
  m.copy(k.aad, 0, 3, 11);
  k.aad[8] = 23;
  k.aad[9] = 0xfe;
  k.aad[10] = 0xfd;
  k.aad.writeUInt16BE(n, 11);
  const d = crypto.createDecipheriv('aes-128-gcm', k.client, k.rxNonce, TAG);
  d.setAuthTag(k.rxTag);
  d.setAAD(k.aad);
  const pt = d.update(m.subarray(HEADER + EXPLICIT, m.length - 16));
  try {
    d.final();
  } catch {
    return true;
  }
  const seq = k.seq++;
  const out = Buffer.allocUnsafe(HEADER + EXPLICIT + n + 16);
  out[0] = 23;
  out[1] = 0xfe;
  out[2] = 0xfd;
  out.writeUInt16BE(1, 3); // epoch 1
  out.writeUIntBE(seq, 5, 6);
  out.writeUInt16BE(EXPLICIT + n + 16, 11);
  out.copy(out, HEADER, 3, 11); // explicit nonce = epoch ‖ sequence number
  out.copy(k.txNonce, 4, HEADER, HEADER + EXPLICIT);
  out.copy(k.aad, 0, 3, 11);
  const c = crypto.createCipheriv('aes-128-gcm', k.server, k.txNonce, TAG);
  c.setAAD(k.aad);
  c.update(pt).copy(out, HEADER + EXPLICIT);
  c.final();
  c.getAuthTag().copy(out, HEADER + EXPLICIT + n);
  send.call(socket, out, ri.port, ri.address);
  fastRecords++;
  return true;
}

const emit = socket.emit;
socket.emit = function (event, m, ri) {
  if (event === 'message') {
    if (fast(m, ri)) return true;
    peek(m, 1, 'clientRandom', ri.address, ri.port);
  }
  return emit.apply(this, arguments);
};

const server = createServer({ cert: fs.readFileSync(o.cert), key: fs.readFileSync(o.key), ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256', socket });
server.on('keylog', (line, ri) => {
  const m = /^CLIENT_RANDOM ([0-9a-f]{64}) ([0-9a-f]{96})/i.exec(line.toString('latin1'));
  const p = peers.get(keyOf(ri.address, ri.port));
  if (!m || !p?.serverRandom) return;
  const block = prf(Buffer.from(m[2], 'hex'), 'key expansion', Buffer.concat([p.serverRandom, Buffer.from(m[1], 'hex')]), 40);
  const clientIv = block.subarray(32, 36);
  const serverIv = block.subarray(36, 40);
  const rxNonce = Buffer.alloc(12);
  const txNonce = Buffer.alloc(12);
  clientIv.copy(rxNonce);
  serverIv.copy(txNonce);
  p.keys = {
    client: crypto.createSecretKey(block.subarray(0, 16)), server: crypto.createSecretKey(block.subarray(16, 32)),
    rxNonce, txNonce, rxTag: Buffer.alloc(16), aad: Buffer.alloc(13), seq: 1 << 20, // above every sequence number our server used in epoch 1
  };
});
server.on('secureConnection', (peer) => peer.on('message', (m) => peer.send(m))); // before the keys are known
server.on('error', () => {});
process.on('SIGTERM', () => {
  console.log(`floor path: ${fastRecords} records`);
  process.exit(0);
});
socket.bind(Number(o.port), o.host, () => console.log(`listening on udp://${o.host}:${o.port} (floor)`));
