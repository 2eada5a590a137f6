/**
 * Host names in certificates (RFC 6125, RFC 5280 §4.2.1.6, RFC 1123): the
 * syntax a dNSName must have, and matching a reference host against a
 * certificate (SAN dNSName / iPAddress; the subject CN only when the
 * certificate has no subjectAltName extension, and never for IP addresses).
 */
import { constantTimeEqual } from '../crypto/ct.js';
import type { ParsedCertificate } from './certificate.js';
import { namesOfType } from './general-names.js';
import { formatIpAddress, isIpAddress, parseIpAddress } from './ip.js';
import { attributeValues } from './names.js';
import { OID } from './oids.js';


const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Whether `name` is a host name in preferred name syntax (RFC 1123 §2.1,
 * RFC 5280 §4.2.1.6): dot-separated labels of 1..63 letters, digits and
 * hyphens (not first or last), at most 253 characters, no empty label, no
 * trailing dot, no underscore. With `wildcard`, the left-most label may be
 * exactly `*` when at least one label follows (RFC 6125 §6.4.3; partial
 * wildcards such as `f*.example.com` are refused).
 */
export function isValidDnsName(name: string, wildcard = false): boolean {
  // The empty name is one empty label, which LABEL refuses.
  if (name.length > 253) return false;
  const labels = name.toLowerCase().split('.');
  const start = wildcard && labels[0] === '*' ? 1 : 0;
  if (start === labels.length) return false;
  // Stryker disable next-line EqualityOperator: at i = labels.length, LABEL.test(undefined) tests the string "undefined", which it accepts
  for (let i = start; i < labels.length; i++) if (!LABEL.test(labels[i]!)) return false;
  return true;
}

/** A reference host (what the application connects to) lowercased without a trailing dot, or `undefined` when it is no valid host name. */
function normalizeHost(host: string): string | undefined {
  let h = host.toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  return isValidDnsName(h) ? h : undefined;
}

/**
 * RFC 6125 §6.4 match of a presented DNS identifier against a reference host
 * (both case-insensitive, a trailing dot on the host ignored): exact match,
 * or a wildcard that is the whole leftmost label (`*.example.com`) of a name
 * with at least three labels, matching exactly one non-empty label.
 * Partial-label wildcards (`f*.example.com`), wildcards elsewhere and
 * presented names that are not valid host names never match.
 */
export function matchDnsName(pattern: string, host: string): boolean {
  const h = normalizeHost(host);
  if (h === undefined || !isValidDnsName(pattern, true)) return false;
  const p = pattern.toLowerCase();
  if (!p.startsWith('*.')) return p === h;
  const rest = p.slice(2);
  if (!rest.includes('.')) return false;
  const dot = h.indexOf('.');
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a valid host has no empty label (dot is never 0), and at dot = -1 the whole host, which has no dot, cannot equal rest, which has one
  return dot > 0 && h.slice(dot + 1) === rest;
}

/**
 * The subject CNs a certificate without a subjectAltName extension is
 * identified by: those that are valid host names (a leading `*` label
 * allowed) and not IP addresses. Empty when the certificate has a SAN.
 */
export function cnHostNames(cert: ParsedCertificate): string[] {
  // Stryker disable next-line ConditionalExpression,ArrayDeclaration: both callers (checkHostname, name constraints) call it only for a certificate without a SAN
  if (cert.subjectAltName !== undefined) return [];
  return attributeValues(cert.subject, OID.commonName).filter((cn) => !isIpAddress(cn) && isValidDnsName(cn, true));
}

/**
 * Whether `cert` is valid for `host` (RFC 6125): an IP literal (IPv4, or
 * IPv6 in any RFC 4291 form, brackets allowed) matches only iPAddress SANs,
 * byte for byte; a DNS name matches dNSName SANs (see {@link matchDnsName}),
 * or the subject CNs when the certificate has no subjectAltName extension at
 * all. Case-insensitive; a trailing dot is ignored.
 */
export function checkHostname(cert: ParsedCertificate, host: string): boolean {
  const ip = parseIpAddress(host);
  if (ip !== undefined) return namesOfType(cert.subjectAltName, 'ip').some((n) => constantTimeEqual(n.bytes, ip));
  // Stryker disable next-line ConditionalExpression: matchDnsName refuses an invalid host as well; this only skips the work
  if (normalizeHost(host) === undefined) return false;
  const names = cert.subjectAltName !== undefined ? namesOfType(cert.subjectAltName, 'dns').map((n) => n.value) : cnHostNames(cert);
  return names.some((n) => matchDnsName(n, host));
}

/** The names `cert` presents, for a message: its SANs as text, or `CN=...` without them. */
export function presentedNames(cert: ParsedCertificate): string {
  if (cert.subjectAltName === undefined) return `CN=${attributeValues(cert.subject, OID.commonName).join(', ')}`;
  return cert.subjectAltName
    .map((n) => (n.type === 'dns' ? `DNS:${n.value}` : n.type === 'ip' ? `IP:${formatIpAddress(n.bytes) ?? '<invalid>'}` : n.type))
    .join(', ');
}
