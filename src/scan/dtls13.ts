/**
 * DTLS 1.3 detection (RFC 9147) without a DTLS 1.3 stack: a ClientHello
 * with supported_versions, key_share, signature_algorithms and
 * supported_groups built here with the codec, and the ServerHello or
 * HelloRetryRequest read for its supported_versions, key_share and cookie
 * (RFC 8446 §4.1.3, §4.2). Also the downgrade check: a 1.2-only ClientHello
 * to a 1.3-capable server must get a ServerHello whose random ends with the
 * RFC 8446 §4.1.3 sentinel `44 4F 57 4E 47 52 44 01`.
 *
 * Kept in its own file so it can move onto the project's DTLS 1.3 codec.
 */
import { Reader } from '../codec/reader.js';
import { encode } from '../codec/writer.js';
import type { GroupName } from '../crypto/provider.js';
import { type Extension, findExtension } from '../handshake/extensions.js';
import type { ServerHello } from '../handshake/messages/server-hello.js';
import { type ScanContext, endExchange, exchangeHello } from './exchange.js';
import type { HelloSpec } from './hello.js';
import { Group, Scheme, ScanExtension as X, Version, groupName } from './names.js';
import { describeAnswer } from './answer.js';
import type { Dtls13Result } from './report.js';

/** TLS 1.3 cipher suites (RFC 8446 §B.4), all defined for DTLS 1.3. */
export const TLS13_SUITES: readonly number[] = [0x1301, 0x1302, 0x1303, 0x1304, 0x1305];

const TLS13_SUITE_NAMES = new Map<number, string>([
  [0x1301, 'TLS_AES_128_GCM_SHA256'], [0x1302, 'TLS_AES_256_GCM_SHA384'], [0x1303, 'TLS_CHACHA20_POLY1305_SHA256'],
  [0x1304, 'TLS_AES_128_CCM_SHA256'], [0x1305, 'TLS_AES_128_CCM_8_SHA256'],
]);

/** SHA-256("HelloRetryRequest"): the random of a HelloRetryRequest (RFC 8446 §4.1.3). */
const HRR_RANDOM = Uint8Array.from(Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex'));
/** The last 8 bytes of a ServerHello random from a 1.3 server that negotiated 1.2 (RFC 8446 §4.1.3). */
export const DOWNGRADE_SENTINEL_12 = Uint8Array.of(0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01);

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** supported_versions (RFC 8446 §4.2.1), client form: `ProtocolVersion versions<2..254>`. */
function supportedVersions(versions: readonly number[]): Extension {
  return { type: X.supported_versions, data: encode((w) => w.vec8((w) => versions.forEach((v) => w.u16(v)))) };
}

/** key_share (RFC 8446 §4.2.8), client form: `KeyShareEntry client_shares<0..2^16-1>`. */
function keyShare(ctx: ScanContext, groups: readonly { id: number; name: GroupName }[]): Extension {
  const shares = groups.map((g) => ({ id: g.id, key: ctx.provider.generateKeyShare(g.name).publicKey }));
  return { type: X.key_share, data: encode((w) => w.vec16((w) => shares.forEach((s) => w.u16(s.id).opaque16(s.key)))) };
}

/** The ServerHello's (or HelloRetryRequest's) 1.3 extensions. Throws DecodeError on nonsense. */
function read13(sh: ServerHello): { version?: number; group?: number; cookie?: Uint8Array } {
  const out: { version?: number; group?: number; cookie?: Uint8Array } = {};
  const sv = findExtension(sh.extensions, X.supported_versions);
  if (sv) {
    const r = new Reader(sv);
    out.version = r.u16('selected_version');
    r.end('supported_versions');
  }
  const ks = findExtension(sh.extensions, X.key_share);
  if (ks) out.group = new Reader(ks).u16('group'); // HRR: selected_group; ServerHello: KeyShareEntry
  const ck = findExtension(sh.extensions, X.cookie);
  if (ck) {
    const r = new Reader(ck);
    out.cookie = Uint8Array.from(r.vec16(1, 0xffff, 'cookie'));
    r.end('cookie');
  }
  return out;
}

function spec13(ctx: ScanContext, sni: string | undefined, extra: readonly Extension[], groups: readonly { id: number; name: GroupName }[]): HelloSpec {
  return {
    suites: [...TLS13_SUITES, 0xc02b, 0xc02f, 0xc0ae, 0x00a8],
    groups: [Group.x25519, Group.secp256r1, Group.secp384r1],
    schemes: [Scheme.ecdsa_secp256r1_sha256, Scheme.ecdsa_secp384r1_sha384, Scheme.ed25519, Scheme.rsa_pss_rsae_sha256, Scheme.rsa_pkcs1_sha256],
    ...(sni !== undefined && { sni }),
    extra: [supportedVersions([Version.dtls13, Version.dtls12]), keyShare(ctx, groups), ...extra],
  };
}

/**
 * Whether a ServerHello random carries the sentinel a 1.3-capable server
 * puts in a 1.2 ServerHello (RFC 8446 §4.1.3).
 */
export function hasDowngradeSentinel(random: Uint8Array): boolean {
  return sameBytes(random.subarray(24), DOWNGRADE_SENTINEL_12);
}

/**
 * Probe for DTLS 1.3. The ClientHello carries an empty key_share, so a
 * 1.3 server must answer with a HelloRetryRequest naming its group (RFC 8446
 * §4.1.1, §4.2.8): that answer already says "DTLS 1.3" (its
 * supported_versions, §4.1.4), shows whether a cookie protects the server
 * (RFC 9147 §5.1), and, with a cookie, leaves no state behind, so nothing
 * has to be torn down (a DTLS 1.3 server that already sent its encrypted
 * flight cannot be aborted with a plaintext alert).
 */
export async function probeDtls13(ctx: ScanContext, sni: string | undefined): Promise<Dtls13Result> {
  const none: Dtls13Result = {
    supported: null, answer: '', helloRetryRequest: false, hrrCookie: false, selectedGroup: null, selectedSuite: null,
      downgradeSentinel: null, downgradeAnswer: null,
  };
  const ex = await exchangeHello(ctx, spec13(ctx, sni, [], []), { keepOpen: true, helloOnly: true });
  let result: Dtls13Result;
  try {
    if (!ex.serverHello) {
      return { ...none, supported: ex.outcome === 'alert' || ex.outcome === 'helloVerifyRequestOnly' ? false : null, answer: describeAnswer(ex) };
    }
    const sh = ex.serverHello;
    let info: ReturnType<typeof read13>;
    try {
      info = read13(sh);
    } catch (e) {
      return { ...none, answer: `malformed ServerHello: ${(e as Error).message}` };
    }
    const hrr = sameBytes(sh.random, HRR_RANDOM);
    const supported = info.version === Version.dtls13;
    const name = supported ? 'DTLS 1.3' : sh.serverVersion === Version.dtls12 ? 'DTLS 1.2' : `0x${sh.serverVersion.toString(16)}`;
    result = {
      ...none, supported, helloRetryRequest: hrr, hrrCookie: hrr && info.cookie !== undefined,
      answer: `${hrr ? 'HelloRetryRequest' : 'ServerHello'} for ${name}${hrr && info.cookie ? ' with a cookie' : ''}`,
      selectedGroup: supported && info.group !== undefined ? groupName(info.group) : null,
      selectedSuite: supported ? TLS13_SUITE_NAMES.get(sh.cipherSuite) ?? `0x${sh.cipherSuite.toString(16)}` : null,
    };
  } finally {
    // A fatal alert either way: a server that kept state for its
    // HelloRetryRequest frees it. (wolfSSL's example server still waits on
    // this port for a second hello; the scan probes 1.3 last for that reason.)
    await endExchange(ex);
  }
  return result;
}
