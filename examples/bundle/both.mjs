// A server and a client in one program, both with self-signed certificates: the "both" row
// of the README's bundle-size table (test/bundle/bundle.test.ts bundles and runs it).
//
//   node examples/bundle/both.mjs
//
// The client gets its echo over ::1, a client that trusts another certificate fails with a
// CertificateError, a bad option is a TypeError that is also a DtlsError: each prints one
// line, and the program exits 0 when all three happened as they should.
import { DtlsError, connectAsync, createSelfSigned, createServer } from 'puredtls';

// No top-level await: a CommonJS bundle (esbuild --format=cjs) cannot have one.
async function main() {
  const { keyPem, certPem } = createSelfSigned();
  const server = createServer({ key: keyPem, cert: certPem });
  server.on('secureConnection', (peer) => peer.on('message', (msg) => peer.send(msg)));
  server.on('error', () => {}); // the failed handshake below: reported to the client too
  await new Promise((resolve) => server.bind(0, '::1', resolve));
  const { port } = server.address();

  let ok = true;
  const check = (line, pass) => {
    console.log(`${pass ? 'ok' : 'FAILED'}: ${line}`);
    ok &&= pass;
  };

  const client = await connectAsync({ host: '::1', port, ca: certPem, servername: 'localhost' });
  const reply = await new Promise((resolve) => {
    client.once('message', (m) => resolve(String(m)));
    client.send('ping');
  });
  check(`echo ${reply} (${client.getCipher().name})`, reply === 'ping');
  client.end();

  const stranger = createSelfSigned().certPem; // a certificate the server does not have
  const refused = await connectAsync({ host: '::1', port, ca: stranger, servername: 'localhost' }).then(
    () => undefined,
    (err) => err,
  );
  check(`untrusted server: ${refused?.name} ${refused?.code}`, refused?.name === 'CertificateError' && refused instanceof DtlsError);

  try {
    createServer({ key: keyPem, cert: certPem, mtu: 'large' });
    check('bad option accepted', false);
  } catch (err) {
    check(`bad option: ${err.name} ${err.code}`, err.name === 'TypeError' && err instanceof DtlsError && err.code === 'ERR_DTLS_INVALID_OPTION');
  }

  server.close();
  process.exitCode = ok ? 0 : 1;
}
main();
