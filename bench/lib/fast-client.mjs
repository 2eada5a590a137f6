// A cheap puredtls client for load generation: the sans-IO client
// (Connection + ClientHandshake for DTLS 1.2, Connection13 + Client13Handshake
// for 1.3: the code connect() runs) with the client options resolved once and
// the server chain check cached by the leaf's bytes (the server presents the
// same certificate every time). The server sees the same datagrams as from
// connect(); only the client's own CPU is saved, so one client process can
// keep a server busy.
import dgram from 'node:dgram';
import { clientOptions, SUITES } from './config.mjs';

export function clientFactory(lib, pki, suite, extra = {}) {
  const r = lib.resolveClientConfig(clientOptions(pki, suite, extra));
  const base = lib.clientHandshakeConfig(r, 'localhost', 'localhost');
  let cached;
  const { pskModes } = SUITES[suite];
  const cfg = {
    ...base,
    ...(pskModes && { pskModes }),
    checkServerChain: (chain) => {
      const leaf = chain[0];
      if (cached && leaf && Buffer.compare(cached.leaf, leaf) === 0) return cached.result;
      const result = base.checkServerChain(chain);
      if (result.ok && leaf) cached = { leaf: Uint8Array.from(leaf), result };
      return result;
    },
  };
  // As the client endpoint chooses: 1.3 when it offers 1.3 suites (minVersion DTLSv1.3 here: no fallback to 1.2).
  if (cfg.suites13.length > 0) {
    return (now) => {
      const conn = new lib.Connection13('client', r.settings, now);
      conn.attach(new lib.Client13Handshake(conn, cfg));
      return conn;
    };
  }
  return (now) => {
    const conn = new lib.Connection('client', r.settings, now);
    conn.attach(new lib.ClientHandshake(conn, cfg));
    return conn;
  };
}

/** One handshake over UDP from a fresh socket, then close_notify. Resolves true when established. */
export function udpHandshake(newClient, port, { timeoutMs = 30_000 } = {}) {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    let conn;
    let timer;
    let done = false;
    const finish = (ok, error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(guard);
      // dgram sends after a tick: close once the last datagram left.
      setImmediate(() => { try { socket.close(); } catch { /* closed */ } });
      resolve({ ok, error });
    };
    const guard = setTimeout(() => finish(false, 'timeout'), timeoutMs);
    const pump = () => {
      for (const d of conn.takeTransmits()) socket.send(d, port, '127.0.0.1');
      for (const ev of conn.takeEvents()) {
        if (ev.type === 'secure') {
          conn.close(Date.now());
          for (const d of conn.takeTransmits()) socket.send(d, port, '127.0.0.1');
          return finish(true);
        }
        if (ev.type === 'close') return finish(false, ev.error?.message ?? 'closed');
      }
      if (conn.isClosed) return finish(false, conn.closeError?.message ?? 'closed');
      clearTimeout(timer);
      const t = conn.nextTimeout();
      if (t !== undefined) timer = setTimeout(() => { conn.handleTimeout(Date.now()); pump(); }, Math.max(0, t - Date.now()));
    };
    socket.on('message', (d) => { if (!done) { conn.receive(d, Date.now()); pump(); } });
    socket.on('error', (e) => finish(false, e.message));
    socket.bind(0, '127.0.0.1', () => {
      conn = newClient(Date.now());
      pump();
    });
  });
}
