/**
 * The sans-IO examples (docs/sans-io.md) on Node: examples/sans-io/tsconfig.json
 * type-checks sans-io/drive.ts, sans-io/apps.ts, sans-io/bun-udp.ts (against Bun's
 * own declarations, @types/bun), sans-io/demultiplex.ts and sans-io/multiplex.ts, and
 * compiles them; the compiled multiplex.ts then runs (STUN, DTLS and RTP on one socket
 * each side, RFC 7983), and demultiplex.ts is held to RFC 7983's table byte by byte. sans-io/deno-udp.ts and the Bun program run on their runtimes:
 * test/runtimes/native-udp.test.ts, under `npm run test:deno` / `test:bun`, which
 * also run multiplex.ts there.
 *
 * Needs dist/ ('puredtls/sans-io' resolves to it).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demultiplex } from '../../examples/sans-io/demultiplex.js';
import { PeerProcess, stopAllPeers } from '../interop/peers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let out: string;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'puredtls-sans-io-examples-'));
  // The compiled programs import 'puredtls/sans-io' as an installed package would be found.
  mkdirSync(join(out, 'node_modules'));
  symlinkSync(ROOT, join(out, 'node_modules/puredtls'), 'dir');
  writeFileSync(join(out, 'package.json'), '{ "type": "module", "private": true }\n');
});

afterAll(async () => {
  await stopAllPeers();
  if (out) rmSync(out, { recursive: true, force: true });
});

describe('examples/sans-io on Node', () => {
  it('type-check and compile (tsc, strict; Bun\'s own types for the Bun program)', () => {
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    let output = '';
    try {
      output = execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'examples/sans-io/tsconfig.json'), '--noEmit', 'false', '--outDir', out], { encoding: 'utf8', cwd: ROOT });
    } catch (e) {
      throw new Error(`tsc failed:\n${(e as { stdout?: string }).stdout ?? e}`);
    }
    expect(output).toBe('');
    // A canary: the same compiler does refuse a wrong call of the sans-IO API.
    const canary = join(out, 'canary.ts');
    writeFileSync(canary, "import { SansIoServer } from 'puredtls/sans-io';\nnew SansIoServer({ key: 'k', cert: 'c' }).receive('not bytes', '::1', 1, 0);\n");
    const r = (() => {
      try {
        execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types'), canary], { encoding: 'utf8', cwd: out });
        return '';
      } catch (e) {
        return String((e as { stdout?: string }).stdout);
      }
    })();
    expect(r).toMatch(/canary\.ts.*'string' is not assignable to parameter of type 'Uint8Array/);
  }, 120_000);

  it('multiplex.ts: STUN, DTLS (fingerprints, DTLS-SRTP keys) and RTP share one socket each side', async () => {
    const p = new PeerProcess(process.execPath, [join(out, 'multiplex.js')], 60_000);
    const exit = await p.waitExit(60_000);
    expect(exit, p.describe()).toEqual({ code: 0, signal: null });
    const lines = p.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^stun: binding success from 127\.0\.0\.1:\d+, mapped address 127\.0\.0\.1:\d+$/);
    expect(lines.slice(1)).toEqual([
      'dtls: handshake done over the shared sockets (DTLSv1.3, TLS_AES_128_GCM_SHA256), fingerprints match',
      'srtp: SRTP_AEAD_AES_128_GCM, both ends exported the same 56 bytes of keying material',
      'dtls: echo "hello over DTLS"',
      'rtp: 3 packets to the media handler',
      'dtls: closed (close_notify)',
      'done',
    ]);
    expect(p.stderr).toBe('');
  }, 90_000);

  it('demultiplex.ts routes every first byte as RFC 7983 §7 says, and an empty datagram nowhere', () => {
    // RFC 7983 §7's figure: [first, last] byte of each protocol; the rest is dropped.
    const RFC7983: [number, number, string][] = [[0, 3, 'stun'], [16, 19, 'zrtp'], [20, 63, 'dtls'], [64, 79, 'turn-channel'], [128, 191, 'rtp']];
    for (let b = 0; b < 256; b++) {
      const want = RFC7983.find(([lo, hi]) => b >= lo && b <= hi)?.[2] ?? 'drop';
      expect(demultiplex(Uint8Array.of(b, 0xfe, 0xfd)), `first byte ${b}`).toBe(want);
    }
    // Every DTLS content type (change_cipher_spec 20 ... return_routability_check 27, tls12_cid 25) is DTLS.
    for (const type of [20, 21, 22, 23, 24, 25, 26, 27]) expect(demultiplex(Uint8Array.of(type))).toBe('dtls');
    expect(demultiplex(new Uint8Array(0))).toBe('drop');
  });
});
