import { readFileSync } from 'node:fs';
import { loadStateFile, resolveStateArgs, saveStateFile } from './state-file.js';
import { isIPv6 } from 'node:net';
import * as dgram from 'node:dgram';
import { createServer } from '../server.js';
import { createSelfSigned } from '../x509/selfsigned.js';
import { type ServerOptions, resolveCa, resolveCiphers, resolveProvider, resolveSettings } from '../options.js';
import { applyVersionArgs, parseArgs } from './args.js';
import { keylogWriter } from './keylog.js';
import { startTrace } from './trace.js';

export const SERVER_HELP = `Usage: puredtls server [options]

An echo server: every message a client sends is sent back to it.

Options:
  --host HOST             address to bind (default :: — all IPv6 and IPv4 addresses)
  --port PORT             UDP port (default 4433; 0 picks a free one)
  --cert FILE --key FILE  certificate chain (leaf first) and private key, PEM
                          (PKCS#8, SEC1 "EC PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY");
                          without them a self-signed ECDSA P-256 certificate is made
  --ca FILE               CA certificates trusted for client certificates
  --crl FILE              CRLs (PEM, one or more, or DER) to check client certificates against
  --request-cert          ask clients for a certificate
  --reject-unauthorized   refuse clients whose certificate does not verify
  --psk-identity ID --psk HEX
                          accept this pre-shared key (PSK suites); without --cert
                          the server is PSK-only. For DTLS 1.3 the identity may also
                          carry its suite's hash name (IDSHA256, IDSHA384), as
                          wolfSSL's per-suite PSK clients name a key
  --psk-hint TEXT         PSK identity hint to send
  --ciphers LIST          OpenSSL cipher list (DTLS 1.2) and/or DTLS 1.3 suites (TLS_AES_128_GCM_SHA256 ...), e.g. ECDHE-ECDSA-AES128-GCM-SHA256:HIGH
  --min-version 1.2|1.3   lowest protocol version accepted (default 1.2)
  --max-version 1.2|1.3   highest protocol version offered or accepted (default 1.3)
  --mtu N                 largest datagram sent (default 1452)
  --connection-id N       use N-byte Connection IDs (RFC 9146, RFC 9147 §9) with clients
                          that offer them (default: none)
  --crypto node|noble     crypto provider (default node:crypto when present)
  --trace                 print a ladder of every record, flight, retransmission, alert and drop
  --keylog FILE           append NSS key-log lines (for Wireshark) to FILE; SSLKEYLOGFILE is honoured too
  --state-file FILE       restarts that keep connections: on SIGTERM save the established
                          associations to FILE (encrypted, authenticated) instead of
                          closing them; on start, continue the ones FILE holds without
                          a handshake (FILE is consumed: renamed, read, deleted)
  --state-key FILE        the key for --state-file: a file of 32+ bytes (or 64+ hex
                          digits); or the environment variable PUREDTLS_STATE_KEY (hex)
  --state-max-age MS      refuse a state file older than this (default 300000, 5 minutes)
  --quiet                 print only the listening line and errors
  --help                  this text

Once bound it prints "listening on udp://HOST:PORT". SIGINT closes every
association (close_notify); SIGTERM does too, unless --state-file saves them.`;

const BOOL = new Set(['request-cert', 'reject-unauthorized', 'quiet', 'help', 'trace']);
const VALUED = new Set(['host', 'port', 'cert', 'key', 'ca', 'crl', 'ciphers', 'min-version', 'max-version', 'mtu', 'crypto', 'psk', 'psk-identity', 'psk-hint', 'keylog', 'state-file', 'state-key', 'state-max-age', 'connection-id']);

export async function runServer(argv: string[]): Promise<number> {
  const args = parseArgs(argv, BOOL, VALUED);
  if (args.flags.has('help')) {
    console.log(SERVER_HELP);
    return 0;
  }
  const v = args.values;
  const host = v.get('host') ?? '::';
  const port = Number(v.get('port') ?? 4433);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port ${v.get('port')}`);
  const quiet = args.flags.has('quiet');
  const log = (s: string) => {
    if (!quiet) console.log(s);
  };
  const opts: ServerOptions = {};
  const crypto = v.get('crypto');
  if (crypto !== undefined) {
    if (crypto !== 'node' && crypto !== 'noble') throw new Error('--crypto must be node or noble');
    opts.crypto = crypto;
  }
  if (v.has('cert') !== v.has('key')) throw new Error('--cert and --key go together');
  if (v.has('psk')) {
    const key = parseHexKey(v.get('psk')!);
    const id = v.get('psk-identity') ?? 'Client_identity';
    // wolfSSL's TLS 1.3 PSK callback convention (psk_client_cs_callback) appends the suite's hash name.
    const names = new Set([id, `${id}SHA256`, `${id}SHA384`]);
    opts.pskCallback = (identity) => (names.has(identity) ? key : null);
    if (v.has('psk-hint')) opts.pskIdentityHint = v.get('psk-hint')!;
  }
  // Check every value before any slow work (a certificate to make) and before binding.
  if (v.has('ca')) opts.ca = readFileSync(v.get('ca')!);
  if (v.has('crl')) opts.crl = readFileSync(v.get('crl')!);
  if (args.flags.has('request-cert')) opts.requestCert = true;
  if (args.flags.has('reject-unauthorized')) opts.rejectUnauthorized = true;
  if (v.has('ciphers')) opts.ciphers = v.get('ciphers')!;
  applyVersionArgs(v, opts);
  if (v.has('mtu')) opts.mtu = Number(v.get('mtu'));
  if (v.has('connection-id')) opts.connectionId = Number(v.get('connection-id'));
  if (v.has('cert')) {
    opts.cert = readFileSync(v.get('cert')!);
    opts.key = readFileSync(v.get('key')!);
  }
  const state = resolveStateArgs(v);
  resolveSettings(resolveProvider(opts.crypto), opts);
  resolveCiphers(opts.ciphers);
  if (opts.ca !== undefined) resolveCa(opts.ca);

  // Bind first: a port in use is reported once, before a certificate is made.
  const family = isIPv6(host) || host === '::' ? 'udp6' : 'udp4';
  const socket = dgram.createSocket({ type: family });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  opts.socket = socket;

  if (!v.has('cert') && !v.has('psk')) {
    const { certPem, keyPem, fingerprint256 } = createSelfSigned(undefined, { commonName: 'localhost' });
    opts.cert = Buffer.from(certPem);
    opts.key = Buffer.from(keyPem);
    log(`self-signed ECDSA P-256 certificate, SHA-256 fingerprint ${fingerprint256}`);
  }

  if (args.flags.has('trace')) startTrace((line) => console.log(line));
  let server;
  try {
    server = createServer(opts);
  } catch (err) {
    socket.close();
    throw err;
  }

  const keylog = keylogWriter(v.get('keylog'));
  if (keylog) server.on('keylog', (line) => keylog(line));
  server.on('connection', (info) => log(`handshake from ${fmt(info.address, info.port)}`));
  server.on('error', (err, info) => {
    console.error(`error${info ? ` from ${fmt(info.address, info.port)}` : ''}: ${err.message}`);
  });
  server.on('secureConnection', (peer) => {
    const { address, port } = peer.address();
    log(`${peer.restored ? 'restored' : 'secure'} connection from ${fmt(address, port)} ${peer.getProtocol()} ${peer.getCipher()?.name}`);
    peer.on('message', (msg) => {
      try {
        peer.send(msg);
      } catch {
        // peer closed in between
      }
    });
    peer.on('close', () => log(`closed ${fmt(address, port)}`));
  });
  if (state) {
    // With the listeners on: each restored peer is a secureConnection, echoed like the others.
    const loaded = loadStateFile(server, state);
    if (loaded.error) console.error(`state file ${state.file} refused (${loaded.error.code}): ${loaded.error.message}; its clients will handshake again`);
    else if (loaded.count !== undefined) log(`restored ${loaded.count} associations from ${state.file}`);
  }
  const addr = server.address();
  console.log(`listening on udp://${fmt(addr.address, addr.port)}`);
  if (!v.has('cert') && !v.has('psk') && !quiet) {
    console.log(`try: openssl s_client -dtls1_2 -connect ${fmt(host === '::' ? '127.0.0.1' : addr.address, addr.port)}`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => server.close(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', () => {
      if (state) {
        try {
          log(`saved ${saveStateFile(server, state)} associations to ${state.file}`);
        } catch (err) {
          console.error(`could not save to ${state.file}: ${(err as Error).message}`);
        }
      }
      stop();
    });
  });
  return 0;
}

export function parseHexKey(hex: string): Buffer {
  if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new Error('--psk takes the key in hex');
  return Buffer.from(hex, 'hex');
}

function fmt(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
