/**
 * PEM (RFC 7468) encoding and decoding, and the certificate-input shapes that
 * Node's `tls` options accept (`ca`, `cert`).
 *
 * Errors: malformed PEM or certificate input throws {@link KeyError}
 * (`ERR_DTLS_INVALID_KEY`): it is local configuration material, never peer data.
 */
import { KeyError } from '../errors.js';
import { tlvLength } from './asn1.js';
import { base64DecodeStrict, base64Encode, toBytes } from './util.js';

/** One decoded PEM block. */
export interface PemBlock {
  /** The label between `BEGIN ` and `-----`, e.g. `CERTIFICATE`. */
  label: string;
  /** The decoded base64 body. */
  der: Uint8Array;
  /**
   * RFC 1421 encapsulated headers (`Proc-Type`, `DEK-Info`, ...) when the
   * block has any; legacy encrypted keys carry them.
   */
  headers?: Record<string, string>;
}

const BEGIN_RE = /^-----BEGIN ([^-]*(?:-[^-]+)*?)-----$/;
const END_RE = /^-----END ([^-]*(?:-[^-]+)*?)-----$/;

function textOf(input: string | Uint8Array): string {
  if (typeof input === 'string') return input;
  return new TextDecoder('utf-8').decode(input);
}

/**
 * Decode every PEM block in `text`, in order.
 *
 * Tolerant of CRLF/CR line endings, leading/trailing whitespace on lines,
 * and any text outside the blocks (comments, `openssl x509 -text` output).
 * Strict inside a block: the END label must match the BEGIN label, and the
 * body (whitespace removed) must be canonical base64 with correct padding.
 * RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`, ...) before a blank line are
 * returned in `headers`.
 *
 * @param text PEM text, or its bytes (decoded as UTF-8).
 * @returns The blocks; an empty array when there is none.
 * @throws {KeyError} on an unterminated block, a label mismatch, or invalid base64.
 */
export function pemDecode(text: string | Uint8Array): PemBlock[] {
  const lines = textOf(text).split(/\r\n|\r|\n/);
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const begin = BEGIN_RE.exec(lines[i]!.trim());
    if (begin === null) continue;
    const label = begin[1]!;
    const body: string[] = [];
    let end = -1;
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j]!.trim();
      const m = END_RE.exec(line);
      if (m !== null) {
        if (m[1] !== label) throw new KeyError(`PEM block "${label}" ends with "END ${m[1]!}"`);
        end = j;
        break;
      }
      if (BEGIN_RE.test(line)) throw new KeyError(`PEM block "${label}" is not terminated before the next BEGIN line`);
      body.push(line);
    }
    if (end < 0) throw new KeyError(`PEM block "${label}" has no END line`);
    // Optional RFC 1421 headers: "Name: value" lines (with continuations) up to a blank line.
    let k = 0;
    while (k < body.length && body[k] === '') k++;
    let headers: Record<string, string> | undefined;
    if (k < body.length && body[k]!.includes(':')) {
      headers = {};
      let last: string | undefined;
      for (; k < body.length && body[k] !== ''; k++) {
        const raw = lines[i + 1 + k]!;
        if (/^[ \t]/.test(raw) && last !== undefined) {
          headers[last] += body[k]!;
          continue;
        }
        const colon = body[k]!.indexOf(':');
        if (colon <= 0) throw new KeyError(`PEM block "${label}": malformed header line`);
        last = body[k]!.slice(0, colon).trim();
        headers[last] = body[k]!.slice(colon + 1).trim();
      }
    }
    const b64 = body.slice(k).join('').replace(/[ \t]+/g, '');
    const der = base64DecodeStrict(b64);
    if (der === undefined) throw new KeyError(`PEM block "${label}" has invalid base64`);
    blocks.push(headers === undefined ? { label, der } : { label, der, headers });
    i = end;
  }
  return blocks;
}

/**
 * Encode `der` as one PEM block: 64-character base64 lines, LF line endings,
 * a trailing newline.
 *
 * @param label e.g. `CERTIFICATE`, `PRIVATE KEY`.
 */
export function pemEncode(label: string, der: Uint8Array): string {
  const b64 = base64Encode(der);
  let out = `-----BEGIN ${label}-----\n`;
  for (let i = 0; i < b64.length; i += 64) out += b64.slice(i, i + 64) + '\n';
  return out + `-----END ${label}-----\n`;
}

const CERT_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
const CRL_LABELS = new Set(['X509 CRL']);

/** Split concatenated DER SEQUENCEs. */
function splitDer(b: Uint8Array, what: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = 0;
  while (p < b.length) {
    const n = b[p] === 0x30 ? tlvLength(b, p) : undefined;
    if (n === undefined) throw new KeyError(`DER ${what} input is malformed`);
    out.push(b.slice(p, p + n));
    p += n;
  }
  return out;
}

type DerInput = string | Uint8Array | ArrayBuffer | readonly (string | Uint8Array | ArrayBuffer)[];

/** DER SEQUENCEs from PEM blocks with one of `labels`, or from DER input (several may be concatenated), in input order. */
function derObjects(input: DerInput, labels: ReadonlySet<string>, what: string): Uint8Array[] {
  const items = Array.isArray(input) ? (input as readonly (string | Uint8Array | ArrayBuffer)[]) : [input as string | Uint8Array | ArrayBuffer];
  const out: Uint8Array[] = [];
  const first = [...labels][0]!;
  for (const item of items) {
    if (typeof item !== 'string' && !(item instanceof Uint8Array) && !(item instanceof ArrayBuffer)) {
      throw new KeyError(`${what} input must be a string, a Uint8Array/Buffer, or an array of those`);
    }
    const bytes = typeof item === 'string' ? undefined : toBytes(item);
    if (bytes !== undefined && bytes[0] === 0x30) {
      out.push(...splitDer(bytes, what));
      continue;
    }
    const blocks = pemDecode(bytes ?? (item as string));
    let found = 0;
    for (const block of blocks) {
      if (!labels.has(block.label)) continue;
      const n = block.der[0] === 0x30 ? tlvLength(block.der) : undefined;
      if (n === undefined || (n !== block.der.length && block.label !== 'TRUSTED CERTIFICATE')) {
        throw new KeyError(`PEM "${block.label}" block does not hold one DER ${what}`);
      }
      out.push(block.der.slice(0, n));
      found++;
    }
    if (found === 0) throw new KeyError(`no ${first} PEM block found in ${what} input`);
  }
  if (out.length === 0) throw new KeyError(`no ${what} given`);
  return out;
}

/**
 * Certificates (DER) from any of the shapes Node's `tls` `ca`/`cert` options
 * take, plus DER: a PEM string or buffer with one or more `CERTIFICATE`
 * blocks (other blocks, e.g. keys, are skipped; `X509 CERTIFICATE` and
 * OpenSSL's `TRUSTED CERTIFICATE` are accepted, the latter's trust data
 * dropped), a DER certificate (or several concatenated), or an array of any
 * of those. Certificates are returned in input order; they are checked only
 * to be one well-framed DER SEQUENCE each — use `parseCertificate` to decode.
 *
 * @throws {KeyError} when the input holds no certificate or is malformed.
 */
export function certificatesFromPem(input: DerInput): Uint8Array[] {
  return derObjects(input, CERT_LABELS, 'certificate');
}

/**
 * CRLs (DER) from the shapes Node's `tls` `crl` option takes: PEM with one or
 * more `X509 CRL` blocks (other blocks skipped), DER (one or several
 * concatenated), or an array of those. Only the framing is checked — use
 * `parseCrl` to decode.
 *
 * @throws {KeyError} when the input holds no CRL or is malformed.
 */
export function crlsFromPem(input: DerInput): Uint8Array[] {
  return derObjects(input, CRL_LABELS, 'CRL');
}
