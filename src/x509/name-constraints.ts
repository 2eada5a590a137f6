/**
 * Name constraints (RFC 5280 §4.2.1.10, §6.1.3 (b)-(c), §6.1.4 (g)) for every
 * GeneralName form a certificate can carry:
 *
 * - dNSName: a constraint `example.com` covers it and every name below it
 *   (not `notexample.com`); the empty constraint covers everything. A
 *   constraint with a wildcard, a leading or trailing period or an invalid
 *   label is malformed. A wildcard SAN `*.example.com` stands for every name
 *   it can match: it is permitted only when `example.com` is inside a
 *   permitted subtree, and excluded as soon as any name it matches is
 *   (`bar.example.com` excluded excludes `*.example.com`).
 * - iPAddress: address and contiguous mask, IPv4 (8 bytes) against 4-byte
 *   names and IPv6 (32 bytes) against 16-byte names; an IPv4-mapped IPv6
 *   name is checked as both. Other lengths are malformed.
 * - directoryName: a prefix of the RDN sequence, applied to the subject and
 *   to directoryName SANs.
 * - rfc822Name: a mailbox (`user@host`), a host (`example.com`) or a domain
 *   (`.example.com`, hosts below it); applied to rfc822Name SANs, and to the
 *   subject's emailAddress attributes when there is no SAN.
 * - uniformResourceIdentifier: a host (`host.example.com`) or a domain
 *   (`.example.com`) applied to the URI's host; a URI without a host name is
 *   outside every subtree.
 * - otherName, x400Address, ediPartyName, registeredID: not evaluated; a
 *   certificate below a constraint of such a form that carries a name of
 *   that form is refused.
 *
 * The subject CN counts as a dNSName of the end-entity certificate when it
 * is used as its name (no subjectAltName). Self-issued intermediates are not
 * checked (§6.1.4 (g)); the end-entity certificate always is. Every
 * name × constraint comparison spends from the validation's work budget.
 */
import type { ParsedCertificate } from './certificate.js';
import type { WorkBudget } from './budget.js';
import type { NameConstraints } from './extensions.js';
import type { GeneralName, GeneralNameType } from './general-names.js';
import { cnHostNames, isValidDnsName } from './hostname.js';
import { attributeValues, type X509Name } from './names.js';
import { OID } from './oids.js';

/** The names of one certificate that constraints apply to. */
interface SubjectNames {
  dns: string[];
  ip: Uint8Array[];
  email: { local: string; domain: string }[];
  uri: (string | undefined)[];
  dir: X509Name[];
  /** Forms we do not evaluate that the certificate carries. */
  other: Set<GeneralNameType>;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; why: string };

function parseEmail(s: string): { local: string; domain: string } | undefined {
  const at = s.indexOf('@');
  if (at <= 0) return undefined;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a second '@' would be in the domain, which isValidDnsName refuses below
  if (at !== s.lastIndexOf('@')) return undefined;
  const domain = s.slice(at + 1).toLowerCase();
  return isValidDnsName(domain) ? { local: s.slice(0, at), domain } : undefined;
}

/** The host of a URI with an authority part, lowercased; `undefined` when it has none or it is not a host name. */
export function uriHost(uri: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(uri);
  if (m === null) return undefined;
  let host = m[1]!.slice(m[1]!.lastIndexOf('@') + 1);
  // Stryker disable next-line ConditionalExpression,MethodExpression: isValidDnsName refuses any host with a '[' as well
  if (host.startsWith('[')) return undefined; // IP literal: not a host name
  host = host.replace(/:\d*$/, '').toLowerCase();
  return isValidDnsName(host) ? host : undefined;
}

/** Whether an iPAddress is an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`); a 4-byte one has no byte 10. */
function isV4Mapped(b: Uint8Array): boolean {
  return b[10] === 0xff && b[11] === 0xff && b.subarray(0, 10).every((x) => x === 0);
}

/** Collect the names of `cert`; `isLeaf` adds the CN / emailAddress fallbacks. */
function subjectNames(cert: ParsedCertificate, isLeaf: boolean): Parsed<SubjectNames> {
  const out: SubjectNames = { dns: [], ip: [], email: [], uri: [], dir: [], other: new Set() };
  if (cert.subject.rdns.length > 0) out.dir.push(cert.subject);
  // Stryker disable next-line ArrayDeclaration: an entry of no GeneralName type lands in `other`, which only the otherName/x400/ediParty/registeredID types are looked up in
  for (const n of cert.subjectAltName ?? []) {
    switch (n.type) {
      case 'dns':
        if (!isValidDnsName(n.value, true)) return { ok: false, why: `malformed dNSName "${n.value}"` };
        out.dns.push(n.value.toLowerCase());
        break;
      case 'ip':
        if (n.bytes.length !== 4 && n.bytes.length !== 16) return { ok: false, why: `iPAddress of ${n.bytes.length} bytes` };
        out.ip.push(n.bytes);
        if (isV4Mapped(n.bytes)) out.ip.push(n.bytes.subarray(12));
        break;
      case 'email': {
        const e = parseEmail(n.value);
        if (e === undefined) return { ok: false, why: `malformed rfc822Name "${n.value}"` };
        out.email.push(e);
        break;
      }
      case 'uri':
        out.uri.push(uriHost(n.value));
        break;
      case 'dirName':
        out.dir.push(n.name);
        break;
      default:
        out.other.add(n.type);
    }
  }
  if (cert.subjectAltName === undefined) {
    if (isLeaf) out.dns.push(...cnHostNames(cert).map((n) => n.toLowerCase()));
    for (const v of attributeValues(cert.subject, OID.emailAddress)) {
      const e = parseEmail(v);
      if (e === undefined) return { ok: false, why: `malformed emailAddress "${v}" in the subject` };
      out.email.push(e);
    }
  }
  return { ok: true, value: out };
}

function dnsWithin(name: string, base: string): boolean {
  return base === '' || name === base || name.endsWith('.' + base);
}

/** Whether every name a (possibly wildcard) DNS name stands for is inside `base`. */
function dnsCovered(name: string, base: string): boolean {
  // Stryker disable next-line MethodExpression: `*.r` ends with `.base` exactly when r is base or ends with `.base` (base has no `*`): dnsWithin gives the same answer on the unstripped name
  return dnsWithin(name.startsWith('*.') ? name.slice(2) : name, base);
}

/** Whether some name a (possibly wildcard) DNS name stands for is inside `base`. */
function dnsTouches(name: string, base: string): boolean {
  if (!name.startsWith('*.')) return dnsWithin(name, base);
  const rest = name.slice(2);
  if (dnsWithin(rest, base)) return true;
  // `base` is one label below `rest`: the wildcard matches `base` itself.
  const dot = base.indexOf('.');
  // Stryker disable next-line ConditionalExpression,EqualityOperator,BooleanLiteral: a valid base has no empty label (dot is never 0), and at dot = -1 base.slice(0) === rest was answered by dnsWithin above
  if (dot < 0) return false;
  return base.slice(dot + 1) === rest;
}

function ipWithin(ip: Uint8Array, base: Uint8Array): boolean {
  const half = base.length / 2;
  if (ip.length !== half) return false;
  // Stryker disable next-line EqualityOperator: at i = half both sides are undefined & undefined = 0
  for (let i = 0; i < half; i++) if ((ip[i]! & base[half + i]!) !== (base[i]! & base[half + i]!)) return false;
  return true;
}

function dirWithin(name: X509Name, base: X509Name): boolean {
  // A base longer than the name fails at the name's end (undefined is no RDN key).
  return base.rdnKeys.every((k, i) => name.rdnKeys[i] === k);
}

function emailWithin(e: { local: string; domain: string }, base: string): boolean {
  const b = base.toLowerCase();
  if (base.includes('@')) {
    const at = base.indexOf('@');
    return e.local === base.slice(0, at) && e.domain === b.slice(at + 1);
  }
  if (b.startsWith('.')) return e.domain.endsWith(b);
  return e.domain === b;
}

function uriWithin(host: string | undefined, base: string): boolean {
  if (host === undefined) return false;
  const b = base.toLowerCase();
  return b.startsWith('.') ? host.endsWith(b) : host === b;
}

/** Why a constraint base is malformed, or `undefined`. */
function malformedBase(base: GeneralName): string | undefined {
  switch (base.type) {
    case 'dns':
      return base.value === '' || isValidDnsName(base.value) ? undefined : `malformed dNSName constraint "${base.value}"`;
    case 'ip': {
      const b = base.bytes;
      if (b.length !== 8 && b.length !== 32) return `iPAddress constraint of ${b.length} bytes`;
      let ones = true;
      for (const byte of b.subarray(b.length / 2)) {
        for (let bit = 7; bit >= 0; bit--) {
          const set = ((byte >> bit) & 1) === 1;
          if (set && !ones) return 'iPAddress constraint with a non-contiguous mask';
          if (!set) ones = false;
        }
      }
      return undefined;
    }
    case 'email': {
      const v = base.value;
      const ok = v.includes('@') ? parseEmail(v) !== undefined : isValidDnsName(v.startsWith('.') ? v.slice(1) : v);
      return ok ? undefined : `malformed rfc822Name constraint "${v}"`;
    }
    case 'uri': {
      const v = base.value;
      return isValidDnsName(v.startsWith('.') ? v.slice(1) : v) ? undefined : `malformed URI constraint "${v}"`;
    }
    // Stryker disable next-line ConditionalExpression: without the default clause the function returns undefined as well
    default:
      return undefined;
  }
}

/** One type's permitted and excluded check: `within(name, base)` for membership, `touches` for exclusion. */
function checkType<N>(
  names: readonly N[],
  permitted: readonly GeneralName[],
  excluded: readonly GeneralName[],
  covered: (n: N, b: GeneralName) => boolean,
  touches: (n: N, b: GeneralName) => boolean,
  budget: WorkBudget,
  label: (n: N) => string,
): string | undefined {
  // Stryker disable next-line ConditionalExpression,BlockStatement: without names the loop below finds nothing and compare(0) spends nothing; this only skips the work
  if (names.length === 0) return undefined;
  budget.compare(names.length * (permitted.length + excluded.length));
  for (const n of names) {
    if (excluded.some((b) => touches(n, b))) return `${label(n)} is in an excluded subtree`;
    if (permitted.length > 0 && !permitted.some((b) => covered(n, b))) return `${label(n)} is outside the permitted subtrees`;
  }
  return undefined;
}

function ofType<T extends GeneralNameType>(list: readonly GeneralName[], type: T): Extract<GeneralName, { type: T }>[] {
  return list.filter((b): b is Extract<GeneralName, { type: T }> => b.type === type);
}

/** The first violation of `nc` by the names `names`, or `undefined`. */
function violation(names: SubjectNames, nc: NameConstraints, budget: WorkBudget): string | undefined {
  const p = nc.permitted;
  const x = nc.excluded;
  for (const base of [...p, ...x]) {
    // `other` holds only the forms not evaluated (otherName, x400, ediParty, registeredId).
    if (names.other.has(base.type)) {
      return `a ${base.type} name is constrained by a name form that is not evaluated`;
    }
  }
  const dnsName = (n: string): string => `dNSName "${n}"`;
  return (
    checkType(names.dns, ofType(p, 'dns'), ofType(x, 'dns'), (n, b) => dnsCovered(n, (b as { value: string }).value.toLowerCase()),
      (n, b) => dnsTouches(n, (b as { value: string }).value.toLowerCase()), budget, dnsName) ??
    checkType(names.ip, ofType(p, 'ip'), ofType(x, 'ip'), (n, b) => ipWithin(n, (b as { bytes: Uint8Array }).bytes),
      (n, b) => ipWithin(n, (b as { bytes: Uint8Array }).bytes), budget, (n) => `iPAddress ${[...n].join(n.length === 4 ? '.' : ',')}`) ??
    checkType(names.dir, ofType(p, 'dirName'), ofType(x, 'dirName'), (n, b) => dirWithin(n, (b as { name: X509Name }).name),
      (n, b) => dirWithin(n, (b as { name: X509Name }).name), budget, () => 'a directoryName') ??
    checkType(names.email, ofType(p, 'email'), ofType(x, 'email'), (n, b) => emailWithin(n, (b as { value: string }).value),
      (n, b) => emailWithin(n, (b as { value: string }).value), budget, (n) => `rfc822Name "${n.local}@${n.domain}"`) ??
    checkType(names.uri, ofType(p, 'uri'), ofType(x, 'uri'), (n, b) => uriWithin(n, (b as { value: string }).value),
      (n, b) => uriWithin(n, (b as { value: string }).value), budget, (n) => (n === undefined ? 'a URI without a host name' : `URI host "${n}"`))
  );
}

/** A name-constraint failure: the certificate at `depth` breaks (or cannot be checked against) the constraints at `caDepth`. */
export interface NameConstraintFailure {
  readonly depth: number;
  readonly caDepth: number;
  readonly reason: string;
}

/**
 * Check every certificate of `path` (leaf first, trust anchor last) against
 * the name constraints of each CA above it. Returns the first failure.
 *
 * @throws {TooComplex} when the budget's comparisons run out.
 */
export function checkNameConstraints(path: readonly ParsedCertificate[], budget: WorkBudget): NameConstraintFailure | undefined {
  const names = new Map<number, Parsed<SubjectNames>>();
  for (let i = 1; i < path.length; i++) {
    const nc = path[i]!.nameConstraints;
    if (nc === undefined) continue;
    for (const base of [...nc.permitted, ...nc.excluded]) {
      const bad = malformedBase(base);
      if (bad !== undefined) return { depth: i, caDepth: i, reason: bad };
    }
    for (let j = 0; j < i; j++) {
      const c = path[j]!;
      if (j > 0 && c.selfIssued) continue;
      let n = names.get(j);
      // Stryker disable next-line ConditionalExpression: a cache: subjectNames(c) is the same each time
      if (n === undefined) {
        n = subjectNames(c, j === 0);
        // Stryker disable next-line CallExpression: the same cache
        names.set(j, n);
      }
      const reason = n.ok ? violation(n.value, nc, budget) : `${n.why} cannot be checked against name constraints`;
      if (reason !== undefined) return { depth: j, caDepth: i, reason };
    }
  }
  return undefined;
}
