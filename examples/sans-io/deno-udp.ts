// DTLS over Deno's own UDP socket (Deno.listenDatagram), through puredtls's sans-IO core: no
// node:dgram anywhere. apps.ts has the two programs, an echo server and a one-message client;
// this file gives them Deno's socket.
//
//   deno run --unstable-net -A examples/sans-io/deno-udp.ts server [--port 4433] [--cert-out cert.pem]
//   deno run --unstable-net -A examples/sans-io/deno-udp.ts client --ca cert.pem [--port 4433] [--message hello]
//
// Deno.listenDatagram still needs --unstable-net (Deno 2).
import { type OpenUdp, main } from './apps.ts';

const openUdp: OpenUdp = async (hostname, port, onDatagram) => {
  const conn = Deno.listenDatagram({ transport: 'udp', hostname, port });
  const receiving = (async () => {
    try {
      for await (const [data, from] of conn) {
        const { hostname: address, port: fromPort } = from as Deno.NetAddr;
        onDatagram(data, address, fromPort);
      }
    } catch {
      // The socket was closed.
    }
  })();
  return {
    port: (conn.addr as Deno.NetAddr).port,
    // A datagram that cannot go (an ICMP error, a closed socket) is lost: DTLS retransmits.
    send: (data, address, port) => conn.send(data, { transport: 'udp', hostname: address, port }).then(() => {}, () => {}),
    close: async () => {
      conn.close();
      await receiving;
    },
  };
};

await main({
  name: 'deno-udp.ts',
  args: Deno.args,
  readText: (path) => Deno.readTextFile(path),
  writeText: (path, text) => Deno.writeTextFile(path, text),
  onStopSignal: (stop) => {
    Deno.addSignalListener('SIGINT', stop);
    Deno.addSignalListener('SIGTERM', stop);
  },
  exit: (code) => Deno.exit(code),
}, openUdp);
