/**
 * X.509 `Time` values (RFC 5280 §4.1.2.5): decoding, the encoding rules a
 * validator enforces, and the text OpenSSL and Node print.
 */
import * as asn1js from 'asn1js';
import { primitiveBytes } from './asn1.js';
import { fail } from './malformed.js';
import { latin1 } from './util.js';

/** A decoded `Time`: the instant, and a description of how its encoding breaks RFC 5280 §4.1.2.5 (if it does). */
export interface DecodedTime {
  readonly date: Date;
  /** Set when the value decodes but is not in RFC 5280's form (GeneralizedTime before 2050, fractional seconds). */
  readonly problem?: string;
}

/**
 * Decode a `Time` (UTCTime or GeneralizedTime, `Z` form). What cannot be read
 * throws; a readable value that RFC 5280 §4.1.2.5 forbids (GeneralizedTime
 * for a year before 2050, fractional seconds) decodes with a `problem`, so
 * that a certificate can still be displayed while a validator refuses it.
 */
export function decodeTime(node: asn1js.AsnType | undefined, what: string): DecodedTime {
  const isUtc = node instanceof asn1js.UTCTime && !(node instanceof asn1js.GeneralizedTime);
  const isGen = node instanceof asn1js.GeneralizedTime;
  const bytes = isUtc || isGen ? primitiveBytes(node) : undefined;
  if (bytes === undefined) fail(`${what} is not a Time`);
  const s = latin1(bytes);
  const m = isUtc
    ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
    : // Stryker disable next-line Regex: asn1js (decodeDer) already refuses a GeneralizedTime with anything before its digits or after its Z
      /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/.exec(s);
  if (m === null) fail(`${what}: malformed time "${s}"`);
  let year = Number(m[1]);
  if (isUtc) year += year >= 50 ? 1900 : 2000;
  const [month, day, hour, minute, second] = [2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const ms = m[7] !== undefined ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const t = Date.UTC(year, month! - 1, day!, hour!, minute!, second!, ms);
  const d = new Date(t);
  // Date.UTC maps years 0..99 to 1900..1999: such years fail the check below.
  if (
    Number.isNaN(t) ||
    d.getUTCFullYear() !== year ||
    // Date.UTC carries a field out of range (two digits: at most 99) into the next larger
    // one, whose check then fails too, up to the year: without any single one of the checks
    // below the same dates are refused (together they say what a valid date is).
    // Stryker disable next-line ConditionalExpression: see above
    d.getUTCMonth() !== month! - 1 ||
    // Stryker disable next-line ConditionalExpression: see above
    d.getUTCDate() !== day ||
    // Stryker disable next-line ConditionalExpression: see above
    d.getUTCHours() !== hour ||
    // Stryker disable next-line ConditionalExpression: see above
    d.getUTCMinutes() !== minute ||
    // Stryker disable next-line ConditionalExpression: see above
    d.getUTCSeconds() !== second
  ) {
    fail(`${what}: invalid date "${s}"`);
  }
  if (m[7] !== undefined) return { date: d, problem: `${what} has fractional seconds ("${s}")` };
  if (isGen && year < 2050) return { date: d, problem: `${what} is a GeneralizedTime for a year before 2050 ("${s}")` };
  return { date: d };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A date as OpenSSL's `ASN1_TIME_print` (and Node's `valid_from`): `Jan  1 00:00:00 2025 GMT`. */
export function formatCertificateTime(d: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    `${MONTHS[d.getUTCMonth()]!} ${String(d.getUTCDate()).padStart(2, ' ')} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()} GMT`
  );
}
