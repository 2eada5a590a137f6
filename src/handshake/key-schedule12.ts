/**
 * DTLS 1.2's key schedule after the master secret (RFC 5246 §6.3): the key
 * block split into each direction's record protection, the RFC 5705
 * exporter and the NSS key-log line. The master secret itself is computed
 * by the handshake (shared by both roles: `common.ts`).
 *
 * DTLS 1.3 has its own (HKDF, RFC 8446 §7) behind the same two interfaces,
 * {@link EpochKeys} and {@link SessionSecrets}.
 *
 * @module
 */
import { toHex } from '../codec/bytes.js';
import { keyBlock, prf } from '../crypto/prf.js';
import type { CryptoProvider } from '../crypto/provider.js';
import type { CipherSuite } from '../crypto/suites.js';
import { type RecordProtection, createProtection, keyBlockLayout } from '../record/protection.js';

/** Record protection for the next epoch, both directions. */
export interface EpochKeys {
  readonly read: RecordProtection;
  readonly write: RecordProtection;
  /**
   * Records that may fail authentication before the association closes
   * (S-41): 2^7 for 8-byte tags (RFC 9147 §4.5.3), 0 (no limit) otherwise.
   */
  readonly integrityLimit: number;
}

/** Forgery attempts tolerated with an 8-byte tag (CCM_8, RFC 9147 §4.5.3). */
export const SHORT_TAG_INTEGRITY_LIMIT = 128;

/** The secrets an established association keeps: the exporter and the key log. */
export interface SessionSecrets {
  /** Keying material (RFC 5705 for 1.2; RFC 8446 §7.5 for 1.3). */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array;
  /** NSS key-log lines (Wireshark's SSLKEYLOGFILE format): a function that builds them when called. */
  keylogLines(): () => string[];
  /** Forget the secrets. */
  wipe(): void;
}

/**
 * The next epoch's record protection from the master secret (RFC 5246
 * §6.3): client_write_MAC_key, server_write_MAC_key, client_write_key,
 * server_write_key, client_write_IV, server_write_IV. The key block is wiped.
 */
export function deriveEpochKeys(
  provider: CryptoProvider, role: 'client' | 'server', suite: CipherSuite,
  master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, encryptThenMac: boolean,
): EpochKeys {
  const p = suite.protection;
  const { macLength, keyLength, ivLength } = keyBlockLayout(suite);
  const kb = keyBlock(provider, suite.prfHash, master, serverRandom, clientRandom, 2 * (macLength + keyLength + ivLength));
  let o = 0;
  const take = (n: number) => kb.slice(o, (o += n));
  const clientMac = take(macLength), serverMac = take(macLength);
  const clientKey = take(keyLength), serverKey = take(keyLength);
  const clientIv = take(ivLength), serverIv = take(ivLength);
  kb.fill(0);
  const client = createProtection(provider, suite, { macKey: clientMac, encKey: clientKey, iv: clientIv }, encryptThenMac);
  const server = createProtection(provider, suite, { macKey: serverMac, encKey: serverKey, iv: serverIv }, encryptThenMac);
  for (const k of [clientMac, serverMac, clientKey, serverKey, clientIv, serverIv]) k.fill(0);
  return {
    read: role === 'client' ? server : client,
    write: role === 'client' ? client : server,
    integrityLimit: p.kind === 'aead' && p.tagLength === 8 ? SHORT_TAG_INTEGRITY_LIMIT : 0,
  };
}

const RESERVED_LABELS = /^(client finished|server finished|master secret|key expansion|extended master secret)$/;

/** DTLS 1.2's session secrets: the master secret and the randoms (copies, wiped on close). */
export class Tls12Secrets implements SessionSecrets {
  private readonly master: Uint8Array;
  private readonly clientRandom: Uint8Array;
  private readonly serverRandom: Uint8Array;

  constructor(private readonly provider: CryptoProvider, private readonly suite: CipherSuite, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array) {
    this.master = Uint8Array.from(master);
    this.clientRandom = Uint8Array.from(clientRandom);
    this.serverRandom = Uint8Array.from(serverRandom);
  }

  /**
   * Keying material exporter (RFC 5705 §4): PRF(master_secret, label,
   * client_random ‖ server_random [‖ uint16 context length ‖ context]). Used by
   * DTLS-SRTP (RFC 5764).
   */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array {
    if (!Number.isInteger(length) || length < 1 || length > 65_535) throw new RangeError('length must be 1..65535');
    if (RESERVED_LABELS.test(label)) throw new RangeError(`label "${label}" is reserved (RFC 5705 §4)`);
    if (context && context.length > 0xffff) throw new RangeError('context too long');
    const ctx = context ? 2 + context.length : 0;
    const seed = new Uint8Array(64 + ctx);
    seed.set(this.clientRandom, 0);
    seed.set(this.serverRandom, 32);
    if (context) {
      seed[64] = context.length >>> 8;
      seed[65] = context.length & 0xff;
      seed.set(context, 66);
    }
    return prf(this.provider, this.suite.prfHash, this.master, label, seed, length);
  }

  /**
   * `CLIENT_RANDOM <client random> <master secret>`. The key-log event may be
   * read after the association closed (and wiped its secrets): the line is
   * built from copies of its own, only when someone reads it.
   */
  keylogLines(): () => string[] {
    const random = Uint8Array.from(this.clientRandom);
    const secret = Uint8Array.from(this.master);
    return () => [`CLIENT_RANDOM ${toHex(random)} ${toHex(secret)}\n`];
  }

  /** What a restored association needs to rebuild its keys and exporter (src/persist): the master secret and the randoms (the arrays themselves: copy, never change). */
  material(): { readonly suite: CipherSuite; readonly master: Uint8Array; readonly clientRandom: Uint8Array; readonly serverRandom: Uint8Array } {
    return { suite: this.suite, master: this.master, clientRandom: this.clientRandom, serverRandom: this.serverRandom };
  }

  wipe(): void {
    this.master.fill(0);
  }
}
