import { CIPHER_SUITES, suiteByName } from './suites.js';
import type { Authentication, CipherSuite, KeyExchange } from './suites.js';

/**
 * OpenSSL cipher-list strings (`openssl ciphers`, OpenSSL 3.0 semantics),
 * evaluated over our suite registry only.
 *
 * Syntax, as OpenSSL's `ssl_cipher_process_rulestr`:
 * - Elements are separated by `:`, `,`, ` ` or `;` (OpenSSL's ITEM_SEP; a tab
 *   or newline is not a separator and is a syntax error, as in OpenSSL).
 * - An element is `[prefix]term[+term...]`. A term is a suite name (OpenSSL
 *   name such as `ECDHE-ECDSA-AES128-GCM-SHA256` or IANA name such as
 *   `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`) or an alias from
 *   {@link CIPHER_ALIASES}. `a+b` selects the suites matching every term.
 * - Prefixes: none = append the matching suites that are not yet in the list
 *   (suites already present do not move); `-` = remove (may be added again
 *   later); `!` = remove for good (later elements never add it back); `+` =
 *   move the matching suites already in the list to its end.
 * - `@STRENGTH` stable-sorts the list by symmetric key bits, descending.
 *   `@SECLEVEL=n` (n = 0..5) is accepted and ignored. Any other `@` command is
 *   an error.
 *
 * Order semantics are OpenSSL's exactly: every suite sits in one ordered list
 * (initially our preference order, see {@link parseCipherList}), with an
 * "active" flag. Adding appends matching inactive suites in list order; `-`
 * moves matching active suites to the *front* of the list (inactive), so a
 * later add of them puts the most recently deleted first; `!` drops them from
 * the list; `+` moves matching active suites to the end.
 *
 * Names that are neither a registry suite nor an alias (including OpenSSL
 * suites we do not implement and TLS 1.3 names such as
 * `TLS_AES_128_GCM_SHA256`) are ignored, as OpenSSL ignores unknown names;
 * an element with an unknown term is ignored as a whole (`ECDHE+FOO` selects
 * nothing). Only if the final list is empty is that an error
 * (`ERR_DTLS_NO_CIPHERS`).
 *
 * Intentional differences from OpenSSL 3.0:
 * - `DEFAULT` is our safe default set ({@link DEFAULT_CIPHER_LIST}: AEAD with
 *   AES-GCM or ChaCha20-Poly1305 only; no CBC, no CCM), not OpenSSL's
 *   `ALL:!COMPLEMENTOFDEFAULT:!eNULL`; `COMPLEMENTOFDEFAULT` is its
 *   complement (CCM and CBC suites). `DEFAULT` is an ordinary alias usable
 *   anywhere (`ECDHE-ECDSA-AES128-CCM8:DEFAULT`, `!DEFAULT`, `DEFAULT+AES128`);
 *   OpenSSL only honours it as the first word and silently ignores it
 *   elsewhere.
 * - The initial order (what `ALL` and every alias enumerate) is ours:
 *   registry order with every AEAD suite before every CBC suite.
 * - Suite names are case-insensitive (OpenSSL: case-sensitive); IANA names are
 *   accepted (OpenSSL 3.0 does not accept them in cipher lists; `_` is a name
 *   character here, so `ECDHE_X` is one unknown word, not a syntax error). Alias names
 *   and `@` commands stay case-sensitive, as in OpenSSL (`aECDH` and `AECDH`
 *   are different aliases there).
 * - `@SECLEVEL` does not filter: OpenSSL at level 3+ drops the non-forward-
 *   secret PSK suites and at level 5 the 128-bit ones.
 * - `SUITEB128`, `SUITEB128ONLY`, `SUITEB128C2`, `SUITEB192` are not supported
 *   (they switch OpenSSL into Suite B mode); they are unknown words here.
 * - Strength-class aliases combine as plain intersections: `FIPS+HIGH` is the
 *   FIPS set here, while OpenSSL's strength-mask arithmetic makes it empty.
 */

export interface CipherListOptions {
  /** Name of the option being parsed, used in error messages. Default `ciphers`. */
  optionName?: string;
}

/**
 * A cipher list that is malformed or selects nothing: thrown by
 * {@link parseCipherList}, and by `createServer` / `connect` for their
 * `ciphers` option.
 *
 * @example
 * ```ts
 * import { CipherListError, parseCipherList } from 'puredtls';
 *
 * try {
 *   parseCipherList('NO-SUCH-SUITE');
 * } catch (err) {
 *   if (err instanceof CipherListError) console.log(err.code); // 'ERR_DTLS_NO_CIPHERS'
 * }
 * ```
 */
export class CipherListError extends RangeError {
  /**
   * `ERR_DTLS_NO_CIPHERS`: the list selects no supported suite.
   * `ERR_DTLS_INVALID_CIPHER_LIST`: syntax error or unknown `@` command
   * (cases where OpenSSL fails the whole list too).
   */
  readonly code: 'ERR_DTLS_NO_CIPHERS' | 'ERR_DTLS_INVALID_CIPHER_LIST';
  constructor(code: CipherListError['code'], message: string) {
    super(message);
    this.name = 'CipherListError';
    this.code = code;
  }
}

type Predicate = (s: CipherSuite) => boolean;

const none: Predicate = () => false;
const everySuite: Predicate = () => true;
const kx = (...k: KeyExchange[]): Predicate => (s) => k.includes(s.kx);
const auth = (a: Authentication): Predicate => (s) => s.auth === a;
const enc = (...c: CipherSuite['cipher'][]): Predicate => (s) => c.includes(s.cipher);
const and = (...ps: Predicate[]): Predicate => (s) => ps.every((p) => p(s));
const mac = (m: 'sha1' | 'sha256' | 'sha384'): Predicate =>
  (s) => s.protection.kind === 'cbc' && s.protection.macAlg === m;
const aes = enc('AESGCM', 'AESCCM', 'AESCCM8', 'AESCBC');
const bits = (b: 128 | 256): Predicate => (s) => s.bits === b;

/**
 * Lowest protocol version of a suite, as OpenSSL classifies it (the
 * `TLSv1.2` / `TLSv1.0` aliases): the CBC suites with HMAC-SHA1 (RFC 4492)
 * and the PSK CBC suites (RFC 5487, RFC 5489) are TLS 1.0 suites; the rest
 * need TLS 1.2.
 */
function minTls(s: CipherSuite): '1.0' | '1.2' {
  return s.protection.kind === 'cbc' && (s.protection.macAlg === 'sha1' || s.auth === 'PSK') ? '1.0' : '1.2';
}

/**
 * Our safe default (S-49): ECDHE, PSK or ECDHE_PSK key exchange with AES-GCM
 * or ChaCha20-Poly1305. CBC suites and the CCM suites (named explicitly by
 * IoT applications; OpenSSL's own default lacks CCM too) are left out.
 */
const isDefault: Predicate = and(kx('ECDHE', 'PSK', 'ECDHE_PSK'), enc('AESGCM', 'CHACHA20'));

/**
 * The alias table: OpenSSL 3.0's `cipher_aliases`, each name mapped to the
 * suites of our registry it selects (checked against `openssl ciphers -v`).
 * Names OpenSSL knows that select none of our suites map to `none`, so the
 * table also documents them.
 */
const ALIAS_ROWS: ReadonlyArray<readonly [names: readonly string[], select: Predicate]> = [
  [['ALL', 'HIGH'], everySuite],
  [['DEFAULT'], isDefault],
  [['COMPLEMENTOFDEFAULT'], (s) => !isDefault(s)],
  // Key exchange. `ECDHE`/`EECDH` are kECDHE minus anonymous; none of ours is
  // anonymous. None of them includes ECDHE_PSK (that is `kECDHEPSK`).
  [['kECDHE', 'kEECDH', 'ECDH', 'ECDHE', 'EECDH'], kx('ECDHE')],
  [['kPSK'], kx('PSK')],
  [['kECDHEPSK'], kx('ECDHE_PSK')],
  [['PSK'], kx('PSK', 'ECDHE_PSK')],
  // Authentication. `RSA` is OpenSSL's kRSA+aRSA (static RSA key exchange),
  // which none of our suites uses: `!RSA` must not remove ECDHE-RSA suites.
  [['aRSA'], auth('RSA')],
  [['aECDSA', 'ECDSA'], auth('ECDSA')],
  [['aPSK'], auth('PSK')],
  // Symmetric cipher.
  [['AES'], aes],
  [['AES128'], and(aes, bits(128))],
  [['AES256'], and(aes, bits(256))],
  [['AESGCM'], enc('AESGCM')],
  [['AESCCM'], enc('AESCCM', 'AESCCM8')],
  [['AESCCM8'], enc('AESCCM8')],
  [['CHACHA20'], enc('CHACHA20')],
  [['CBC'], enc('AESCBC')],
  // MAC: AEAD suites have MAC "AEAD" in OpenSSL, so these select CBC suites
  // only, by their HMAC (the PRF hash does not count).
  [['SHA1', 'SHA'], mac('sha1')],
  [['SHA256'], mac('sha256')],
  [['SHA384'], mac('sha384')],
  // Minimum protocol version.
  [['TLSv1.2'], (s) => minTls(s) === '1.2'],
  [['TLSv1', 'TLSv1.0'], (s) => minTls(s) === '1.0'],
  // Strength: OpenSSL flags AES-GCM and AES-CBC as FIPS algorithms, not CCM or ChaCha20.
  [['FIPS'], enc('AESGCM', 'AESCBC')],
  [[
    'COMPLEMENTOFALL', 'eNULL', 'NULL', 'aNULL', 'MEDIUM', 'LOW', 'EXPORT', 'SSLv3',
    'kRSA', 'RSA', 'kEDH', 'kDHE', 'DH', 'EDH', 'DHE', 'ADH', 'AECDH',
    'kRSAPSK', 'kDHEPSK', 'kSRP', 'SRP', 'aSRP', 'kGOST', 'kGOST18',
    'aDSS', 'DSS', 'aGOST01', 'aGOST12', 'aGOST',
    '3DES', 'DES', 'RC4', 'RC2', 'IDEA', 'SEED', 'GOST', 'GOST2012-GOST8912-GOST8912',
    'CAMELLIA', 'CAMELLIA128', 'CAMELLIA256', 'ARIA', 'ARIAGCM', 'ARIA128', 'ARIA256',
    'MD5', 'GOST94', 'GOST89MAC', 'GOST12',
  ], none],
];

/** Alias name (case-sensitive, as in OpenSSL) → the registry suites it selects. */
export const CIPHER_ALIASES: ReadonlyMap<string, (s: CipherSuite) => boolean> = new Map(
  ALIAS_ROWS.flatMap(([names, select]) => names.map((n) => [n, select] as const)),
);

/** Every registry suite in our preference order: registry order, all AEAD suites before all CBC suites. */
const PREFERENCE: readonly CipherSuite[] = Object.freeze([
  ...CIPHER_SUITES.filter((s) => s.protection.kind === 'aead'),
  ...CIPHER_SUITES.filter((s) => s.protection.kind === 'cbc'),
]);

/**
 * Our default cipher list, as explicit OpenSSL suite names in preference
 * order: what the `DEFAULT` alias selects and the server's default `ciphers`
 * (ECDHE, PSK and ECDHE-PSK suites with AES-GCM or ChaCha20-Poly1305; no CBC,
 * no CCM). A client without `ciphers` offers these followed by the CBC
 * suites (of both, only the PSK suites when it has a `psk`).
 *
 * @example
 * ```ts
 * import { DEFAULT_CIPHER_LIST, createSelfSigned, createServer } from 'puredtls';
 *
 * DEFAULT_CIPHER_LIST.split(':')[0]; // 'ECDHE-ECDSA-AES128-GCM-SHA256'
 * // The defaults, plus AES-CCM-8 for constrained devices (tried last):
 * const { keyPem, certPem } = createSelfSigned();
 * const server = createServer({ key: keyPem, cert: certPem, ciphers: `${DEFAULT_CIPHER_LIST}:ECDHE-ECDSA-AES128-CCM8` });
 * ```
 */
export const DEFAULT_CIPHER_LIST: string = PREFERENCE.filter(isDefault).map((s) => s.openssl).join(':');

/** The suites of {@link DEFAULT_CIPHER_LIST}, in order (a fresh array). */
export function defaultSuites(): CipherSuite[] {
  return PREFERENCE.filter(isDefault);
}

/**
 * The client's default offer: the DEFAULT suites, then the CBC suites as a
 * last resort for legacy servers (with encrypt_then_mac offered). The server
 * never chooses CBC unless its application names CBC suites (S-49), and an
 * offer cannot be downgraded without breaking the Finished check.
 */
export const CLIENT_DEFAULT_CIPHER_LIST: string = [...PREFERENCE.filter(isDefault), ...PREFERENCE.filter((s) => s.protection.kind === 'cbc')]
  .map((s) => s.openssl).join(':');

export function clientDefaultSuites(): CipherSuite[] {
  return [...PREFERENCE.filter(isDefault), ...PREFERENCE.filter((s) => s.protection.kind === 'cbc')];
}

/**
 * Parse an OpenSSL-syntax cipher list into registry suites, in preference
 * order: what the `ciphers` option does. `ALL` and every alias enumerate
 * suites in our preference order (registry order, AEAD before CBC).
 *
 * The syntax is OpenSSL 3.0's (`openssl ciphers`): suite names (OpenSSL or
 * IANA, case-insensitive) and aliases (`DEFAULT`, `ECDHE`, `PSK`, `aECDSA`,
 * `AESGCM`, `CHACHA20`, `AES128`, `CBC`, ...) separated by `:`, joined by `+`
 * to intersect, prefixed by `-` (remove), `!` (remove for good) or `+` (move
 * to the end); `@STRENGTH` sorts by key size. Unknown names are ignored, as in
 * OpenSSL. Differences from OpenSSL: `DEFAULT` is {@link DEFAULT_CIPHER_LIST}
 * and may appear anywhere, IANA names are accepted, `@SECLEVEL` does not
 * filter, Suite B aliases are not supported (every rule and difference is
 * listed in the comment of `CipherListOptions` in src/crypto/cipher-list.ts).
 *
 * @example
 * ```ts
 * import { parseCipherList } from 'puredtls';
 *
 * parseCipherList('ECDHE+AESGCM:!AES256').map((s) => s.openssl);
 * // ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256']
 * parseCipherList('TLS_PSK_WITH_AES_128_CCM_8')[0]?.openssl; // 'PSK-AES128-CCM8'
 * try {
 *   parseCipherList('NO-SUCH-SUITE');
 * } catch (err) {
 *   (err as { code?: string }).code; // 'ERR_DTLS_NO_CIPHERS'
 * }
 * ```
 *
 * @throws TypeError when `spec` is not a string.
 * @throws CipherListError (a RangeError) with `code` `ERR_DTLS_NO_CIPHERS`
 *   when nothing is selected, or `ERR_DTLS_INVALID_CIPHER_LIST` on a syntax
 *   error or an unknown `@` command.
 */
export function parseCipherList(spec: string, opts?: CipherListOptions): CipherSuite[] {
  return parseCipherListFrom(spec, PREFERENCE, opts);
}

/**
 * {@link parseCipherList} with a caller-chosen initial order: aliases
 * enumerate suites in the order of `universe`, and suites not in `universe`
 * cannot be selected. With OpenSSL's own `ALL` order this reproduces
 * `openssl ciphers` exactly (the differential tests use it).
 */
export function parseCipherListFrom(
  spec: string,
  universe: readonly CipherSuite[],
  opts?: CipherListOptions,
): CipherSuite[] {
  const option = opts?.optionName ?? 'ciphers';
  if (typeof spec !== 'string') {
    const got = spec === null ? 'null' : Array.isArray(spec) ? 'an array' : typeof spec;
    throw Object.assign(new TypeError(`${option} must be a string (an OpenSSL cipher list), got ${got}`),
      { code: 'ERR_INVALID_ARG_TYPE' });
  }
  const list = new SuiteOrder(universe);
  const syntax = (offset: number, what: string): CipherListError => new CipherListError(
    'ERR_DTLS_INVALID_CIPHER_LIST', `${option}: "${spec}" is not a valid cipher list: ${what} at offset ${offset}`);

  // A character-level mirror of OpenSSL's ssl_cipher_process_rulestr, so that
  // what is a syntax error there is one here, and what is skipped is skipped.
  let i = 0;
  while (i < spec.length) {
    const ch = spec[i]!;
    if (isSeparator(ch)) { i++; continue; }
    const rule = PREFIXES.get(ch);
    if (rule !== undefined) i++;

    if (rule === 'special') {
      const start = i;
      i = scanName(spec, i);
      if (i === start) throw syntax(start, 'expected a command after "@"');
      const command = spec.slice(start, i);
      if (command === 'STRENGTH') list.strengthSort();
      else if (!/^SECLEVEL=[0-5]$/.test(command)) throw syntax(start - 1, `unknown command "@${command}"`);
      // OpenSSL discards whatever follows a command up to the next separator.
      i = skipElement(spec, i);
      continue;
    }

    let select: Predicate[] | undefined = [];
    for (;;) {
      const start = i;
      i = scanName(spec, i);
      if (i === start) {
        throw syntax(start, i < spec.length ? `unexpected character "${spec[i]}"` : 'unexpected end of list');
      }
      const term = lookupTerm(spec.slice(start, i));
      const more = spec[i] === '+';
      if (more) i++;
      if (term === undefined) { select = undefined; break; }
      select.push(term);
      if (!more) break;
    }
    if (select === undefined) {
      // Unknown name: the whole element is ignored, up to the next separator.
      i = skipElement(spec, i);
      continue;
    }
    list.apply(rule ?? 'add', and(...select));
  }

  const result = list.selected();
  if (result.length === 0) {
    throw new CipherListError('ERR_DTLS_NO_CIPHERS', `${option}: "${spec}" matches no supported cipher suite`);
  }
  return result;
}

type Rule = 'add' | 'del' | 'kill' | 'ord' | 'special';

const PREFIXES: ReadonlyMap<string, Rule> = new Map([['-', 'del'], ['+', 'ord'], ['!', 'kill'], ['@', 'special']]);

function isSeparator(ch: string): boolean {
  return ch === ':' || ch === ',' || ch === ' ' || ch === ';';
}

/** OpenSSL's name characters plus `_`, so IANA names are one word. */
function scanName(spec: string, i: number): number {
  while (i < spec.length && /[A-Za-z0-9._=-]/.test(spec[i]!)) i++;
  return i;
}

function skipElement(spec: string, i: number): number {
  while (i < spec.length && !isSeparator(spec[i]!)) i++;
  return i;
}

function lookupTerm(name: string): Predicate | undefined {
  const alias = CIPHER_ALIASES.get(name);
  if (alias !== undefined) return alias;
  const suite = suiteByName(name);
  return suite === undefined ? undefined : (s) => s.id === suite.id;
}

/**
 * OpenSSL's CIPHER_ORDER list: every selectable suite in one ordered list,
 * each active (selected) or not; killed suites leave the list.
 */
class SuiteOrder {
  private entries: { readonly suite: CipherSuite; active: boolean }[];

  constructor(universe: readonly CipherSuite[]) {
    this.entries = universe.map((suite) => ({ suite, active: false }));
  }

  apply(rule: Exclude<Rule, 'special'>, select: Predicate): void {
    const hit = (e: { suite: CipherSuite; active: boolean }): boolean => RULE_TARGETS[rule](e.active) && select(e.suite);
    const moved = this.entries.filter(hit);
    const rest = this.entries.filter((e) => !hit(e));
    switch (rule) {
      case 'add': // append inactive matches, in list order
        for (const e of moved) e.active = true;
        this.entries = [...rest, ...moved];
        break;
      case 'ord': // move active matches to the end
        this.entries = [...rest, ...moved];
        break;
      case 'del': // deactivate, and move to the front: the next add takes them first
        for (const e of moved) e.active = false;
        this.entries = [...moved, ...rest];
        break;
      case 'kill': // out of the list for good
        this.entries = rest;
        break;
    }
  }

  /** `@STRENGTH`: move active suites to the end by strength, strongest first (stable). */
  strengthSort(): void {
    const strengths = [...new Set(this.entries.filter((e) => e.active).map((e) => e.suite.bits))].sort((a, b) => b - a);
    for (const b of strengths) this.apply('ord', (s) => s.bits === b);
  }

  selected(): CipherSuite[] {
    return this.entries.filter((e) => e.active).map((e) => e.suite);
  }
}

/** Which suites a rule acts on, by their active flag. */
const RULE_TARGETS: Record<Exclude<Rule, 'special'>, (active: boolean) => boolean> = {
  add: (active) => !active,
  ord: (active) => active,
  del: (active) => active,
  kill: () => true,
};
