// A DTLS client that sends one message and prints the reply: the client half of the
// README's bundle-size table (test/bundle/bundle.test.ts bundles and runs it).
//
//   node examples/bundle/client.mjs --ca cert.pem [--host ::1] [--port 4433] [--message hello]
//
// Prints "reply: MESSAGE" and exits 0; when the handshake fails it prints
// "handshake failed: NAME CODE" (a DtlsError's name and code, e.g. CertificateError
// ERR_DTLS_CERT_UNTRUSTED) and exits 1.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { connectAsync } from 'puredtls';

const { values: opt } = parseArgs({
  options: {
    host: { type: 'string', default: '::1' },
    port: { type: 'string', default: '4433' },
    ca: { type: 'string' },
    message: { type: 'string', default: 'hello' },
  },
});
if (!opt.ca) {
  console.error('usage: client.mjs --ca CERT.pem [--host HOST] [--port PORT] [--message TEXT]');
  process.exit(2);
}

// No top-level await: a CommonJS bundle (esbuild --format=cjs) cannot have one.
async function main() {
  try {
    const client = await connectAsync({ host: opt.host, port: Number(opt.port), ca: readFileSync(opt.ca), servername: 'localhost' });
    const reply = await new Promise((resolve) => {
      client.once('message', resolve);
      client.send(opt.message);
    });
    console.log(`reply: ${reply}`);
    client.end();
  } catch (err) {
    console.error(`handshake failed: ${err.name} ${err.code}`);
    process.exitCode = 1;
  }
}
main();
