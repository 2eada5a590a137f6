#!/usr/bin/env node
import { tuneJitForServer } from './jit.js';
import { VERSION } from '../version.js';

const USAGE = `puredtls — DTLS 1.2 and 1.3 in pure TypeScript

Usage:
  puredtls server [--host HOST] [--port PORT] [--cert FILE --key FILE] [--ca FILE] [--crl FILE]
                  [--request-cert] [--reject-unauthorized] [--ciphers LIST] [--mtu N]
                  [--min-version 1.2|1.3] [--max-version 1.2|1.3]
                  [--psk-identity ID --psk HEX] [--psk-hint TEXT] [--crypto node|noble]
                  [--connection-id N] [--state-file FILE [--state-key FILE] [--state-max-age MS]]
                  [--trace] [--keylog FILE] [--quiet]
  puredtls client HOST PORT [--message TEXT] [--ca FILE] [--crl FILE] [--servername NAME]
                  [--cert FILE --key FILE] [--psk-identity ID --psk HEX] [--ciphers LIST]
                  [--mtu N] [--insecure] [--timeout S] [--crypto node|noble] [--trace] [--keylog FILE]
                  [--min-version 1.2|1.3] [--max-version 1.2|1.3]
  puredtls proxy --listen HOST:PORT --target HOST:PORT [--seed N] [--drop P] [--dup P]
                  [--delay MIN-MAX] [--reorder P] [--reorder-delay MS] [--mtu N [--truncate]]
                  [--pack MS] [--bitflip P] [--inject P] [--verbose]
  puredtls scan HOST PORT [--json] [--html FILE] [--ca FILE] [--servername NAME]
                  [--psk-identity ID --psk HEX] [--alpn LIST] [--same-port]
                  [--max-datagrams N] [--rate N] [--max-time S] [--timeout MS] [--timer-window S]
  puredtls illustrate (HOST PORT | --self) [--out FILE] [--json] [--ca FILE] [--servername NAME]
                  [--psk-identity ID --psk HEX] [--ciphers LIST] [--mtu N] [--message TEXT]
  puredtls --help | --version

Run "puredtls <command> --help" for details.`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'server') {
    tuneJitForServer();
    return (await import('./server-command.js')).runServer(rest);
  }
  if (cmd === 'client') return (await import('./client-command.js')).runClient(rest);
  if (cmd === 'proxy') return (await import('./proxy-command.js')).runProxy(rest);
  if (cmd === 'scan') return (await import('./scan-command.js')).runScan(rest);
  if (cmd === 'illustrate') return (await import('./illustrate-command.js')).runIllustrate(rest);
  if (cmd === '--version' || cmd === '-v') {
    console.log(VERSION);
    return 0;
  }
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(USAGE);
    return cmd === undefined ? 2 : 0;
  }
  console.error(`puredtls: unknown command ${cmd}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`puredtls: ${(err as Error)?.message ?? err}`);
    process.exitCode = 1;
  },
);
