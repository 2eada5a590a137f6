/**
 * The DTLS 1.2 key schedule from the outside: given a suite, the master
 * secret and both randoms, the key block split into its six parts (RFC 5246
 * §6.3) and record protections for both directions. The scanner's scripted
 * handshakes and the illustrator (which reads the master secret from the
 * client's key log) both use it; the stack's own connection does the same
 * inside `deriveKeys`.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { extendedMasterSecret, keyBlock, masterSecret } from '../crypto/prf.js';
import type { CipherSuite } from '../crypto/suites.js';
import { type RecordProtection, createProtection, keyBlockLayout } from '../record/protection.js';

/** The key block of RFC 5246 §6.3, part by part (empty parts are zero-length). */
export interface KeyBlockParts {
  readonly clientWriteMacKey: Uint8Array;
  readonly serverWriteMacKey: Uint8Array;
  readonly clientWriteKey: Uint8Array;
  readonly serverWriteKey: Uint8Array;
  readonly clientWriteIv: Uint8Array;
  readonly serverWriteIv: Uint8Array;
  /** The whole key block. */
  readonly block: Uint8Array;
}

/** key_block = PRF(master_secret, "key expansion", server_random ‖ client_random), split. */
export function keyBlockParts(provider: CryptoProvider, suite: CipherSuite, master: Uint8Array, clientRandom: Uint8Array,
  serverRandom: Uint8Array): KeyBlockParts {
  const { macLength, keyLength, ivLength } = keyBlockLayout(suite);
  const block = keyBlock(provider, suite.prfHash, master, serverRandom, clientRandom, 2 * (macLength + keyLength + ivLength));
  let o = 0;
  const take = (n: number) => block.slice(o, (o += n));
  return {
    clientWriteMacKey: take(macLength), serverWriteMacKey: take(macLength),
    clientWriteKey: take(keyLength), serverWriteKey: take(keyLength),
    clientWriteIv: take(ivLength), serverWriteIv: take(ivLength),
    block,
  };
}

/** Record protection of both directions of epoch 1. */
export interface EpochKeys {
  readonly client: RecordProtection;
  readonly server: RecordProtection;
}

export function epochKeys(provider: CryptoProvider, suite: CipherSuite, parts: KeyBlockParts, encryptThenMac: boolean): EpochKeys {
  return {
    client: createProtection(provider, suite, { macKey: parts.clientWriteMacKey, encKey: parts.clientWriteKey, iv: parts.clientWriteIv }, encryptThenMac),
    server: createProtection(provider, suite, { macKey: parts.serverWriteMacKey, encKey: parts.serverWriteKey, iv: parts.serverWriteIv }, encryptThenMac),
  };
}

/**
 * The master secret: RFC 7627 §4 with the session hash when the extended
 * master secret was negotiated, else RFC 5246 §8.1.
 */
export function deriveMaster(provider: CryptoProvider, suite: CipherSuite, preMaster: Uint8Array, ems: boolean,
  sessionHash: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): Uint8Array {
  return ems
    ? extendedMasterSecret(provider, suite.prfHash, preMaster, sessionHash)
    : masterSecret(provider, suite.prfHash, preMaster, clientRandom, serverRandom);
}
