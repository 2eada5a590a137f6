#!/usr/bin/env node
// One DTLS echo server per core, all on one UDP port (SO_REUSEPORT): see docs/scaling.md.
//
//   npm run build                      # the example imports 'puredtls' (this package's dist/)
//   node examples/multicore.mjs [--host 127.0.0.1] [--port 4433] [--workers N] [--cert FILE --key FILE | --self-signed]
//                               [--state-dir DIR --state-key FILE]
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
// Restarts that keep connections (docs/scaling.md, "Restarts"): with --state-dir, SIGTERM
// makes every worker save its established associations (encrypted under --state-key, a
// file of 32+ bytes or 64+ hex digits, or PUREDTLS_STATE_KEY in hex) to DIR/slot-K.bin
// instead of closing them, K being the worker's place in the kernel's SO_REUSEPORT group;
// the next start with the same DIR and --workers binds the workers one at a time in that
// order, so each client's datagrams reach the worker that loaded its association, and
// prints `restored: N associations`. With another --workers count the saved associations
// are dropped (the kernel would send their clients elsewhere): they handshake again.
//
// Needs a Node whose dgram has `reusePort` (22.12+, 23.1+) on Linux (or another
// platform with SO_REUSEPORT): elsewhere it says so and exits with status 2.
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isIPv6 } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createSelfSigned, createServer } from 'puredtls';

const USAGE = 'usage: node examples/multicore.mjs [--host 127.0.0.1] [--port 4433] [--workers N] [--cert FILE --key FILE | --self-signed] [--state-dir DIR --state-key FILE]';
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
        'state-dir': { type: 'string' },
        'state-key': { type: 'string' },
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
  const stateDir = args['state-dir'];
  let stateKey;
  if (stateDir !== undefined) {
    const raw = args['state-key'] !== undefined ? readFileSync(args['state-key']) : process.env.PUREDTLS_STATE_KEY !== undefined ? Buffer.from(process.env.PUREDTLS_STATE_KEY) : undefined;
    if (raw === undefined) fail(`--state-dir needs --state-key FILE or PUREDTLS_STATE_KEY\n${USAGE}`, 64);
    const text = raw.toString('latin1').trim();
    stateKey = /^([0-9a-fA-F]{2}){32,}$/.test(text) ? Buffer.from(text, 'hex') : raw;
    if (stateKey.length < 32) fail('the state key must be at least 32 bytes', 64);
  }
  const slotFile = (k) => join(stateDir, `slot-${k}.bin`);
  // The saved slots, if the last run saved as many workers as this one starts (else the kernel's mapping differs).
  let savedSlots = 0;
  if (stateDir !== undefined && existsSync(join(stateDir, 'manifest.json'))) {
    const manifest = JSON.parse(readFileSync(join(stateDir, 'manifest.json'), 'utf8'));
    rmSync(join(stateDir, 'manifest.json'));
    if (manifest.workers === count) savedSlots = count;
    else {
      console.error(`state: saved by ${manifest.workers} workers, starting ${count}: its clients will handshake again`);
      for (let k = 0; k < manifest.workers; k++) rmSync(slotFile(k), { force: true });
    }
  }

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
    ...(stateKey && { stateKey: stateKey.toString('base64') }),
  };
  // The workers in the order of the kernel's SO_REUSEPORT group (Linux: a socket joins at the
  // end; one that leaves is replaced by the last), which picks a client's worker by
  // hash(4-tuple) mod size: a worker's associations are saved under its place, slot-K.
  const slots = [];

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
        slots.push(id);
        resolve(m.port);
      } else if (m?.type === 'stats') {
        entry.stats = m;
      } else if (m?.type === 'restored') {
        entry.restored = m.count;
      }
    });
    w.on('exit', (code, signal) => {
      const at = slots.indexOf(id);
      if (at >= 0 && workers.get(id) === entry) {
        slots[at] = slots[slots.length - 1];
        slots.pop();
      }
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
    // A worker of the first start, slot K, continues what slot-K.bin holds.
    const restore = id <= savedSlots ? { stateFile: slotFile(id - 1) } : {};
    w.send({ type: 'config', id, port: boundPort, ...shared, ...restore });
  });

  try {
    // The first worker binds (port 0: a free one), the others join on its port: at once, or
    // one at a time when the group's order matters (restoring, or saving later).
    boundPort = await start(1);
    if (stateDir !== undefined) for (let i = 2; i <= count; i++) await start(i);
    else await Promise.all(Array.from({ length: count - 1 }, (_, i) => start(i + 2)));
  } catch (err) {
    shuttingDown = true;
    for (const { worker: w } of workers.values()) w.process.kill();
    fail(err.message, 1);
  }
  const pids = [...workers.values()].map((e) => e.worker.process.pid).join(', ');
  if (savedSlots > 0) {
    const restored = [...workers.values()].reduce((n, e) => n + (e.restored ?? 0), 0);
    console.log(`restored: ${restored} associations`);
  }
  console.log(`ready: ${count} workers listening on udp://${type === 'udp6' ? `[${host}]` : host}:${boundPort} (pids ${pids})`);

  const shutdown = (signal) => {
    if (shuttingDown) return;
    shuttingDown = true;
    console.log(`${signal}: closing ${workers.size} workers`);
    // SIGTERM with --state-dir: each worker saves under its slot, then closes what is left.
    const save = signal === 'SIGTERM' && stateDir !== undefined;
    const order = [...slots];
    const exits = [...workers].map(([id, { worker: w }]) => new Promise((resolve) => {
      if (w.isDead()) return resolve();
      w.once('exit', resolve);
      w.send({ type: 'shutdown', ...(save && { stateFile: slotFile(order.indexOf(id)) }) });
    }));
    if (save) void Promise.all(exits).then(() => writeFileSync(join(stateDir, 'manifest.json'), JSON.stringify({ workers: order.length })));
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
        const s = e.stats ?? { handshakes: 0, resumed: 0, messages: 0, saved: 0 };
        handshakes += s.handshakes;
        messages += s.messages;
        console.log(`worker ${id} (pid ${e.worker.process.pid}): ${s.handshakes} handshakes (${s.resumed} resumed), ${s.messages} messages${s.saved ? `, ${s.saved} associations saved` : ''}`);
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
  const stats = { type: 'stats', handshakes: 0, resumed: 0, messages: 0, saved: 0 };
  let server;
  let id = process.env.MULTICORE_WORKER_ID;
  let stopping = false;

  let stateKey;
  const stop = (stateFile) => {
    if (stopping) return;
    stopping = true;
    if (server && stateFile !== undefined) {
      // Written whole, then renamed into place (readable by this user only).
      const before = server.connections;
      writeFileSync(`${stateFile}.tmp`, server.saveAssociations(stateKey), { mode: 0o600 });
      renameSync(`${stateFile}.tmp`, stateFile);
      stats.saved = before - server.connections;
    }
    const done = () => {
      if (process.connected) process.send(stats, () => process.exit(0));
      else process.exit(0);
    };
    if (server) server.close(done);
    else done();
  };

  process.on('message', (m) => {
    if (m?.type === 'shutdown') return stop(m.stateFile);
    if (m?.type !== 'config' || server) return;
    id = m.id;
    if (m.stateKey) stateKey = Buffer.from(m.stateKey, 'base64');
    // Its slot's saved associations, consumed (renamed first: loaded once), refused ones dropped.
    let associations;
    if (m.stateFile !== undefined && existsSync(m.stateFile)) {
      const taken = `${m.stateFile}.loading`;
      renameSync(m.stateFile, taken);
      associations = { blob: readFileSync(taken), key: stateKey };
      rmSync(taken);
    }
    const socket = dgram.createSocket({ type: m.socketType, reusePort: true });
    const options = {
      key: m.key,
      cert: m.cert,
      cookieSecret: Buffer.from(m.cookieSecret, 'base64'),
      ticketKeys: Buffer.from(m.ticketKeys, 'base64'),
      socket,
    };
    try {
      server = createServer({ ...options, ...(associations && { associations }) });
    } catch (err) {
      if (!associations) throw err;
      console.error(`worker ${id}: saved associations refused (${err.code}): ${err.message}`);
      server = createServer(options);
    }
    let restored = 0;
    server.on('secureConnection', (peer) => {
      if (peer.restored) restored++;
      else stats.handshakes++;
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
      // The restored peers were announced on the tick after createServer, before this callback.
      process.send({ type: 'restored', count: restored });
      process.send({ type: 'listening', port: server.address().port });
    });
  });
  // The primary decides when to stop; a signal to the whole group, or losing the primary, stops too.
  // With --state-dir the primary decides (it tells each worker where to save): a signal to the whole group does not close first.
  process.on('SIGTERM', () => {
    if (stateKey === undefined) stop();
  });
  process.on('SIGINT', () => stop());
  process.on('disconnect', () => stop());
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
