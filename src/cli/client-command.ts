import { readFileSync } from 'node:fs';
import { connect, type ConnectOptions } from '../client.js';
import { applyVersionArgs, parseArgs } from './args.js';
import { keylogWriter } from './keylog.js';
import { startTrace } from './trace.js';
import { parseHexKey } from './server-command.js';

export const CLIENT_HELP = `Usage: puredtls client HOST PORT [options]

Handshakes, sends --message, prints the reply and exits 0 once it arrived.
Without --message, sends each line of standard input and prints replies.

Options:
  --message TEXT          the message to send
  --ca FILE               CA certificates to verify the server against (default: Node's root CAs)
  --crl FILE              CRLs (PEM, one or more, or DER) to check the server's chain against
  --servername NAME       SNI and the name the certificate must match (default HOST)
  --cert FILE --key FILE  client certificate chain and key, PEM
  --psk-identity ID --psk HEX
                          pre-shared key (offers the PSK suites)
  --ciphers LIST          OpenSSL cipher list (DTLS 1.2) and/or DTLS 1.3 suites (TLS_AES_128_GCM_SHA256 ...)
  --min-version 1.2|1.3   lowest protocol version accepted (default 1.2)
  --max-version 1.2|1.3   highest protocol version offered or accepted (default 1.3)
  --mtu N                 largest datagram sent (default 1452)
  --insecure              do not verify the server's certificate
  --timeout S             give up after S seconds (default 30)
  --trace                 print a ladder of every record, flight, retransmission, alert and drop (stderr)
  --keylog FILE           append NSS key-log lines (for Wireshark) to FILE; SSLKEYLOGFILE is honoured too
  --crypto node|noble     crypto provider
  --help                  this text

Exit status: 0 reply received; 1 handshake or verification failed; 3 timed out.`;

const BOOL = new Set(['insecure', 'help', 'trace']);
const VALUED = new Set(['message', 'ca', 'crl', 'servername', 'cert', 'key', 'ciphers', 'min-version', 'max-version', 'mtu', 'timeout', 'crypto', 'psk', 'psk-identity', 'keylog']);

export async function runClient(argv: string[]): Promise<number> {
  const args = parseArgs(argv, BOOL, VALUED);
  if (args.flags.has('help')) {
    console.log(CLIENT_HELP);
    return 0;
  }
  const [host, portText] = args.positionals;
  if (!host || !portText) {
    console.error(CLIENT_HELP);
    return 2;
  }
  const v = args.values;
  const timeout = Number(v.get('timeout') ?? 30) * 1000;
  const opts: ConnectOptions = { host, port: Number(portText), handshakeTimeout: Math.max(1, Math.min(timeout, 2 ** 31 - 1)) };
  if (v.has('ca')) opts.ca = readFileSync(v.get('ca')!);
  if (v.has('crl')) opts.crl = readFileSync(v.get('crl')!);
  if (v.has('servername')) opts.servername = v.get('servername')!;
  if (v.has('cert') !== v.has('key')) throw new Error('--cert and --key go together');
  if (v.has('cert')) {
    opts.cert = readFileSync(v.get('cert')!);
    opts.key = readFileSync(v.get('key')!);
  }
  if (v.has('psk')) opts.psk = { identity: v.get('psk-identity') ?? 'Client_identity', key: parseHexKey(v.get('psk')!) };
  if (v.has('ciphers')) opts.ciphers = v.get('ciphers')!;
  applyVersionArgs(v, opts);
  if (v.has('mtu')) opts.mtu = Number(v.get('mtu'));
  if (args.flags.has('insecure')) opts.rejectUnauthorized = false;
  const crypto = v.get('crypto');
  if (crypto === 'node' || crypto === 'noble') opts.crypto = crypto;

  const message = v.get('message');
  if (args.flags.has('trace')) startTrace((line) => console.error(line));
  const keylog = keylogWriter(v.get('keylog'));
  return new Promise<number>((resolve) => {
    const c = connect(opts);
    if (keylog) c.on('keylog', (line) => keylog(line));
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      c.removeAllListeners('close');
      try {
        c.end();
      } catch {
        // closed
      }
      resolve(code);
    };
    const timer = setTimeout(() => {
      console.error(c.established ? 'timed out waiting for a reply' : 'handshake timed out');
      finish(3);
    }, timeout);
    c.on('error', (err) => {
      console.error(`error: ${err.message}${err.alert ? ` (alert ${err.alert})` : ''}`);
      finish(1);
    });
    c.on('close', () => finish(done ? 0 : 1));
    c.on('secureConnect', () => {
      console.error(`connected to ${host}:${portText} ${c.getProtocol()} ${c.getCipher()?.name}${c.authorized ? '' : ' (certificate not verified)'}`);
      if (message !== undefined) {
        c.send(message);
      } else {
        process.stdin.setEncoding('utf8');
        process.stdin.on('data', (chunk: string) => {
          for (const line of chunk.split('\n')) if (line) c.send(line);
        });
        process.stdin.on('end', () => finish(0));
      }
    });
    c.on('message', (m) => {
      process.stdout.write(m.toString() + (message !== undefined ? '\n' : ''));
      if (message !== undefined) finish(0);
    });
  });
}
