import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CIPHER_ALIASES,
  CipherListError,
  DEFAULT_CIPHER_LIST,
  defaultSuites,
  parseCipherList,
  parseCipherListFrom,
} from '../../src/crypto/cipher-list.js';
import { CIPHER_SUITES, suiteByName } from '../../src/crypto/suites.js';
import type { CipherSuite } from '../../src/crypto/suites.js';
import { requirePeer } from '../interop/peers.js';

const names = (spec: string): string[] => parseCipherList(spec).map((s) => s.openssl);
const ALL_NAMES = CIPHER_SUITES.map((s) => s.openssl);
const sorted = (xs: readonly string[]): string[] => [...xs].sort();
const where = (p: (s: CipherSuite) => boolean): string[] => CIPHER_SUITES.filter(p).map((s) => s.openssl);

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** Random cipher lists: 1..7 elements of prefixed `+`-joined terms, or `@STRENGTH`, with one separator. */
function randomSpec(aliases: readonly string[]): fc.Arbitrary<string> {
  const term = fc.oneof(fc.constantFrom(...aliases), fc.constantFrom(...ALL_NAMES), fc.constant('FOO'));
  const element = fc.tuple(fc.constantFrom('', '', '!', '-', '+'), fc.array(term, { minLength: 1, maxLength: 3 }))
    .map(([prefix, terms]) => prefix + terms.join('+'));
  const elements = fc.array(fc.oneof({ weight: 9, arbitrary: element }, { weight: 1, arbitrary: fc.constant('@STRENGTH') }),
    { minLength: 1, maxLength: 7 });
  return fc.tuple(elements, fc.constantFrom(':', ',', ' ', ';')).map(([els, sep]) => els.join(sep));
}

describe('suite names', () => {
  it('selects one suite by its OpenSSL name', () => {
    expect(names('ECDHE-ECDSA-AES128-GCM-SHA256')).toEqual(['ECDHE-ECDSA-AES128-GCM-SHA256']);
  });

  it('selects one suite by its IANA name', () => {
    expect(names('TLS_PSK_WITH_AES_128_CCM_8')).toEqual(['PSK-AES128-CCM8']);
  });

  it('matches IANA names case-insensitively', () => {
    expect(names('tls_ecdhe_rsa_with_chacha20_poly1305_sha256')).toEqual(['ECDHE-RSA-CHACHA20-POLY1305']);
  });

  it('matches OpenSSL suite names case-insensitively', () => {
    expect(names('ecdhe-psk-chacha20-poly1305')).toEqual(['ECDHE-PSK-CHACHA20-POLY1305']);
  });

  it('keeps the order in which suites are named', () => {
    expect(names('ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305'))
      .toEqual(['ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305']);
    expect(names('ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384'))
      .toEqual(['ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-ECDSA-AES256-GCM-SHA384']);
  });

  it('mixes OpenSSL and IANA names in one list', () => {
    expect(names('TLS_ECDHE_ECDSA_WITH_AES_128_CCM:PSK-AES128-CCM8'))
      .toEqual(['ECDHE-ECDSA-AES128-CCM', 'PSK-AES128-CCM8']);
  });

  it('does not move a suite that is named twice', () => {
    expect(names('PSK-AES128-CCM8:PSK-AES128-GCM-SHA256:PSK-AES128-CCM8'))
      .toEqual(['PSK-AES128-CCM8', 'PSK-AES128-GCM-SHA256']);
  });

  it('knows every registry suite by both of its names', () => {
    for (const s of CIPHER_SUITES) {
      expect(parseCipherList(s.openssl)).toEqual([s]);
      expect(parseCipherList(s.iana)).toEqual([s]);
    }
  });

  it('ignores unknown words next to known ones', () => {
    expect(names('NOT-A-CIPHER:PSK-AES128-CCM8:AES128-SHA')).toEqual(['PSK-AES128-CCM8']);
  });

  it('ignores TLS 1.3 suite names', () => {
    expect(names('TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:ECDHE-RSA-AES128-GCM-SHA256'))
      .toEqual(['ECDHE-RSA-AES128-GCM-SHA256']);
  });
});

describe('separators', () => {
  const expected = ['PSK-AES128-CCM8', 'PSK-AES256-CCM8', 'PSK-AES128-CCM'];

  it('accepts colons', () => {
    expect(names('PSK-AES128-CCM8:PSK-AES256-CCM8:PSK-AES128-CCM')).toEqual(expected);
  });

  it('accepts commas', () => {
    expect(names('PSK-AES128-CCM8,PSK-AES256-CCM8,PSK-AES128-CCM')).toEqual(expected);
  });

  it('accepts spaces', () => {
    expect(names('PSK-AES128-CCM8 PSK-AES256-CCM8 PSK-AES128-CCM')).toEqual(expected);
  });

  it('accepts semicolons, as OpenSSL does', () => {
    expect(names('PSK-AES128-CCM8;PSK-AES256-CCM8;PSK-AES128-CCM')).toEqual(expected);
  });

  it('accepts mixed, repeated, leading and trailing separators', () => {
    expect(names(' :PSK-AES128-CCM8, ,PSK-AES256-CCM8 ;: PSK-AES128-CCM:: ')).toEqual(expected);
  });

  it('rejects a tab, which OpenSSL does not take as a separator', () => {
    const err = thrown(() => parseCipherList('PSK-AES128-CCM8\tPSK-AES256-CCM8'));
    expect(err).toBeInstanceOf(CipherListError);
    expect((err as CipherListError).code).toBe('ERR_DTLS_INVALID_CIPHER_LIST');
  });
});

describe('aliases', () => {
  it('HIGH:!CHACHA20:!AES256 gives the AES128 suites only', () => {
    expect(names('HIGH:!CHACHA20:!AES256')).toEqual(where((s) => s.bits === 128));
    expect(names('HIGH:!CHACHA20:!AES256')).toContain('ECDHE-ECDSA-AES128-CCM8');
    expect(names('HIGH:!CHACHA20:!AES256')).toContain('ECDHE-RSA-AES128-SHA');
  });

  it('ALL is every registry suite, AEAD before CBC', () => {
    const all = parseCipherList('ALL');
    expect(sorted(all.map((s) => s.openssl))).toEqual(sorted(ALL_NAMES));
    const firstCbc = all.findIndex((s) => s.protection.kind === 'cbc');
    expect(all.slice(firstCbc).every((s) => s.protection.kind === 'cbc')).toBe(true);
  });

  it('HIGH is all of ours', () => {
    expect(names('HIGH')).toEqual(names('ALL'));
  });

  it('ECDHE+AESGCM intersects key exchange and cipher', () => {
    expect(names('ECDHE+AESGCM')).toEqual([
      'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384',
      'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384',
    ]);
  });

  it('kECDHE+aRSA+AES256 intersects three aliases', () => {
    expect(names('kECDHE+aRSA+AES256')).toEqual(['ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-SHA', 'ECDHE-RSA-AES256-SHA384']);
  });

  it('ECDHE, EECDH and kECDHE exclude the ECDHE-PSK suites, as in OpenSSL', () => {
    const ecdhe = where((s) => s.kx === 'ECDHE');
    for (const a of ['ECDHE', 'EECDH', 'kECDHE', 'kEECDH', 'ECDH']) expect(names(a)).toEqual(ecdhe);
  });

  it('kECDHEPSK is the ECDHE-PSK suites', () => {
    expect(names('kECDHEPSK')).toEqual(['ECDHE-PSK-CHACHA20-POLY1305', 'ECDHE-PSK-AES128-CBC-SHA256']);
  });

  it('PSK and aPSK are every PSK suite, kPSK only the plain-PSK key exchange', () => {
    expect(names('PSK')).toEqual(where((s) => s.auth === 'PSK'));
    expect(names('aPSK')).toEqual(where((s) => s.auth === 'PSK'));
    expect(names('kPSK')).toEqual(where((s) => s.kx === 'PSK'));
  });

  it('aECDSA and ECDSA are the ECDSA-authenticated suites', () => {
    expect(names('aECDSA')).toEqual(where((s) => s.auth === 'ECDSA'));
    expect(names('ECDSA')).toEqual(names('aECDSA'));
  });

  it('aRSA is the RSA-authenticated suites', () => {
    expect(names('aRSA')).toEqual(where((s) => s.auth === 'RSA'));
  });

  it('RSA is static RSA key exchange, as in OpenSSL, so !RSA keeps the ECDHE-RSA suites', () => {
    expect(CIPHER_ALIASES.get('RSA')).toBeDefined();
    expect(names('aRSA:!RSA')).toEqual(names('aRSA'));
  });

  it('AESCCM includes the CCM8 suites and AESCCM8 is only those', () => {
    expect(names('AESCCM')).toEqual(where((s) => s.cipher === 'AESCCM' || s.cipher === 'AESCCM8'));
    expect(names('AESCCM8')).toEqual(['ECDHE-ECDSA-AES128-CCM8', 'ECDHE-ECDSA-AES256-CCM8', 'PSK-AES128-CCM8', 'PSK-AES256-CCM8']);
  });

  it('AES, AES128 and AES256 exclude ChaCha20', () => {
    expect(names('AES')).toEqual(where((s) => s.cipher !== 'CHACHA20'));
    expect(names('AES128')).toEqual(where((s) => s.bits === 128));
    expect(names('AES256')).toEqual(where((s) => s.bits === 256 && s.cipher !== 'CHACHA20'));
  });

  it('CHACHA20 is the ChaCha20-Poly1305 suites', () => {
    expect(names('CHACHA20')).toEqual(where((s) => s.cipher === 'CHACHA20'));
  });

  it('CBC is the CBC suites (an OpenSSL 3.0 alias)', () => {
    expect(names('CBC')).toEqual(where((s) => s.protection.kind === 'cbc'));
  });

  it('SHA256 and SHA384 select by HMAC, so AEAD suites are not in them', () => {
    expect(names('SHA256')).toEqual(['PSK-AES128-CBC-SHA256', 'ECDHE-PSK-AES128-CBC-SHA256', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-RSA-AES128-SHA256']);
    expect(names('SHA384')).toEqual(['ECDHE-ECDSA-AES256-SHA384', 'ECDHE-RSA-AES256-SHA384']);
  });

  it('SHA1 and SHA are the CBC suites with HMAC-SHA1', () => {
    const sha1 = ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA'];
    expect(names('SHA1')).toEqual(sha1);
    expect(names('SHA')).toEqual(sha1);
  });

  it('TLSv1.2 leaves out the suites OpenSSL classes as TLS 1.0 ones', () => {
    const tls10 = ['PSK-AES128-CBC-SHA256', 'ECDHE-PSK-AES128-CBC-SHA256',
      'ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA'];
    expect(names('TLSv1.0')).toEqual(tls10);
    expect(names('TLSv1')).toEqual(tls10);
    expect(sorted([...names('TLSv1.2'), ...tls10])).toEqual(sorted(ALL_NAMES));
  });

  it('aliases for algorithms we do not have match nothing, and that is not an error', () => {
    for (const a of ['MEDIUM', 'LOW', 'EXPORT', 'eNULL', 'NULL', 'aNULL', 'RC4', '3DES', 'DES', 'MD5',
      'CAMELLIA', 'ARIA', 'SSLv3', 'COMPLEMENTOFALL', 'DHE', 'kRSA']) {
      expect(names(`${a}:CHACHA20`)).toEqual(names('CHACHA20'));
    }
  });

  it('treats alias names case-sensitively, like OpenSSL', () => {
    expect(names('high:CHACHA20')).toEqual(names('CHACHA20'));
  });

  it('ignores an element with an unknown term as a whole', () => {
    expect(names('ECDHE+FOO:PSK-AES128-CCM8')).toEqual(['PSK-AES128-CCM8']);
  });

  it('intersects a suite name with an alias', () => {
    expect(names('ECDHE-RSA-AES128-GCM-SHA256+ECDSA:ECDHE-ECDSA-AES128-GCM-SHA256+AESGCM'))
      .toEqual(['ECDHE-ECDSA-AES128-GCM-SHA256']);
  });
});

describe('DEFAULT', () => {
  const dflt = defaultSuites();

  it('contains no CBC and no CCM suite', () => {
    expect(dflt.length).toBeGreaterThan(0);
    for (const s of dflt) {
      expect(s.protection.kind).toBe('aead');
      expect(['AESGCM', 'CHACHA20']).toContain(s.cipher);
    }
  });

  it('is every ECDHE, PSK and ECDHE-PSK suite with AES-GCM or ChaCha20', () => {
    expect(sorted(dflt.map((s) => s.openssl))).toEqual(sorted(where((s) => s.cipher === 'AESGCM' || s.cipher === 'CHACHA20')));
    expect(new Set(dflt.map((s) => s.kx))).toEqual(new Set(['ECDHE', 'PSK', 'ECDHE_PSK']));
  });

  it('DEFAULT_CIPHER_LIST parses to defaultSuites()', () => {
    expect(parseCipherList(DEFAULT_CIPHER_LIST)).toEqual(dflt);
    expect(parseCipherList('DEFAULT')).toEqual(dflt);
  });

  it('defaultSuites() returns a fresh array', () => {
    expect(defaultSuites()).not.toBe(defaultSuites());
  });

  it('COMPLEMENTOFDEFAULT is the CCM and CBC suites', () => {
    expect(names('COMPLEMENTOFDEFAULT')).toEqual(where((s) => s.cipher === 'AESCCM' || s.cipher === 'AESCCM8' || s.cipher === 'AESCBC'));
  });

  it('can follow an explicit suite, unlike in OpenSSL', () => {
    expect(names('ECDHE-ECDSA-AES128-CCM8:DEFAULT')).toEqual(['ECDHE-ECDSA-AES128-CCM8', ...dflt.map((s) => s.openssl)]);
  });

  it('can be extended and cut down', () => {
    expect(names('DEFAULT:AESCCM8:!PSK')).toEqual([
      ...dflt.filter((s) => s.auth !== 'PSK').map((s) => s.openssl), 'ECDHE-ECDSA-AES128-CCM8', 'ECDHE-ECDSA-AES256-CCM8',
    ]);
  });
});

describe('prefixes', () => {
  it('! removes for good: a later name does not add the suite back', () => {
    expect(names('!CHACHA20:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256')).toEqual(['ECDHE-RSA-AES128-GCM-SHA256']);
    expect(names('AESGCM:!ECDSA:ECDHE-ECDSA-AES128-GCM-SHA256')).not.toContain('ECDHE-ECDSA-AES128-GCM-SHA256');
  });

  it('- removes, and a later element may add the suite back at the end', () => {
    expect(names('AESGCM:-ECDSA:ECDHE-ECDSA-AES128-GCM-SHA256')).toEqual([
      'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'PSK-AES128-GCM-SHA256', 'PSK-AES256-GCM-SHA384',
      'ECDHE-ECDSA-AES128-GCM-SHA256',
    ]);
  });

  it('a later add takes the most recently deleted suites first, as OpenSSL does', () => {
    expect(names('PSK-AES128-CCM8:ECDHE-RSA-AES256-GCM-SHA384:-ECDHE-RSA-AES256-GCM-SHA384:AESGCM')).toEqual([
      'PSK-AES128-CCM8', 'ECDHE-RSA-AES256-GCM-SHA384',
      'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES128-GCM-SHA256',
      'PSK-AES128-GCM-SHA256', 'PSK-AES256-GCM-SHA384',
    ]);
  });

  it('+ moves suites already present to the end, keeping their order', () => {
    expect(names('CHACHA20:PSK-AES128-CCM8:AESGCM:+CHACHA20')).toEqual([
      'PSK-AES128-CCM8', ...where((s) => s.cipher === 'AESGCM'), ...where((s) => s.cipher === 'CHACHA20'),
    ]);
  });

  it('+ adds nothing', () => {
    expect(names('PSK-AES128-CCM8:+CHACHA20')).toEqual(['PSK-AES128-CCM8']);
  });

  it('+ applies to an intersection', () => {
    expect(names('CHACHA20:+PSK+CHACHA20')).toEqual([
      'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305', 'PSK-CHACHA20-POLY1305', 'ECDHE-PSK-CHACHA20-POLY1305',
    ]);
  });

  it('an unprefixed name does not move a suite already in the list', () => {
    expect(names('AESGCM:ECDHE-ECDSA-AES128-GCM-SHA256')).toEqual(names('AESGCM'));
  });
});

describe('@ commands', () => {
  it('@STRENGTH sorts by bits, strongest first, keeping the order otherwise', () => {
    expect(names('ECDHE-ECDSA-AES128-GCM-SHA256:PSK-AES128-CCM8:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:@STRENGTH'))
      .toEqual(['ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'PSK-AES128-CCM8']);
  });

  it('@STRENGTH applies where it stands', () => {
    expect(names('PSK-AES128-CCM8:PSK-AES256-CCM8:@STRENGTH:ECDHE-ECDSA-AES128-CCM8'))
      .toEqual(['PSK-AES256-CCM8', 'PSK-AES128-CCM8', 'ECDHE-ECDSA-AES128-CCM8']);
  });

  it('@SECLEVEL=2 is accepted and changes nothing', () => {
    expect(names('ALL:@SECLEVEL=2')).toEqual(names('ALL'));
    for (const n of [0, 1, 3, 4, 5]) expect(names(`@SECLEVEL=${n}:CHACHA20`)).toEqual(names('CHACHA20'));
  });

  it('@SECLEVEL out of 0..5 is an error', () => {
    for (const bad of ['@SECLEVEL=6', '@SECLEVEL=10', '@SECLEVEL=', '@SECLEVEL=x', '@SECLEVEL']) {
      const err = thrown(() => parseCipherList(`ALL:${bad}`));
      expect(err).toBeInstanceOf(RangeError);
      expect((err as CipherListError).code).toBe('ERR_DTLS_INVALID_CIPHER_LIST');
    }
  });

  it('an unknown @ command is an error', () => {
    for (const bad of ['@CIPHER', '@strength', '@', '@FOO=1']) {
      expect((thrown(() => parseCipherList(`ALL:${bad}`)) as CipherListError).code).toBe('ERR_DTLS_INVALID_CIPHER_LIST');
    }
  });
});

describe('errors', () => {
  it('an empty result is a RangeError naming the option, with code ERR_DTLS_NO_CIPHERS', () => {
    const err = thrown(() => parseCipherList('AESCCM8+aRSA', { optionName: 'serverCiphers' }));
    expect(err).toBeInstanceOf(RangeError);
    expect(err).toBeInstanceOf(CipherListError);
    expect((err as CipherListError).code).toBe('ERR_DTLS_NO_CIPHERS');
    expect((err as Error).message).toBe('serverCiphers: "AESCCM8+aRSA" matches no supported cipher suite');
  });

  it('names the option "ciphers" by default', () => {
    expect((thrown(() => parseCipherList('RC4-SHA')) as Error).message).toBe('ciphers: "RC4-SHA" matches no supported cipher suite');
  });

  it('an empty string, only unknown words, or everything removed is an empty result', () => {
    for (const spec of ['', ' : ', 'FOO:BAR', 'TLS_AES_128_GCM_SHA256', 'MEDIUM:LOW', 'ALL:!ALL', 'ALL:-ALL']) {
      expect((thrown(() => parseCipherList(spec)) as CipherListError).code).toBe('ERR_DTLS_NO_CIPHERS');
    }
  });

  it('a non-string spec is a TypeError naming the option', () => {
    for (const bad of [undefined, null, 42, ['ALL'], { ciphers: 'ALL' }]) {
      const err = thrown(() => parseCipherList(bad as unknown as string, { optionName: 'ciphers' }));
      expect(err).toBeInstanceOf(TypeError);
      expect((err as Error).message).toMatch(/^ciphers must be a string/);
    }
    expect((thrown(() => parseCipherList(1 as unknown as string, { optionName: 'pskCiphers' })) as Error).message)
      .toMatch(/^pskCiphers /);
  });

  it('a prefix or + with nothing after it is a syntax error, as in OpenSSL', () => {
    for (const spec of ['ALL:!', 'ALL:-', 'ALL:+', 'ALL:!:AES', 'ECDHE+', 'ECDHE++AES', '/ALL', 'ALL:ECDHE/x']) {
      const err = thrown(() => parseCipherList(spec, { optionName: 'ciphers' }));
      expect(err).toBeInstanceOf(CipherListError);
      expect((err as CipherListError).code).toBe('ERR_DTLS_INVALID_CIPHER_LIST');
      expect((err as Error).message).toContain('ciphers: ');
    }
  });

  it('skips the rest of an unknown element, as OpenSSL does', () => {
    expect(names('foo/bar:CHACHA20')).toEqual(names('CHACHA20'));
  });
});

describe('properties', () => {
  const aliasNames = [...CIPHER_ALIASES.keys()];
  const spec = randomSpec(aliasNames);
  const tryParse = (s: string): string[] => {
    try {
      return names(s);
    } catch (err) {
      if (err instanceof CipherListError && err.code === 'ERR_DTLS_NO_CIPHERS') return [];
      throw err;
    }
  };

  it('never returns a suite twice', () => {
    fc.assert(fc.property(spec, (s) => new Set(tryParse(s)).size === tryParse(s).length), { seed: 1, numRuns: 300 });
  });

  it('a leading ! alias keeps its suites out whatever follows', () => {
    fc.assert(fc.property(fc.constantFrom(...aliasNames), spec, (alias, s) => {
      const select = CIPHER_ALIASES.get(alias)!;
      return tryParse(`!${alias}:${s}`).every((n) => !select(suiteByName(n)!));
    }), { seed: 2, numRuns: 300 });
  });

  it('a trailing +alias only reorders', () => {
    fc.assert(fc.property(fc.constantFrom(...aliasNames), spec, (alias, s) => {
      const before = tryParse(s);
      const after = tryParse(`${s}:+${alias}`);
      const select = CIPHER_ALIASES.get(alias)!;
      const moved = before.filter((n) => select(suiteByName(n)!));
      return JSON.stringify(after) === JSON.stringify([...before.filter((n) => !moved.includes(n)), ...moved]);
    }), { seed: 3, numRuns: 300 });
  });
});

/*
 * Differential against `openssl ciphers` (OpenSSL 3.x). OpenSSL enumerates
 * aliases in its own preference order, which intentionally differs from ours
 * (AEAD by strength, then CBC, PSK last), so each spec is checked twice:
 * - with OpenSSL's `ALL` order as the starting order (parseCipherListFrom),
 *   the result must equal OpenSSL's, order included;
 * - with our order (parseCipherList), the same set of suites.
 * Excluded on purpose: DEFAULT and COMPLEMENTOFDEFAULT (our default set is
 * not OpenSSL's), IANA names (OpenSSL 3.0 does not take them), @SECLEVEL=3+
 * (OpenSSL filters by security level, we do not), FIPS+HIGH-style strength
 * combinations and SUITEB* (see the module comment).
 */
const version = spawnSync('openssl', ['version'], { encoding: 'utf8' });
const haveOpenssl = requirePeer('OpenSSL 3', version.status === 0 && /^OpenSSL 3\./.test(version.stdout), 'openssl (3.x)');

describe.skipIf(!haveOpenssl)('differential against openssl ciphers', () => {
  const ours = new Set(ALL_NAMES);
  const openssl = (spec: string): string[] | null => {
    const r = spawnSync('openssl', ['ciphers', '-psk', '-s', '-tls1_2', '--', spec], { encoding: 'utf8' });
    if (r.status !== 0) return null;
    return r.stdout.trim().split(':').filter((n) => ours.has(n));
  };
  const opensslOrder = (openssl('ALL:COMPLEMENTOFALL') ?? []).map((n) => suiteByName(n)!);

  function check(spec: string): void {
    const expected = openssl(spec);
    if (expected === null || expected.length === 0) {
      expect(() => parseCipherListFrom(spec, opensslOrder), spec).toThrow(CipherListError);
      expect(() => parseCipherList(spec), spec).toThrow(CipherListError);
      return;
    }
    expect(parseCipherListFrom(spec, opensslOrder).map((s) => s.openssl), spec).toEqual(expected);
    expect(sorted(names(spec)), spec).toEqual(sorted(expected));
  }

  it('OpenSSL knows every registry suite', () => {
    expect(sorted(opensslOrder.map((s) => s.openssl))).toEqual(sorted(ALL_NAMES));
  });

  const SPECS = [
    'ALL',
    'HIGH:!CHACHA20:!AES256',
    'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305',
    'PSK-AES128-CCM8,ECDHE-ECDSA-AES128-CCM8 PSK-AES256-CCM8;PSK-AES128-CCM',
    'ECDHE+AESGCM',
    'kECDHE+aRSA+AES256',
    'ECDHE:EECDH:kEECDH:ECDH',
    'aECDSA',
    'aRSA:!RSA',
    'PSK',
    'kPSK:kECDHEPSK',
    'aPSK+AESCCM8',
    'AESCCM',
    'AESCCM8',
    'AES128+AESGCM:AES256:CHACHA20',
    'CBC',
    'SHA256:SHA384:SHA1',
    'TLSv1.2',
    'TLSv1.0:SSLv3',
    'FIPS',
    'ALL:@STRENGTH',
    'CHACHA20:AESGCM:@STRENGTH:AESCCM',
    'AESGCM:-ECDSA:ECDHE-ECDSA-AES128-GCM-SHA256',
    'AESGCM:!ECDSA:ECDHE-ECDSA-AES128-GCM-SHA256',
    'ALL:+CHACHA20:+PSK',
    'ECDHE-RSA-AES128-GCM-SHA256:-ECDHE-RSA-AES128-GCM-SHA256:AESGCM',
    'CHACHA20:ALL:-ALL:AESCCM',
    'HIGH:MEDIUM:LOW:!aNULL:!eNULL:!MD5:!RC4:!3DES:!kRSA',
    'EECDH+AESGCM:EDH+AESGCM:AES256+EECDH:AES256+EDH',
    'FOO:ECDHE+BAR:AESCCM8:TLS_AES_128_GCM_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256+AESGCM:ECDHE-RSA-AES128-GCM-SHA256+ECDSA',
    'ALL:@SECLEVEL=2',
    // Errors: syntax, unknown command, empty result.
    'CHACHA20:@FOO',
    'CHACHA20:@SECLEVEL=9',
    'ECDHE+',
    'CHACHA20:!',
    'ALL:ECDHE/x',
    'foo/bar:CHACHA20',
    'chacha20',
    'ALL:!ALL',
  ];

  for (const spec of SPECS) {
    it(`agrees on "${spec}"`, () => check(spec));
  }

  it('agrees on random cipher lists', () => {
    const spec = randomSpec([...CIPHER_ALIASES.keys()].filter((a) => !['DEFAULT', 'COMPLEMENTOFDEFAULT', 'FIPS'].includes(a)));
    fc.assert(fc.property(spec, (s) => check(s)), { seed: 42, numRuns: 60 });
  }, 180_000);

  it('agrees on random strings, syntax errors included', () => {
    const fragment = fc.constantFrom('ECDHE', 'AESGCM', 'CHACHA20', 'aRSA', 'TLSv1.2', 'PSK-AES128-CCM8', 'FOO',
      '+', '-', '!', '@', 'STRENGTH', 'SECLEVEL=1', 'SECLEVEL=7', ':', ':', ',', ' ', ';', '/', '\t');
    const raw = fc.array(fragment, { minLength: 1, maxLength: 12 }).map((fs) => fs.join(''));
    fc.assert(fc.property(raw, (s) => check(s)), { seed: 43, numRuns: 100 });
  }, 180_000);
});
