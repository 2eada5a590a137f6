import { readFileSync, writeFileSync } from 'node:fs';
import { illustrate, renderIllustration } from '../illustrate/index.js';
import type { CaptureOptions } from '../illustrate/capture.js';
import { parseArgs } from './args.js';
import { parseHexKey } from './server-command.js';

export const ILLUSTRATE_HELP = `Usage: puredtls illustrate HOST PORT [options]
       puredtls illustrate --self [options]

Runs one handshake (the puredtls client against HOST PORT, or against the
puredtls server on 127.0.0.1 with --self), sends one message, and writes one
self-contained HTML page: every datagram, record and handshake message in
order, each byte range labelled with its field, value, meaning and RFC
section; protected records as sent and decrypted (from the client's key
log); the key schedule; retransmissions and fragments as they happened.

Options:
  --out FILE              the HTML page (default illustrated-dtls.html)
  --json                  print the annotated structure as JSON instead (or as well, with --out)
  --self                  illustrate a handshake with puredtls's own server (self-signed
                          ECDSA certificate, or PSK with --psk)
  --ca FILE               CA certificates to verify the server with (default: not verified)
  --servername NAME       SNI and the name the certificate must match
  --psk-identity ID --psk HEX
                          pre-shared key (offers the PSK suites; the page then shows the pre-master secret)
  --ciphers LIST          OpenSSL cipher list for the client (and the --self server)
  --mtu N                 largest datagram the client sends (small values show fragmentation)
  --message TEXT          the application message sent after the handshake
  --timeout S             give up after S seconds (default 15)
  --crypto node|noble     crypto provider
  --help                  this text`;

const BOOL = new Set(['json', 'self', 'help']);
const VALUED = new Set(['out', 'ca', 'servername', 'psk', 'psk-identity', 'ciphers', 'mtu', 'message', 'timeout', 'crypto']);

export async function runIllustrate(argv: string[]): Promise<number> {
  const args = parseArgs(argv, BOOL, VALUED);
  if (args.flags.has('help')) {
    console.log(ILLUSTRATE_HELP);
    return 0;
  }
  const self = args.flags.has('self');
  const [host, portText] = args.positionals;
  const port = Number(portText);
  if (!self && (!host || !Number.isInteger(port) || port < 1 || port > 65535)) {
    console.error(ILLUSTRATE_HELP);
    return 2;
  }
  const v = args.values;
  const crypto = v.get('crypto');
  if (crypto !== undefined && crypto !== 'node' && crypto !== 'noble') throw new Error('--crypto must be node or noble');
  const opts: CaptureOptions = {
    ...(self ? { self: true } : { host: host!, port }),
    ...(v.has('ca') && { ca: readFileSync(v.get('ca')!) }),
    ...(v.has('servername') && { servername: v.get('servername')! }),
    ...(v.has('psk') && { psk: { identity: v.get('psk-identity') ?? 'Client_identity', key: parseHexKey(v.get('psk')!) } }),
    ...(v.has('ciphers') && { ciphers: v.get('ciphers')! }),
    ...(v.has('mtu') && { mtu: Number(v.get('mtu')) }),
    ...(v.has('message') && { message: v.get('message')! }),
    ...(v.has('timeout') && { timeout: Number(v.get('timeout')) * 1000 }),
    ...(crypto !== undefined && { crypto }),
  };
  const il = await illustrate(opts);
  if (args.flags.has('json')) process.stdout.write(`${JSON.stringify(il, null, 2)}\n`);
  if (!args.flags.has('json') || v.has('out')) {
    const out = v.get('out') ?? 'illustrated-dtls.html';
    writeFileSync(out, renderIllustration(il));
    console.error(`${il.datagrams.length} datagrams, ${il.messages.length} handshake messages (${il.suite ?? 'no suite'}) → ${out}`);
  }
  return il.suite ? 0 : 1;
}
