#!/usr/bin/env node
// One DTLS echo server per core, all on one UDP port (SO_REUSEPORT): see docs/scaling.md.
//
//   npm run build                      # the example imports 'puredtls' (this package's dist/)
//   node examples/multicore.mjs [--host 127.0.0.1] [--port 4433] [--workers N] [--cert FILE --key FILE | --self-signed]
//   openssl s_client -dtls1_2 -connect 127.0.0.1:4433 -CAfile test/fixtures/pki/ca-bundle.pem
//
// The primary process makes the secrets every worker must share (the cookie secret,
// so any worker accepts a cookie another one issued, and the ticket keys, so any
// worker resumes a session another one started), hands them to the workers over the
// cluster IPC channel (not the environment), and starts one worker per core. Each
// worker binds its own socket to the same port with `reusePort`; the kernel hashes
// each client's address and port to one of them, so a client's datagrams stay on
// one worker. `--port 0` lets the first worker pick a free port for all of them.
// HOST and PORT may also come from the environment; --workers defaults to the number
// of cores (os.availableParallelism()). The default certificate is the test PKI's
// (test/fixtures/pki); --self-signed makes a fresh one instead.
//
// It prints `ready: N workers listening on udp://HOST:PORT (pids ...)` once all listen;
// on SIGTERM or SIGINT the workers close (close_notify to their peers), each
// worker's counts are printed, and it exits 0.
//
// Needs a Node whose dgram has `reusePort` (22.12+, 23.1+) on Linux (or another
// platform with SO_REUSEPORT): elsewhere it says so and exits with status 2.
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createSelfSigned, createServer } from 'puredtls';

const USAGE = 'usage: node examples/multicore.mjs [--host 127.0.0.1] [--port 4433] [--workers N] [--cert FILE --key FILE | --self-signed]';
const pki = (file) => new URL(`../test/fixtures/pki/${file}`, import.meta.url);

if (cluster.isPrimary) await primary();
else worker();

async function primary() {
  let args;
  try {
    args = parseArgs({
      options: {
        host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
        port: { type: 'string', default: process.env.PORT ?? '4433' },
        workers: { type: 'string', default: String(os.availableParallelism()) },
        cert: { type: 'string' },
        key: { type: 'string' },
        'self-signed': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    fail(`${err.message}\n${USAGE}`, 64);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(args.port);
  const count = Number(args.workers);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad --port ${args.port}\n${USAGE}`, 64);
  if (!Number.isInteger(count) || count < 1) fail(`bad --workers ${args.workers}\n${USAGE}`, 64);
  if ((args.key === undefined) !== (args.cert === undefined)) fail(`--key and --cert go together\n${USAGE}`, 64);
  const host = args.host;
  const type = isIPv6(host) ? 'udp6' : 'udp4';

  if (!(await reusePortWorks(type, host))) {
    fail(
      `Node ${process.version} on ${process.platform} cannot share a UDP port between processes: dgram's reusePort ` +
      'came in Node 22.12 and 23.1 and needs SO_REUSEPORT (Linux, some BSDs). Without it cluster workers would share one ' +
      'socket and split each client\'s datagrams between them. Run a single server, or a newer Node.',
      2,
    );
  }

  // The secrets every worker shares. Keep them (and rotate the ticket keys) in a
  // secret store when several machines serve the same clients: docs/scaling.md.
  let key;
  let cert;
  if (args['self-signed']) {
    const self = createSelfSigned(undefined, { commonName: 'localhost' });
    key = self.keyPem;
    cert = self.certPem;
    console.log(`self-signed certificate for localhost, SHA-256 fingerprint ${self.fingerprint256}`);
  } else {
    key = readFileSync(args.key ?? pki('server-ecdsa-p256.key.pem'), 'utf8');
    cert = readFileSync(args.cert ?? pki('server-ecdsa-p256.crt.pem'), 'utf8');
  }
  const shared = {
    socketType: type, host, key, cert,
    cookieSecret: randomBytes(32).toString('base64'),
    ticketKeys: randomBytes(48).toString('base64'),
  };

  const workers = new Map(); // id -> { worker, listening, stats }
  let shuttingDown = false;
  let boundPort = port;

  const start = (id) => new Promise((resolve, reject) => {
    const w = cluster.fork({ MULTICORE_WORKER_ID: String(id) });
    const entry = { worker: w, listening: false, stats: undefined };
    workers.set(id, entry);
    w.on('message', (m) => {
      if (m?.type === 'listening') {
        entry.listening = true;
        resolve(m.port);
      } else if (m?.type === 'stats') {
        entry.stats = m;
      }
    });
    w.on('exit', (code, signal) => {
      if (!entry.listening) {
        reject(new Error(`worker ${id} exited before listening (${signal ?? `code ${code}`})`));
        return;
      }
      if (shuttingDown || workers.get(id) !== entry) return;
      // Its associations are gone (their keys lived in that process); its clients
      // reconnect, resuming their sessions on any worker. A new worker joins the group.
      console.error(`worker ${id} (pid ${w.process.pid}) died (${signal ?? `code ${code}`}); starting another`);
      start(id).catch((err) => console.error(err.message));
    });
    w.send({ type: 'config', id, port: boundPort, ...shared });
  });

  try {
    // The first worker binds (port 0: a free one), the others join on its port.
    boundPort = await start(1);
    await Promise.all(Array.from({ length: count - 1 }, (_, i) => start(i + 2)));
  } catch (err) {
    shuttingDown = true;
    for (const { worker: w } of workers.values()) w.process.kill();
    fail(err.message, 1);
  }
  const pids = [...workers.values()].map((e) => e.worker.process.pid).join(', ');
  console.log(`ready: ${count} workers listening on udp://${type === 'udp6' ? `[${host}]` : host}:${boundPort} (pids ${pids})`);

  const shutdown = (signal) => {
    if (shuttingDown) return;
    shuttingDown = true;
    console.log(`${signal}: closing ${workers.size} workers`);
    const exits = [...workers.values()].map(({ worker: w }) => new Promise((resolve) => {
      if (w.isDead()) return resolve();
      w.once('exit', resolve);
      w.send({ type: 'shutdown' });
    }));
    const force = setTimeout(() => {
      console.error('workers did not exit in 5 s: killing them');
      for (const { worker: w } of workers.values()) w.process.kill('SIGKILL');
      process.exit(1);
    }, 5000);
    force.unref();
    void Promise.all(exits).then(() => {
      let handshakes = 0;
      let messages = 0;
      for (const [id, e] of [...workers].sort((a, b) => a[0] - b[0])) {
        const s = e.stats ?? { handshakes: 0, resumed: 0, messages: 0 };
        handshakes += s.handshakes;
        messages += s.messages;
        console.log(`worker ${id} (pid ${e.worker.process.pid}): ${s.handshakes} handshakes (${s.resumed} resumed), ${s.messages} messages`);
      }
      console.log(`total: ${handshakes} handshakes, ${messages} messages`);
      clearTimeout(force);
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

function worker() {
  const stats = { type: 'stats', handshakes: 0, resumed: 0, messages: 0 };
  let server;
  let id = process.env.MULTICORE_WORKER_ID;
  let stopping = false;

  const stop = () => {
    if (stopping) return;
    stopping = true;
    const done = () => {
      if (process.connected) process.send(stats, () => process.exit(0));
      else process.exit(0);
    };
    if (server) server.close(done);
    else done();
  };

  process.on('message', (m) => {
    if (m?.type === 'shutdown') return stop();
    if (m?.type !== 'config' || server) return;
    id = m.id;
    const socket = dgram.createSocket({ type: m.socketType, reusePort: true });
    server = createServer({
      key: m.key,
      cert: m.cert,
      cookieSecret: Buffer.from(m.cookieSecret, 'base64'),
      ticketKeys: Buffer.from(m.ticketKeys, 'base64'),
      socket,
    });
    server.on('secureConnection', (peer) => {
      stats.handshakes++;
      if (peer.isSessionReused()) stats.resumed++;
      peer.on('message', (msg) => {
        stats.messages++;
        peer.send(msg);
      });
      peer.on('error', () => {});
    });
    let listening = false;
    server.on('error', (err, info) => {
      if (info) return; // one client's failed handshake: the server goes on
      console.error(`worker ${id}: ${err.message}`);
      if (!listening) process.exit(1); // e.g. EADDRINUSE: the port is held without reusePort
    });
    server.bind(m.port, m.host, () => {
      listening = true;
      process.send({ type: 'listening', port: server.address().port });
    });
  });
  // The primary decides when to stop; a signal to the whole group, or losing the primary, stops too.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
}

/**
 * Node before 22.12 / 23.1 ignores `reusePort` without a word: bind two sockets to
 * one port to know. Throws when the host itself cannot be bound.
 */
async function reusePortWorks(type, host) {
  const bind = (s, port) => new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, host, () => {
      s.off('error', reject);
      resolve(s.address().port);
    });
  });
  const a = dgram.createSocket({ type, reusePort: true });
  const b = dgram.createSocket({ type, reusePort: true });
  try {
    const port = await bind(a, 0).catch((err) => fail(`cannot bind udp ${host}: ${err.message}`, 1));
    return await bind(b, port).then(() => true, () => false);
  } finally {
    for (const s of [a, b]) {
      try { s.close(); } catch { /* never bound */ }
    }
  }
}

function fail(message, code) {
  console.error(`multicore: ${message}`);
  process.exit(code);
}
