// The two programs deno-udp.ts and bun-udp.ts run over their runtime's own UDP socket: a DTLS
// echo server and a client that sends one message. They see the socket only through
// `UdpTransport`: everything DTLS is puredtls's sans-IO core, driven by drive.ts.
//
//   PROGRAM server [--host 127.0.0.1] [--port 4433] [--cert-out cert.pem]
//   PROGRAM client --ca cert.pem [--host 127.0.0.1] [--port 4433] [--servername localhost] [--message hello]
//
// The server makes a self-signed certificate (written to --cert-out for clients to trust),
// prints "listening on udp://HOST:PORT" and echoes every message; SIGINT or SIGTERM sends
// close_notify to its clients and ends it ("server closed"). The client prints
// "reply: MESSAGE" and exits 0, or "failed: CODE" and exits 1. --host is an IP address: the
// sans-IO core takes addresses, resolving names is the transport's business.
import { parseArgs } from 'node:util';
import { type DtlsError, SansIoClient, SansIoServer, createSelfSigned } from 'puredtls/sans-io';
import { Driver } from './drive.ts';

/** A bound UDP socket, as the programs use it. */
export interface UdpTransport {
  readonly port: number;
  /** Send one datagram; one that cannot go is lost, as on the wire (DTLS retransmits). */
  send(data: Uint8Array, address: string, port: number): void | Promise<void>;
  close(): void | Promise<void>;
}

/** Bind a UDP socket that hands each datagram it receives to `onDatagram`. */
export type OpenUdp = (hostname: string, port: number, onDatagram: (data: Uint8Array, address: string, port: number) => void) => Promise<UdpTransport>;

/** What else differs between runtimes. */
export interface Runtime {
  readonly name: string;
  readonly args: readonly string[];
  readText(path: string): Promise<string>;
  writeText(path: string, text: string): Promise<void>;
  onStopSignal(stop: () => void): void;
  exit(code: number): void;
}

export async function main(rt: Runtime, openUdp: OpenUdp): Promise<void> {
  const [mode, ...rest] = rt.args;
  const { values: opt } = parseArgs({
    args: rest,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '4433' },
      'cert-out': { type: 'string' },
      ca: { type: 'string' },
      servername: { type: 'string', default: 'localhost' },
      message: { type: 'string', default: 'hello' },
    },
  });
  if (mode === 'server') return echoServer(rt, openUdp, opt.host, Number(opt.port), opt['cert-out']);
  if (mode === 'client' && opt.ca) {
    const code = await oneMessage(openUdp, { address: opt.host, port: Number(opt.port) }, await rt.readText(opt.ca), opt.servername, opt.message);
    return rt.exit(code);
  }
  console.error(`usage: ${rt.name} server [--host H] [--port P] [--cert-out FILE] | client --ca FILE [--host H] [--port P] [--servername N] [--message M]`);
  rt.exit(2);
}

async function echoServer(rt: Runtime, openUdp: OpenUdp, host: string, port: number, certOut: string | undefined): Promise<void> {
  const { keyPem, certPem, fingerprint256 } = createSelfSigned(undefined, { commonName: 'localhost' });
  if (certOut) await rt.writeText(certOut, certPem);
  const server = new SansIoServer({ key: keyPem, cert: certPem });
  const socket = await openUdp(host, port, (data, address, from) => driver.datagram(data, address, from));
  const driver = new Driver(server, (d) => void socket.send(d.data, d.address, d.port), (ev) => {
    if (ev.type === 'secure') console.log(`secure connection from ${ev.session.address}:${ev.session.port} (${ev.session.getCipher()?.name})`);
    if (ev.type === 'data') driver.send(ev.session, ev.data); // echo
    if (ev.type === 'close' && ev.error) console.error(`${ev.session.address}:${ev.session.port} failed: ${ev.error.code}`);
  });
  console.log(`certificate SHA-256 fingerprint ${fingerprint256}`);
  console.log(`listening on udp://${host.includes(':') ? `[${host}]` : host}:${socket.port}`);
  rt.onStopSignal(async () => {
    server.closeAll(Date.now());
    driver.stop();
    for (const d of server.takeDatagrams()) await socket.send(d.data, d.address, d.port); // the close_notify alerts
    await socket.close();
    console.log('server closed');
  });
}

/** Connect, send `message`, print the reply, close. The exit code: 0, or 1 when it failed. */
async function oneMessage(openUdp: OpenUdp, server: { address: string; port: number }, ca: string, servername: string, message: string): Promise<number> {
  const client = new SansIoClient({ ca, servername }, server, Date.now());
  const socket = await openUdp(server.address.includes(':') ? '::' : '0.0.0.0', 0, (data, address, port) => driver.datagram(data, address, port));
  let failure: DtlsError | undefined;
  let resolve = () => {};
  const closed = new Promise<void>((r) => (resolve = r));
  const driver = new Driver(client, (d) => void socket.send(d.data, d.address, d.port), (ev) => {
    if (ev.type === 'secure') driver.send(ev.session, new TextEncoder().encode(message));
    if (ev.type === 'data') {
      console.log(`reply: ${new TextDecoder().decode(ev.data)}`);
      driver.close(ev.session);
    }
    if (ev.type === 'close') {
      failure = ev.error;
      resolve();
    }
  });
  await closed;
  driver.stop();
  await socket.close();
  if (failure) console.error(`failed: ${failure.code}`);
  return failure ? 1 : 0;
}
