/**
 * Every rule of docs/x509.md, on certificates this test generates
 * (helpers/cases.ts): puredtls's verdict and error code, on both crypto
 * providers; and `openssl verify -x509_strict` (with -purpose, -attime,
 * -verify_hostname/-verify_ip and -crl_check_all as the case needs) reaching
 * the same verdict, except for the cases listed as OpenSSL differences —
 * for those OpenSSL must really decide otherwise (so the list stays true),
 * agree once given the flags named, and docs/x509.md must list them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nobleProvider, nodeProvider } from '../../src/crypto/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { KeyError } from '../../src/errors.js';
import { isIpAddress } from '../../src/x509/ip.js';
import { verifyChain } from '../../src/x509/verify.js';
import { HAS_OPENSSL } from '../interop/peers.js';
import { type X509Case, X509_CASES } from './helpers/cases.js';

const dir = mkdtempSync(join(tmpdir(), 'puredtls-x509-agreement-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** puredtls's verdict: `'ok'`, the error code, or `'load'` when a CRL is refused as configuration. */
function ours(c: X509Case, provider: CryptoProvider): string {
  try {
    const r = verifyChain(provider, [c.leaf.der, ...c.intermediates.map((x) => x.der)], {
      ca: c.trusted.map((x) => x.der),
      purpose: c.purpose,
      now: c.now,
      ...(c.host !== undefined && { host: c.host }),
      ...(c.crls && { crls: c.crls.map((x) => x.der) }),
      ...(c.allowSha1 && { allowSha1Certificates: true }),
    });
    return r.ok ? 'ok' : r.error.code;
  } catch (e) {
    if (e instanceof KeyError && /CRL/.test(e.message)) return 'load';
    throw e;
  }
}

/** Whether `openssl verify -x509_strict` accepts the case (with `extra` flags). */
function openssl(c: X509Case, extra: readonly string[] = []): { ok: boolean; output: string } {
  const d = mkdtempSync(join(dir, `${c.id}-`));
  const file = (name: string, text: string): string => {
    writeFileSync(join(d, name), text);
    return join(d, name);
  };
  const args = ['verify', '-x509_strict', '-purpose', c.purpose === 'serverAuth' ? 'sslserver' : 'sslclient', '-attime', String(Math.floor(c.now.getTime() / 1000))];
  if (c.host !== undefined) args.push(isIpAddress(c.host) ? '-verify_ip' : '-verify_hostname', c.host);
  args.push('-CAfile', file('trusted.pem', c.trusted.map((x) => x.pem).join('')));
  if (c.intermediates.length > 0) args.push('-untrusted', file('untrusted.pem', c.intermediates.map((x) => x.pem).join('')));
  if (c.crls) args.push('-crl_check_all', '-CRLfile', file('crls.pem', c.crls.map((x) => x.pem).join('')));
  args.push(...extra, file('leaf.pem', c.leaf.pem));
  const r = spawnSync('openssl', args, { encoding: 'latin1', timeout: 20_000 });
  const output = `${r.stdout}${r.stderr}`;
  return { ok: r.status === 0 && /: OK\s*$/.test(r.stdout), output: `openssl ${args.join(' ')}\n${output}` };
}

const PROVIDERS = [
  ['node', nodeProvider],
  ['noble', nobleProvider],
] as [string, CryptoProvider][];

describe.each(PROVIDERS)('path validation rules, on generated certificates (%s provider)', (_name, provider) => {
  it.each(X509_CASES.map((c) => [`${c.rule}: ${c.id}`, c] as const))('%s', (_label, c) => {
    expect(ours(c, provider)).toBe(c.expect);
  });
});

describe.skipIf(!HAS_OPENSSL)('the same verdict as openssl verify -x509_strict', () => {
  it.each(X509_CASES.map((c) => [`${c.rule}: ${c.id}`, c] as const))('%s', (_label, c) => {
    const accepted = c.expect === 'ok';
    const o = openssl(c);
    if (c.openssl === undefined) {
      expect(o.ok, o.output).toBe(accepted);
      return;
    }
    // A documented difference: OpenSSL must really decide otherwise...
    expect(o.ok, `listed as an OpenSSL difference, but OpenSSL agrees:\n${o.output}`).toBe(!accepted);
    // ...and agree under the flags given.
    if (c.openssl.agreesWith !== undefined) {
      const again = openssl(c, c.openssl.agreesWith);
      expect(again.ok, again.output).toBe(accepted);
    }
  });

  it('docs/x509.md lists every case where OpenSSL decides otherwise, and no other', () => {
    const doc = readFileSync('docs/x509.md', 'utf8');
    const section = doc.split(/^## Where OpenSSL decides otherwise$/m)[1]?.split(/^## /m)[0] ?? '';
    const listed = [...section.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(X509_CASES.filter((c) => c.openssl !== undefined).map((c) => c.id).sort());
  });
});
