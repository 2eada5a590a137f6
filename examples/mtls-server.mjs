// A mutual-TLS DTLS server: every client must present a certificate signed by a trusted CA.
//
//   node examples/mtls-server.mjs [--host ::] [--port 4433] [--key FILE] [--cert FILE] [--ca FILE]
//
// Defaults: the test PKI in test/fixtures/pki. HOST, PORT, KEY, CERT and CA may also come from
// the environment.
// Prints "listening on udp://HOST:PORT" once bound; Ctrl-C (SIGINT) or SIGTERM closes it.
import * as dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { parseArgs } from 'node:util';
import { createServer } from 'puredtls';

const pki = new URL('../test/fixtures/pki/', import.meta.url); // the test PKI's folder
const { values: opt } = parseArgs({
  options: {
    host: { type: 'string', default: process.env.HOST ?? '::' },
    port: { type: 'string', default: process.env.PORT ?? '4433' },
    key: { type: 'string', default: process.env.KEY },
    cert: { type: 'string', default: process.env.CERT },
    ca: { type: 'string', default: process.env.CA },
  },
});

const server = createServer({
  key: readFileSync(opt.key ?? new URL('server-ecdsa-p256.key.pem', pki)),
  cert: readFileSync(opt.cert ?? new URL('server-ecdsa-p256.crt.pem', pki)),
  ca: readFileSync(opt.ca ?? new URL('ca-bundle.pem', pki)), // the CAs that sign client certificates
  requestCert: true, // ask every client for its certificate...
  rejectUnauthorized: true, // ...and fail the handshake when it is missing or does not verify
  socket: dgram.createSocket(isIPv4(opt.host) ? 'udp4' : 'udp6'), // '::' takes IPv4 clients too
});

server.on('secureConnection', (peer) => {
  const name = peer.getPeerCertificate().subject.CN;
  console.log(`client "${name}" connected from ${peer.address().address}`);
  peer.on('message', (msg) => peer.send(`hello ${name}, you sent: ${msg}`));
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
process.once('SIGINT', () => server.close());
process.once('SIGTERM', () => server.close());
