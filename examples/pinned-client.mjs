// A DTLS client that trusts one server certificate, identified by its SHA-256 fingerprint,
// the way WebRTC does (the fingerprint comes out of band, e.g. in SDP's a=fingerprint line).
// No CA is involved, so self-signed certificates work.
//
//   node examples/echo-server.mjs --self-signed      # prints its fingerprint
//   node examples/pinned-client.mjs --pin AB:CD:...:EF [--host localhost] [--port 4433]
//
// HOST, PORT and PIN may also come from the environment. Sends one message, prints the reply,
// closes. Exits 1 when the handshake fails or the fingerprint does not match.
import { parseArgs } from 'node:util';
import { connectAsync } from 'puredtls';

const { values: opt } = parseArgs({
  options: {
    host: { type: 'string', default: process.env.HOST ?? 'localhost' },
    port: { type: 'string', default: process.env.PORT ?? '4433' },
    pin: { type: 'string', default: process.env.PIN },
    message: { type: 'string', default: 'hello' },
  },
});
if (!opt.pin) {
  console.error('usage: pinned-client.mjs --pin SHA256-FINGERPRINT [--host HOST] [--port PORT]');
  process.exit(2);
}
const normalize = (fp) => String(fp ?? '').replace(/:/g, '').toUpperCase();

const client = await connectAsync({
  host: opt.host,
  port: Number(opt.port),
  // No CA vouches for a pinned certificate: do not fail on the chain, check the pin below
  // instead, before sending anything. The handshake has still proved that the server holds
  // the private key of the certificate it sent. (checkServerIdentity cannot do this: it only
  // runs for chains that verified against `ca`.)
  rejectUnauthorized: false,
}).catch((err) => {
  console.error(`handshake failed: ${err.code} ${err.message}`);
  process.exit(1);
});

const fingerprint = client.getPeerCertificate().fingerprint256; // undefined without a certificate
if (normalize(fingerprint) !== normalize(opt.pin)) {
  console.error(`certificate fingerprint mismatch: expected ${opt.pin}, got ${fingerprint}`);
  client.end(); // close_notify; nothing was sent
  process.exitCode = 1;
} else {
  console.log(`server certificate matches the pin ${fingerprint}`);
  client.on('message', (reply) => {
    console.log(`reply: ${reply}`);
    client.end();
  });
  client.send(opt.message);
}
