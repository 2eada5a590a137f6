// DTLS over Bun's own UDP socket (Bun.udpSocket), through puredtls's sans-IO core: no
// node:dgram anywhere. apps.ts has the two programs, an echo server and a one-message client;
// this file gives them Bun's socket.
//
//   bun examples/sans-io/bun-udp.ts server [--port 4433] [--cert-out cert.pem]
//   bun examples/sans-io/bun-udp.ts client --ca cert.pem [--port 4433] [--message hello]
import { type OpenUdp, main } from './apps.ts';

const openUdp: OpenUdp = async (hostname, port, onDatagram) => {
  const socket = await Bun.udpSocket({
    hostname,
    port,
    binaryType: 'uint8array',
    socket: {
      data: (_socket, data, fromPort, fromAddress) => onDatagram(data, fromAddress, fromPort),
      // An ICMP error about an earlier datagram (a client that went away): DTLS's timers deal with it.
      error: () => {},
    },
  });
  return {
    port: socket.port,
    // send() says false when the datagram could not go: lost, as on the wire; DTLS retransmits.
    send: (data, address, toPort) => void socket.send(data, toPort, address),
    close: () => socket.close(),
  };
};

await main({
  name: 'bun-udp.ts',
  args: Bun.argv.slice(2),
  readText: (path) => Bun.file(path).text(),
  writeText: async (path, text) => void (await Bun.write(path, text)),
  onStopSignal: (stop) => {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
  exit: (code) => process.exit(code),
}, openUdp);
