// A DTLS echo server that restarts without dropping its clients: SIGTERM saves every
// established association to a file (encrypted and authenticated), and the next start
// with the same file continues them. The clients notice nothing: no handshake, no
// close_notify, their next records are answered by the new process.
//
//   head -c 32 /dev/urandom > state.key            # the key the file is sealed with
//   node examples/restart.mjs --state-file state.bin --state-key state.key --port 4433
//   (clients connect, talk; then: kill -TERM <pid>; run the same command again)
//
// It prints "listening on udp://HOST:PORT", then "saved N associations" on SIGTERM and
// "restored N associations" when it starts from a file; each client it serves is
// "handshake from ..." or "restored ... (no handshake)". The file is consumed when
// loaded (renamed, read, deleted), so two processes never continue the same
// associations. SIGINT closes every association (close_notify) and saves nothing.
// See docs/scaling.md, "Restarts"; `puredtls server --state-file` does the same.
import * as dgram from 'node:dgram';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { parseArgs } from 'node:util';
import { createServer } from 'puredtls';

const pki = (file) => new URL(`../test/fixtures/pki/${file}`, import.meta.url);
const { values: opt } = parseArgs({
  options: {
    host: { type: 'string', default: '::' },
    port: { type: 'string', default: '4433' },
    'state-file': { type: 'string', default: 'state.bin' },
    'state-key': { type: 'string', default: 'state.key' },
  },
});
const file = opt['state-file'];
const stateKey = readFileSync(opt['state-key']); // 32 bytes or more

// The saved associations, if a previous run left some: taken (renamed) first, so they are loaded once.
let associations;
if (existsSync(file)) {
  renameSync(file, `${file}.loading`);
  associations = { blob: readFileSync(`${file}.loading`), key: stateKey };
  rmSync(`${file}.loading`);
}

const options = {
  key: readFileSync(pki('server-ecdsa-p256.key.pem')),
  cert: readFileSync(pki('server-ecdsa-p256.crt.pem')),
  socket: dgram.createSocket(isIPv4(opt.host) ? 'udp4' : 'udp6'),
};
let server;
try {
  server = createServer({ ...options, ...(associations && { associations }) });
} catch (err) {
  // Expired, altered, another key...: start without them (their clients handshake again).
  console.error(`saved associations refused (${err.code}): ${err.message}`);
  server = createServer(options);
}
let restored = 0;
server.on('connection', ({ address, port }) => console.log(`handshake from ${address}:${port}`));
server.on('secureConnection', (peer) => {
  if (peer.restored) {
    restored++;
    console.log(`restored ${peer.address().address}:${peer.address().port} ${peer.getProtocol()} (no handshake)`);
  }
  peer.on('message', (msg) => peer.send(msg));
});
server.bind(Number(opt.port), opt.host, () => {
  // Restored peers are announced on the tick after createServer, before the socket is bound.
  if (associations) console.log(`restored ${restored} associations`);
  const { address, port } = server.address();
  console.log(`listening on udp://${address.includes(':') ? `[${address}]` : address}:${port}`);
});

process.once('SIGTERM', () => {
  const before = server.connections;
  writeFileSync(`${file}.tmp`, server.saveAssociations(stateKey), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  console.log(`saved ${before - server.connections} associations`);
  server.close(() => process.exit(0)); // what is left: handshakes in progress
});
process.once('SIGINT', () => server.close(() => process.exit(0)));
