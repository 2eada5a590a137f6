// A DTLS echo server: every message a client sends comes back to it.
//
//   node examples/echo-server.mjs [--host ::] [--port 4433] [--cert FILE --key FILE | --self-signed]
//   openssl s_client -dtls1_2 -connect 127.0.0.1:4433 -CAfile test/fixtures/pki/ca-bundle.pem
//
// HOST and PORT may also come from the environment. The default certificate is the test
// PKI's (test/fixtures/pki); --self-signed makes a fresh one instead. Once bound it prints
// the certificate's SHA-256 fingerprint and "listening on udp://HOST:PORT". Ctrl-C (SIGINT)
// or SIGTERM sends close_notify to every client and exits.
import { X509Certificate } from 'node:crypto';
import * as dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { parseArgs } from 'node:util';
import { createSelfSigned, createServer } from 'puredtls';

const pki = (file) => new URL(`../test/fixtures/pki/${file}`, import.meta.url);
const { values: opt } = parseArgs({
  options: {
    host: { type: 'string', default: process.env.HOST ?? '::' },
    port: { type: 'string', default: process.env.PORT ?? '4433' },
    cert: { type: 'string' },
    key: { type: 'string' },
    'self-signed': { type: 'boolean', default: false },
  },
});

let key, cert;
if (opt['self-signed']) {
  ({ keyPem: key, certPem: cert } = createSelfSigned(undefined, { commonName: 'localhost' }));
} else {
  key = readFileSync(opt.key ?? pki('server-ecdsa-p256.key.pem'));
  cert = readFileSync(opt.cert ?? pki('server-ecdsa-p256.crt.pem'));
}

const server = createServer({
  key,
  cert,
  // '::' (the default) takes IPv4 and IPv6 clients; an IPv4 address needs an IPv4 socket.
  socket: dgram.createSocket(isIPv4(opt.host) ? 'udp4' : 'udp6'),
});

server.on('secureConnection', (peer) => {
  const { address, port } = peer.address();
  console.log(`secure connection from ${address}:${port} (${peer.getCipher()?.name})`);
  peer.on('message', (msg) => peer.send(msg)); // echo
  peer.on('close', () => console.log(`closed ${address}:${port}`));
});
server.on('error', (err, info) => {
  if (!info) throw err; // the socket failed (EADDRINUSE...): no info, nothing to serve
  // A handshake failed: `err` is a DtlsError with a stable `code` (see docs/errors.md).
  console.error(`handshake with ${info.address}:${info.port} failed: ${err.code} ${err.message}`);
});

server.bind(Number(opt.port), opt.host, () => {
  const { address, port } = server.address();
  console.log(`certificate SHA-256 fingerprint ${new X509Certificate(cert).fingerprint256}`);
  console.log(`listening on udp://${address.includes(':') ? `[${address}]` : address}:${port}`);
});

const stop = () => server.close(() => console.log('server closed'));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
