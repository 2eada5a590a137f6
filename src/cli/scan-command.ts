import { readFileSync, writeFileSync } from 'node:fs';
import { scan, SCAN_DEFAULTS, type ScanOptions } from '../scan/scan.js';
import { renderText } from '../scan/render-text.js';
import { renderHtml } from '../scan/render-html.js';
import { parseArgs } from './args.js';
import { parseHexKey } from './server-command.js';

export const SCAN_HELP = `Usage: puredtls scan HOST PORT [options]

Probes a DTLS server (any implementation) and reports what it supports and how
it behaves: versions, cipher suites (one ClientHello per suite, 265 suites),
groups, signature schemes, the certificate chain, extensions, resumption,
renegotiation, the cookie exchange and amplification, retransmission timers,
fragmentation, state-machine probes, and findings with a severity. It talks
only to HOST:PORT, within a datagram budget, a rate and a time limit.

Options:
  --json                 print the report as JSON (schema: docs/scan.schema.json)
  --html FILE            also write the report as a self-contained HTML page
  --servername NAME      SNI name (default HOST when it is a name)
  --ca FILE              CA certificates to verify the server's chain against
  --psk-identity ID --psk HEX
                         a pre-shared key, for servers that take only PSK suites
  --alpn LIST            ALPN names to offer, comma-separated (default ${SCAN_DEFAULTS.alpn.join(',')})
  --same-port            send every probe from one UDP port (for servers that talk
                         only to their first client's port, e.g. openssl s_server -listen)
  --max-datagrams N      at most N datagrams (default ${SCAN_DEFAULTS.maxDatagrams})
  --rate N               at most N datagrams a second (default ${SCAN_DEFAULTS.rate})
  --max-time S           stop after S seconds (default ${SCAN_DEFAULTS.maxTime / 1000})
  --timeout MS           wait MS for an answer (default ${SCAN_DEFAULTS.replyTimeout})
  --timer-window S       stay silent S seconds to time retransmissions (default ${SCAN_DEFAULTS.timerWindow / 1000})
  --crypto node|noble    crypto provider
  --verbose              progress on stderr
  --help                 this text

Exit status: 0 the scan ran (whatever it found); 1 it could not run; 2 usage.`;

const BOOL = new Set(['json', 'same-port', 'verbose', 'help']);
const VALUED = new Set(['html', 'servername', 'ca', 'psk', 'psk-identity', 'alpn', 'max-datagrams', 'rate', 'max-time', 'timeout', 'timer-window', 'crypto']);

function num(name: string, v: string | undefined, scale = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n * scale;
}

export async function runScan(argv: string[]): Promise<number> {
  const args = parseArgs(argv, BOOL, VALUED);
  if (args.flags.has('help')) {
    console.log(SCAN_HELP);
    return 0;
  }
  const [host, portText] = args.positionals;
  const port = Number(portText);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(SCAN_HELP);
    return 2;
  }
  const v = args.values;
  const crypto = v.get('crypto');
  if (crypto !== undefined && crypto !== 'node' && crypto !== 'noble') throw new Error('--crypto must be node or noble');
  const opts: ScanOptions = {
    host, port,
    ...(v.has('servername') && { servername: v.get('servername')! }),
    ...(v.has('ca') && { ca: readFileSync(v.get('ca')!) }),
    ...(v.has('psk') && { psk: { identity: v.get('psk-identity') ?? 'Client_identity', key: parseHexKey(v.get('psk')!) } }),
    ...(v.has('alpn') && { alpn: v.get('alpn')!.split(',').filter((x) => x.length > 0) }),
    ...(args.flags.has('same-port') && { samePort: true }),
    ...(v.has('max-datagrams') && { maxDatagrams: num('max-datagrams', v.get('max-datagrams'))! }),
    ...(v.has('rate') && { rate: num('rate', v.get('rate'))! }),
    ...(v.has('max-time') && { maxTime: num('max-time', v.get('max-time'), 1000)! }),
    ...(v.has('timeout') && { replyTimeout: num('timeout', v.get('timeout'))! }),
    ...(v.has('timer-window') && { timerWindow: num('timer-window', v.get('timer-window'), 1000)! }),
    ...(crypto !== undefined && { crypto }),
    ...(args.flags.has('verbose') && { log: (line: string) => console.error(line) }),
  };
  const report = await scan(opts);
  if (v.has('html')) writeFileSync(v.get('html')!, renderHtml(report));
  process.stdout.write(args.flags.has('json') ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
  return 0;
}
