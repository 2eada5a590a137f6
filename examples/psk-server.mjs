// A CoAP-style DTLS server with pre-shared keys: the "PreSharedKey" security mode of CoAP
// (RFC 7252 §9.1.3.1): udp port 5684, TLS_PSK_WITH_AES_128_CCM_8, no certificates.
// The key of a client identity is looked up asynchronously, as a device registry or a
// database would answer; here the registry is a file of `identity:hexkey` lines.
//
//   node examples/psk-server.mjs [--host ::] [--port 5684] [--keys FILE] [--ciphers LIST]
//   openssl s_client -dtls1_2 -connect 127.0.0.1:5684 -cipher PSK-AES128-CCM8 \
//     -psk 64746c732d696e7465726f702d70736b -psk_identity Client_identity
//
// HOST and PORT may also come from the environment. Once bound it prints
// "listening on udp://HOST:PORT". Ctrl-C (SIGINT) or SIGTERM closes it.
import * as dgram from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { parseArgs } from 'node:util';
import { createServer } from 'puredtls';

const { values: opt } = parseArgs({
  options: {
    host: { type: 'string', default: process.env.HOST ?? '::' },
    port: { type: 'string', default: process.env.PORT ?? '5684' },
    keys: { type: 'string' },
    ciphers: { type: 'string', default: 'PSK-AES128-CCM8' }, // CoAP's mandatory suite
  },
});
const keysFile = opt.keys ?? new URL('../test/fixtures/pki/psk.txt', import.meta.url);

/** The key of `identity`, or null when the registry does not know it. */
async function lookupKey(identity) {
  const text = await readFile(keysFile, 'utf8');
  for (const line of text.split('\n')) {
    const [id, hex] = line.trim().split(':');
    if (id === identity && hex) return Buffer.from(hex, 'hex');
  }
  return null;
}

const server = createServer({
  // The handshake waits for the Promise. An unknown identity (null) fails the handshake
  // exactly as a wrong key does, so a client cannot probe for identities.
  pskCallback: (identity, { address }) => {
    console.log(`key lookup for "${identity}" from ${address}`);
    return lookupKey(identity);
  },
  ciphers: opt.ciphers,
  socket: dgram.createSocket(isIPv4(opt.host) ? 'udp4' : 'udp6'),
});

server.on('secureConnection', (peer) => {
  console.log(`device "${peer.pskIdentity}" connected (${peer.getCipher()?.name})`);
  peer.on('message', (msg) => peer.send(msg)); // echo; a CoAP server would parse a request here
  peer.on('close', () => console.log(`device "${peer.pskIdentity}" closed`));
});
server.on('error', (err, info) => {
  if (!info) throw err; // the socket failed (EADDRINUSE...): no info, nothing to serve
  // A handshake failed: `err` is a DtlsError with a stable `code` (see docs/errors.md).
  console.error(`handshake with ${info.address}:${info.port} failed: ${err.code} ${err.message}`);
});

server.bind(Number(opt.port), opt.host, () => {
  const { address, port } = server.address();
  console.log(`listening on udp://${address.includes(':') ? `[${address}]` : address}:${port}`);
});

const stop = () => server.close(() => console.log('server closed'));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
