// The flooder: sends one recorded cookieless ClientHello, as fast as one
// process can, from `sockets` UDP sockets (distinct source ports) connected to
// the server, and counts the HelloVerifyRequests that come back.
import dgram from 'node:dgram';
import { serveWorker } from './proc.mjs';

const state = { running: false, sent: 0, received: 0, sendErrors: 0 };
let socks = [];

serveWorker({
  async start({ port, helloB64, sockets = 64, burst = 64 }) {
    const hello = Buffer.from(helloB64, 'base64');
    socks = await Promise.all(Array.from({ length: sockets }, () => new Promise((resolve) => {
      const s = dgram.createSocket('udp4');
      s.on('message', () => { state.received++; });
      s.on('error', () => { state.sendErrors++; });
      s.bind(0, '127.0.0.1', () => s.connect(port, '127.0.0.1', () => resolve(s)));
    })));
    state.running = true;
    let j = 0;
    const cb = (err) => { if (err) state.sendErrors++; };
    const loop = () => {
      if (!state.running) return;
      for (let k = 0; k < burst; k++) {
        socks[j++ % socks.length].send(hello, cb);
        state.sent++;
      }
      setImmediate(loop);
    };
    loop();
    return { sockets: socks.length, helloBytes: hello.length };
  },
  snap() {
    return { ...state, t: performance.now() };
  },
  stop() {
    state.running = false;
    for (const s of socks) try { s.close(); } catch { /* closed */ }
    return { ...state };
  },
});
