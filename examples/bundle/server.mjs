// A DTLS echo server with a fresh self-signed certificate, small enough to bundle: the
// server half of the README's bundle-size table (test/bundle/bundle.test.ts bundles it with
// esbuild and webpack and runs the bundles).
//
//   node examples/bundle/server.mjs [--host ::1] [--port 4433] [--cert-out cert.pem]
//   npx esbuild examples/bundle/server.mjs --bundle --platform=node --minify --outfile=server.js
//
// It writes its certificate (PEM) to --cert-out, for clients to trust as their `ca`, prints
// "listening on udp://HOST:PORT", and on SIGTERM or SIGINT closes and exits.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createSelfSigned, createServer } from 'puredtls';

const { values: opt } = parseArgs({
  options: {
    host: { type: 'string', default: '::1' },
    port: { type: 'string', default: '4433' },
    'cert-out': { type: 'string' },
  },
});

const { keyPem, certPem, fingerprint256 } = createSelfSigned(undefined, { commonName: 'localhost' });
if (opt['cert-out']) writeFileSync(opt['cert-out'], certPem);

const server = createServer({ key: keyPem, cert: certPem });
server.on('secureConnection', (peer) => {
  peer.on('message', (msg) => peer.send(msg)); // echo
});
server.on('error', (err, info) => {
  if (!info) throw err; // the socket failed: nothing to serve
  // err.name survives minification (a literal in the library): CertificateError, AlertReceivedError...
  console.error(`handshake with ${info.address}:${info.port} failed: ${err.name} ${err.code}`);
});
server.bind(Number(opt.port), opt.host, () => {
  const { address, port } = server.address();
  console.log(`certificate SHA-256 fingerprint ${fingerprint256}`);
  console.log(`listening on udp://${address.includes(':') ? `[${address}]` : address}:${port}`);
});

const stop = () => server.close(() => console.log('server closed'));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
