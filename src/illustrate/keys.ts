/**
 * The key schedule as the page shows it, and the keys that open the
 * protected records. The master secret comes from the client's key log
 * (`CLIENT_RANDOM <client_random> <master_secret>`, what the `keylog` event
 * gives), so this works against any server. With a PSK suite the pre-master
 * is known too (RFC 4279 §2) and the master secret is derived here and
 * checked against the key log; with ECDHE the ephemeral private keys never
 * leave the two sides, and the page says so.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import type { CipherSuite } from '../crypto/suites.js';
import { pskPremaster } from '../handshake/common.js';
import type { RecordProtection } from '../record/protection.js';
import { deriveMaster, epochKeys, keyBlockParts } from '../scan/keys.js';
import { hex } from './annotator.js';
import type { KeyValue } from './model.js';

export interface KeyInputs {
  readonly suite: CipherSuite;
  readonly clientRandom: Uint8Array;
  readonly serverRandom: Uint8Array;
  readonly ems: boolean;
  readonly etm: boolean;
  /** Key-log lines the client wrote. */
  readonly keylog: readonly string[];
  /** The pre-shared key, when the suite is plain PSK and the key is known. */
  readonly psk?: Uint8Array;
  /** Hash input of the extended master secret: the transcript through ClientKeyExchange. */
  readonly sessionHashInput?: Uint8Array;
}

export interface KeySchedule {
  readonly values: KeyValue[];
  readonly client?: RecordProtection;
  readonly server?: RecordProtection;
  readonly notes: string[];
}

/** The master secret for `clientRandom` from NSS key-log lines. */
export function masterFromKeylog(lines: readonly string[], clientRandom: Uint8Array): Uint8Array | undefined {
  const want = hex(clientRandom);
  for (const line of lines) {
    const m = /^CLIENT_RANDOM ([0-9a-fA-F]{64}) ([0-9a-fA-F]{96})\s*$/.exec(line.trim());
    if (m && m[1]!.toLowerCase() === want) return Uint8Array.from(Buffer.from(m[2]!, 'hex'));
  }
  return undefined;
}

export function keySchedule(provider: CryptoProvider, k: KeyInputs): KeySchedule {
  const values: KeyValue[] = [];
  const notes: string[] = [];
  const s = k.suite;
  values.push({ name: 'cipher suite', note: `${s.iana}: ${s.kx} key exchange, ${s.protection.kind === 'aead' ? s.protection.alg.toUpperCase() : `AES-CBC with HMAC-${s.protection.macAlg.toUpperCase()}${k.etm ? ', encrypt-then-MAC' : ''}`}, PRF with ${s.prfHash.toUpperCase()}`, rfc: 'RFC 5246 §5' });
  values.push({ name: 'client_random', hex: hex(k.clientRandom), note: 'From the ClientHello.', rfc: 'RFC 5246 §7.4.1.2' });
  values.push({ name: 'server_random', hex: hex(k.serverRandom), note: 'From the ServerHello.', rfc: 'RFC 5246 §7.4.1.3' });
  let preMaster: Uint8Array | undefined;
  if (s.kx === 'PSK' && k.psk) {
    preMaster = pskPremaster(k.psk, undefined);
    values.push({ name: 'pre_master_secret', hex: hex(preMaster), note: 'uint16 N ‖ N zero bytes ‖ uint16 N ‖ PSK (N = the key\'s length).', rfc: 'RFC 4279 §2' });
  } else if (s.kx === 'PSK') {
    values.push({ name: 'pre_master_secret', note: 'Built from the pre-shared key, which this run does not know.', rfc: 'RFC 4279 §2' });
  } else {
    values.push({ name: 'pre_master_secret', note: `The ${s.kx === 'ECDHE' ? 'ECDHE' : 'ECDHE and PSK'} shared secret: each side's ephemeral private key never leaves it, so it is not shown; the master secret below comes from the client's key log.`, rfc: s.kx === 'ECDHE' ? 'RFC 8422 §5.10' : 'RFC 5489 §2' });
  }
  const logged = masterFromKeylog(k.keylog, k.clientRandom);
  let master = logged;
  if (preMaster) {
    const derived = deriveMaster(provider, s, preMaster, k.ems, k.sessionHashInput ? provider.hash(s.prfHash, k.sessionHashInput) : new Uint8Array(0), k.clientRandom, k.serverRandom);
    const same = logged !== undefined && hex(derived) === hex(logged);
    if (k.ems && k.sessionHashInput) values.push({ name: 'session_hash', hex: hex(provider.hash(s.prfHash, k.sessionHashInput)), note: 'Hash of the handshake messages through ClientKeyExchange.', rfc: 'RFC 7627 §3' });
    values.push({ name: 'master_secret', hex: hex(derived), note: `${k.ems ? 'PRF(pre_master_secret, "extended master secret", session_hash)' : 'PRF(pre_master_secret, "master secret", client_random ‖ server_random)'}[0..47], derived here${logged ? (same ? ': the same as the client\'s key log' : ': DIFFERENT from the client\'s key log') : ''}.`, rfc: k.ems ? 'RFC 7627 §4' : 'RFC 5246 §8.1' });
    if (logged && !same) notes.push('The master secret derived from the pre-shared key differs from the key log.');
    master = derived;
  } else if (logged !== undefined) {
    values.push({ name: 'master_secret', hex: hex(logged), note: `From the client's key log (${k.ems ? 'extended master secret, RFC 7627 §4' : 'RFC 5246 §8.1'}).`, rfc: k.ems ? 'RFC 7627 §4' : 'RFC 5246 §8.1' });
  } else {
    values.push({ name: 'master_secret', note: 'Unknown: no key-log line for this client random. Protected records stay encrypted.' });
    notes.push('No key-log line for the client random: the protected records are shown as sent only.');
    return { values, notes };
  }
  if (master === undefined) return { values, notes };
  const parts = keyBlockParts(provider, s, master, k.clientRandom, k.serverRandom);
  values.push({ name: 'key_block', hex: hex(parts.block), note: 'PRF(master_secret, "key expansion", server_random ‖ client_random), cut into the parts below.', rfc: 'RFC 5246 §6.3' });
  const part = (name: string, b: Uint8Array, note: string) => {
    if (b.length > 0) values.push({ name, hex: hex(b), note, rfc: 'RFC 5246 §6.3' });
  };
  part('client_write_MAC_key', parts.clientWriteMacKey, 'HMAC key of the client\'s CBC records.');
  part('server_write_MAC_key', parts.serverWriteMacKey, 'HMAC key of the server\'s CBC records.');
  part('client_write_key', parts.clientWriteKey, 'Encrypts the client\'s records of epoch 1.');
  part('server_write_key', parts.serverWriteKey, 'Encrypts the server\'s records of epoch 1.');
  part('client_write_IV', parts.clientWriteIv, s.protection.kind === 'aead' && s.protection.fixedIvLength === 12 ? 'XORed with epoch ‖ sequence number into each nonce (RFC 7905 §2).' : 'Implicit part (salt) of each nonce (RFC 5288 §3, RFC 6655 §3).');
  part('server_write_IV', parts.serverWriteIv, 'The same for the server\'s records.');
  const keys = epochKeys(provider, s, parts, k.etm);
  return { values, client: keys.client, server: keys.server, notes };
}
