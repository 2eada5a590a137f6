// A mutual-TLS DTLS client: verifies the server against a CA and presents its own certificate.
//
//   node examples/mtls-client.mjs [--host localhost] [--port 4433] [--key FILE] [--cert FILE]
//                                 [--ca FILE] [--message TEXT]
//
// Defaults: the test PKI in test/fixtures/pki. HOST, PORT, KEY, CERT and CA may also come from
// the environment.
// Sends one message, prints the reply, closes. Exits 1 when the handshake fails.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { connectAsync } from 'puredtls';

const pki = new URL('../test/fixtures/pki/', import.meta.url); // the test PKI's folder
const { values: opt } = parseArgs({
  options: {
    host: { type: 'string', default: process.env.HOST ?? 'localhost' },
    port: { type: 'string', default: process.env.PORT ?? '4433' },
    key: { type: 'string', default: process.env.KEY },
    cert: { type: 'string', default: process.env.CERT },
    ca: { type: 'string', default: process.env.CA },
    message: { type: 'string', default: 'hello' },
  },
});

const client = await connectAsync({
  host: opt.host, // also the name the server's certificate must match (SAN DNS or IP)
  port: Number(opt.port),
  key: readFileSync(opt.key ?? new URL('client-ecdsa.key.pem', pki)),
  cert: readFileSync(opt.cert ?? new URL('client-ecdsa.crt.pem', pki)), // sent when the server asks
  ca: readFileSync(opt.ca ?? new URL('ca-bundle.pem', pki)), // the CAs that sign server certificates
}).catch((err) => {
  console.error(`handshake failed: ${err.code} ${err.message}`);
  process.exit(1);
});

console.log(`connected to "${client.getPeerCertificate().subject?.CN}" (${client.getCipher()?.name})`);
client.on('message', (reply) => {
  console.log(`reply: ${reply}`);
  client.end();
});
client.send(opt.message);
