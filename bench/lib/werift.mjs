// werift-dtls 0.5.8 adapters. Its package "main" (lib/index.js) does not exist,
// so the DTLS module is loaded by path. A werift DtlsServer/DtlsClient serves one
// peer over a Transport ({type, address, closed, onData, send, close}); the server
// side here demultiplexes one UDP socket by source address:port into one
// DtlsServer per client, as our Server does with its associations.
import dgram from 'node:dgram';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const W = require('werift-dtls/lib/dtls/src/index.js');

function transport(socket, remote) {
  const t = {
    type: 'udp',
    closed: false,
    onData: () => {},
    get address() { return socket.address(); },
    send: (data) => {
      if (!t.closed) socket.send(data, remote.port, remote.address);
      return Promise.resolve();
    },
    close: () => { t.closed = true; return Promise.resolve(); },
  };
  return t;
}

/** Offer only these curves from werift clients in this process (its server picks the client's first). */
export function setWeriftClientCurves(curves) {
  W.NamedCurveAlgorithmList.splice(0, W.NamedCurveAlgorithmList.length, ...curves);
}

/**
 * A werift server on `socket`. `onConnect(server)` per completed handshake.
 * A peer is forgotten when it sends an alert (close_notify), as our server does.
 */
export function weriftServer(socket, { cert, key, signature, echo, onConnect, onError, onMessage, onClose }) {
  const peers = new Map();
  const certPem = cert.toString();
  const keyPem = key.toString();
  socket.on('message', (data, rinfo) => {
    const k = `${rinfo.address}|${rinfo.port}`;
    let p = peers.get(k);
    if (!p) {
      const t = transport(socket, { address: rinfo.address, port: rinfo.port });
      const s = new W.DtlsServer({ transport: t, cert: certPem, key: keyPem, signatureHash: { hash: 4, signature } });
      p = { s, t };
      peers.set(k, p);
      s.onConnect.subscribe(() => onConnect?.(s));
      s.onClose.subscribe(() => {
        onClose?.(s);
        t.closed = true;
        if (peers.get(k) === p) peers.delete(k);
      });
      s.onError.subscribe((e) => onError?.(e));
      s.onData.subscribe((d) => {
        onMessage?.(d);
        if (echo) s.send(d).catch(() => {});
      });
    }
    p.t.onData(data, [rinfo.address, rinfo.port]);
  });
  return { peers };
}

/** A werift client on a fresh udp4 socket; resolves once connected. */
export async function weriftConnect(port, { timeoutMs = 10_000 } = {}) {
  const socket = dgram.createSocket('udp4');
  await new Promise((r) => socket.bind(0, '127.0.0.1', r));
  const t = transport(socket, { address: '127.0.0.1', port });
  socket.on('message', (d, ri) => t.onData(d, [ri.address, ri.port]));
  const c = new W.DtlsClient({ transport: t });
  const errors = [];
  const close = () => {
    t.closed = true;
    try { socket.close(); } catch { /* closed */ }
  };
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`werift handshake timeout${errors.length ? ` (errors: ${errors.join('; ')})` : ''}`)), timeoutMs);
      c.onConnect.once(() => { clearTimeout(timer); resolve(); });
      // Not fatal: under load werift's client retransmits its ClientHello, gets a second
      // HelloVerifyRequest and throws from Flight3 ("if (this.dtls.flight === 3) throw"),
      // yet its handshake goes on. Only the timeout fails the connection.
      c.onError.subscribe((e) => { errors.push(String(e?.message ?? e)); });
      c.connect().catch((e) => { clearTimeout(timer); reject(e); });
    });
  } catch (e) {
    close();
    throw e;
  }
  return { client: c, socket, close, errors };
}
