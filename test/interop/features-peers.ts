/**
 * Peer runners for the feature interop tests (features.test.ts), on top of
 * peers.ts: an `openssl s_client` in its verbose mode (it prints the keying
 * material exporter, ALPN and SRTP results only without `-brief`), and
 * `gnutls-cli` / `gnutls-serv` with raw public keys (RFC 7250).
 */
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Exit, MESSAGE_PREFIX, PeerProcess, freeUdpPort, pki, pkiPath } from './peers.js';

export function featuresTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `puredtls-features-${prefix}-`));
}

/** SubjectPublicKeyInfo (DER) of a PKI private key file. */
export function spkiOf(keyFile: string): Buffer {
  return createPublicKey(pki(keyFile)).export({ type: 'spki', format: 'der' });
}

/** Public key of a PKI private key file as `openssl pkey -pubout` writes it (PEM SPKI). */
export function publicPemOf(keyFile: string): string {
  return createPublicKey(pki(keyFile)).export({ type: 'spki', format: 'pem' }) as string;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `Keying material: <HEX>` as s_client and s_server print it after `Keying material exporter:`. */
export interface ExportedKeyingMaterial {
  label: string;
  length: number;
  hex: string;
}

/** Every keying material exporter block in an s_client / s_server output. */
export function parseKeyingMaterial(text: string): ExportedKeyingMaterial[] {
  const out: ExportedKeyingMaterial[] = [];
  const re = /^Keying material exporter:\s*\n\s*Label: '([^']*)'\s*\n\s*Length: (\d+) bytes\s*\n\s*Keying material: ([0-9A-Fa-f]+)\s*$/gm;
  for (const m of text.matchAll(re)) out.push({ label: m[1]!, length: Number(m[2]), hex: m[3]!.toUpperCase() });
  return out;
}

/** `CLIENT_RANDOM <random> <master secret>` lines of an NSS key log (hex lower-cased). */
export function parseKeylog(text: string): { clientRandom: string; masterSecret: string }[] {
  const out: { clientRandom: string; masterSecret: string }[] = [];
  for (const m of text.matchAll(/^CLIENT_RANDOM ([0-9A-Fa-f]+) ([0-9A-Fa-f]+)\s*$/gm)) {
    out.push({ clientRandom: m[1]!.toLowerCase(), masterSecret: m[2]!.toLowerCase() });
  }
  return out;
}

export function readText(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------
// openssl s_client, verbose

export interface VerboseClientRun {
  commandLine: string;
  handshake: boolean;
  echoed: boolean;
  exit: Exit;
  stdout: string;
  stderr: string;
  /** Exporter blocks printed (`-keymatexport`). */
  keyingMaterial: ExportedKeyingMaterial[];
  /** `ALPN protocol: X`, or undefined when s_client printed `No ALPN negotiated`. */
  alpn: string | undefined;
  /** `SRTP Extension negotiated, profile=X`. */
  srtpProfile: string | undefined;
  describe: () => string;
}

export interface VerboseClientOptions {
  port: number;
  /** Sent after the handshake; it must come back. */
  message?: string;
  extra?: string[];
  timeoutMs?: number;
}

/**
 * `openssl s_client -dtls1_2` without `-brief`, so that its session report
 * (printed to stdout once the handshake completes, ending with the
 * `Verify return code` line and the exporter block) is available. One line
 * is echoed, then stdin EOF makes it send close_notify and exit.
 */
export async function runOpensslClientVerbose(o: VerboseClientOptions): Promise<VerboseClientRun> {
  const args = ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${o.port}`, '-nocommands', '-noservername',
    '-CAfile', pkiPath('ca-bundle.pem'), '-verify_return_error', ...(o.extra ?? [])];
  const timeoutMs = o.timeoutMs ?? 15_000;
  const p = new PeerProcess('openssl', args, timeoutMs);
  try {
    const message = o.message ?? `${MESSAGE_PREFIX}ping`;
    const hs = await p.waitForOrExit('stdout', /^\s*Verify return code: .*$/m, timeoutMs);
    let echoed = false;
    if (hs) {
      const from = hs.index! + hs[0].length;
      p.write(`${message}\n`);
      echoed = (await p.waitFor('stdout', new RegExp(escapeRe(message)), timeoutMs, from).catch(() => null)) !== null;
    }
    p.endInput();
    const exit = await p.waitExit(3_000);
    const alpn = /^ALPN protocol: (\S+)$/m.exec(p.stdout)?.[1];
    const srtpProfile = /^SRTP Extension negotiated, profile=(\S+)$/m.exec(p.stdout)?.[1];
    return {
      commandLine: p.commandLine, handshake: hs !== null, echoed, exit, stdout: p.stdout, stderr: p.stderr,
      keyingMaterial: parseKeyingMaterial(p.stdout), alpn, srtpProfile, describe: () => p.describe(60),
    };
  } finally {
    await p.stop();
  }
}

// ---------------------------------------------------------------------------
// GnuTLS with raw public keys

/** Priority: DTLS 1.2 only, the server must present a raw public key. */
export const GNUTLS_RPK_CLIENT_PRIORITY = 'NORMAL:-VERS-ALL:+VERS-DTLS1.2:+CTYPE-SRV-RAWPK:-CTYPE-SRV-X509';

export interface GnutlsRpkClientOptions {
  port: number;
  priority?: string;
  /** The client's own raw key pair (`--rawpkkeyfile` and `--rawpkfile` written from it). */
  clientKeyFile?: string;
  message?: string;
  timeoutMs?: number;
}

export interface GnutlsRpkClientRun {
  /** What `--save-cert` saved: the server's raw key (SPKI, DER; GnuTLS labels it CERTIFICATE). */
  serverKey: Buffer | undefined;
  commandLine: string;
  handshake: boolean;
  echoed: boolean;
  exit: Exit;
  stdout: string;
  stderr: string;
  description: string | undefined;
  describe: () => string;
}

/** `gnutls-cli --udp --no-ca-verification` with raw public keys: handshake, one line echoed, close. */
export async function runGnutlsRpkClient(o: GnutlsRpkClientOptions): Promise<GnutlsRpkClientRun> {
  const dir = featuresTempDir('gnutls-cli');
  const saved = join(dir, 'server-key.pem');
  const args = ['--udp', '-p', String(o.port), '--priority', o.priority ?? GNUTLS_RPK_CLIENT_PRIORITY, '--no-ca-verification',
    '--save-cert', saved];
  if (o.clientKeyFile) {
    const pub = join(dir, 'client-pub.pem');
    writeFileSync(pub, publicPemOf(o.clientKeyFile));
    args.push('--rawpkkeyfile', pkiPath(o.clientKeyFile), '--rawpkfile', pub);
  }
  args.push('127.0.0.1');
  const timeoutMs = o.timeoutMs ?? 15_000;
  const p = new PeerProcess('gnutls-cli', args, timeoutMs);
  p.onStop(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const message = o.message ?? `${MESSAGE_PREFIX}ping`;
    const hs = await p.waitForOrExit('stdout', /^- Simple Client Mode:.*$/m, timeoutMs);
    let echoed = false;
    if (hs) {
      p.write(`${message}\n`);
      echoed = (await p.waitFor('stdout', new RegExp(escapeRe(message)), timeoutMs, hs.index! + hs[0].length).catch(() => null)) !== null;
    }
    p.endInput();
    const exit = await p.waitExit(3_000);
    const b64 = /-----BEGIN [A-Z ]+-----([^-]+)-----END/.exec(readText(saved))?.[1];
    return {
      commandLine: p.commandLine, handshake: hs !== null, echoed, exit, stdout: p.stdout, stderr: p.stderr,
      serverKey: b64 === undefined ? undefined : Buffer.from(b64.replace(/\s+/g, ''), 'base64'),
      description: /^- Description: *(.*)$/m.exec(p.stdout)?.[1], describe: () => p.describe(40),
    };
  } finally {
    await p.stop();
  }
}

export interface GnutlsRpkServer {
  proc: PeerProcess;
  port: number;
}

/**
 * `gnutls-serv --udp --echo` presenting a raw public key: `--rawpkkeyfile KEY
 * --rawpkfile PUB` (PUB is the key's SPKI, PEM, as `openssl pkey -pubout`
 * writes it). Readiness from its "listening on IPv4" line.
 */
export async function startGnutlsRpkServer(o: { keyFile: string; priority?: string; extra?: string[]; timeoutMs?: number }): Promise<GnutlsRpkServer> {
  const dir = featuresTempDir('gnutls-serv');
  const pub = join(dir, 'server-pub.pem');
  writeFileSync(pub, publicPemOf(o.keyFile));
  let last: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeUdpPort();
    const args = ['--udp', '--echo', '-p', String(port),
      '--priority', o.priority ?? 'NORMAL:-VERS-ALL:+VERS-DTLS1.2:+CTYPE-SRV-RAWPK:+CTYPE-CLI-RAWPK',
      '--rawpkkeyfile', pkiPath(o.keyFile), '--rawpkfile', pub, ...(o.extra ?? [])];
    const p = new PeerProcess('gnutls-serv', args, o.timeoutMs ?? 30_000);
    try {
      await p.waitFor('stderr', new RegExp(`listening on IPv4 \\S+ port ${port}\\.\\.\\.done`), 10_000);
      p.onStop(() => rmSync(dir, { recursive: true, force: true }));
      return { proc: p, port };
    } catch (e) {
      last = e as Error;
      await p.stop();
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw last!;
}
