/**
 * IP address literals: parsing (for host matching) and the two text forms we
 * print — RFC 5952 canonical text, and the uncompressed form Node/OpenSSL use
 * in `subjectaltname`.
 */

const IPV4_OCTET = /^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])$/;

function parseIpv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!IPV4_OCTET.test(parts[i]!)) return undefined;
    out[i] = Number(parts[i]);
  }
  return out;
}

function parseIpv6(s: string): Uint8Array | undefined {
  // Stryker disable next-line ConditionalExpression,Regex: a fast refusal: any other character fails the group pattern or the IPv4 octets below
  if (!/^[0-9A-Fa-f:.]+$/.test(s)) return undefined;
  const halves = s.split('::');
  // Stryker disable next-line ConditionalExpression: with a second '::' the whole text is parsed as groups below, where the empty groups fail
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string, allowV4Tail: boolean): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (i === groups.length - 1 && allowV4Tail && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (v4 === undefined) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(halves[0]!, false);
    const tail = parseGroups(halves[1]!, true);
    if (head === undefined || tail === undefined) return undefined;
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    const all = parseGroups(s, true);
    if (all === undefined || all.length !== 8) return undefined;
    groups = all;
  }
  const out = new Uint8Array(16);
  // Stryker disable next-line EqualityOperator: at i = 8, groups[8] is undefined and writes past the array's end are dropped
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i]! >> 8;
    out[2 * i + 1] = groups[i]! & 0xff;
  }
  return out;
}

/**
 * Parse an IPv4 (dotted quad, no leading zeros) or IPv6 literal (RFC 4291
 * text, optionally in brackets, with an optional dotted IPv4 tail). Returns
 * 4 or 16 bytes, or `undefined` for anything else (host names, zone ids).
 */
export function parseIpAddress(text: string): Uint8Array | undefined {
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.includes(':')) return parseIpv6(s);
  return parseIpv4(s);
}

/** True when `text` is an IPv4 or IPv6 literal accepted by {@link parseIpAddress}. */
export function isIpAddress(text: string): boolean {
  return parseIpAddress(text) !== undefined;
}

/**
 * Canonical text of a 4- or 16-byte address: dotted quad, or RFC 5952
 * (lowercase, no leading zeros, longest run of two or more zero groups
 * compressed to `::`, IPv4-mapped as `::ffff:a.b.c.d`). Other lengths give
 * `undefined`.
 */
export function formatIpAddress(b: Uint8Array): string | undefined {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) return undefined;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[2 * i]! << 8) | b[2 * i + 1]!);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestLen < 2) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/**
 * The text Node (and OpenSSL) print for an `IP Address:` subject alternative
 * name: dotted quad, or eight uppercase hex groups without compression
 * (`0:0:0:0:0:0:0:1`); other lengths print `<invalid length=N>`.
 */
export function formatIpAddressNode(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) return `<invalid length=${b.length}>`;
  const g: string[] = [];
  for (let i = 0; i < 8; i++) g.push(((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16).toUpperCase());
  return g.join(':');
}
