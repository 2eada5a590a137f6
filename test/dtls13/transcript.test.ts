import { describe, expect, it } from 'vitest';
import { HandshakeType } from '../../src/handshake/registry.js';
import { fullMessage } from '../../src/handshake/header.js';
import {
  Transcript13, binderLayout, messageHashMessage, tls13Message, truncatedClientHello,
} from '../../src/dtls13/transcript.js';
import { DecodeError } from '../../src/errors.js';
import { concat, counting, hex, toHex } from '../codec/hex.js';
import { providers } from '../crypto/helpers.js';
import { S3, S4 } from './rfc8448.js';

describe('the DTLS 1.3 transcript (RFC 9147 §5.2)', () => {
  it('hashes messages without message_seq, fragment_offset and fragment_length', () => {
    const body = counting(10);
    const t = new Transcript13();
    t.add(HandshakeType.client_hello, body);
    expect(toHex(t.bytes())).toBe('01' + '00000a' + toHex(body));
    // DTLS 1.2 hashed the 12-byte header instead.
    expect(toHex(fullMessage(HandshakeType.client_hello, 0, body))).not.toBe(toHex(t.bytes()));
  });

  it.each(providers)('reproduces RFC 8448 §3\'s hello hash from type and body ($name)', (p) => {
    const t = new Transcript13();
    t.add(HandshakeType.client_hello, S3.clientHello.subarray(4));
    t.add(HandshakeType.server_hello, S3.serverHello.subarray(4));
    expect(toHex(t.hash(p, 'sha256'))).toBe(S3.helloHash);
    expect(t.length).toBe(S3.clientHello.length + S3.serverHello.length);
  });

  it.each(providers)('hashes once per state: again only after a message, a clear or for another hash; each caller gets its own copy ($name)', (p) => {
    let calls = 0;
    const counted = { ...p, hash: (alg: 'sha256' | 'sha384', data: Uint8Array) => (calls++, p.hash(alg, data)) } as typeof p;
    const t = new Transcript13();
    t.add(1, counting(40));
    const a = t.hash(counted, 'sha256');
    a.fill(0); // a caller wiping its copy leaves the kept one alone
    const b = t.hash(counted, 'sha256');
    expect(calls).toBe(1);
    expect(toHex(b)).toBe(toHex(p.hash('sha256', t.bytes())));
    expect(toHex(t.hash(counted, 'sha384'))).toBe(toHex(p.hash('sha384', t.bytes())));
    expect(calls).toBe(2);
    t.add(2, counting(5));
    expect(toHex(t.hash(counted, 'sha384'))).toBe(toHex(p.hash('sha384', t.bytes())));
    expect(calls).toBe(3);
    t.clear();
    expect(toHex(t.hash(counted, 'sha384'))).toBe(toHex(p.hash('sha384', new Uint8Array(0))));
    t.addMessage(tls13Message(1, counting(3)));
    expect(toHex(t.hash(counted, 'sha384'))).toBe(toHex(p.hash('sha384', t.bytes())));
    expect(calls).toBe(5);
  });

  it('keeps its own copies of the messages', () => {
    const body = counting(4);
    const t = new Transcript13();
    t.add(1, body);
    body.fill(0);
    expect(toHex(t.bytes())).toBe('01000004' + '00010203');
  });

  it.each(providers)('keeps every message, in order, as its buffer grows; hashes match the concatenation ($name)', (p) => {
    const t = new Transcript13();
    const parts: Uint8Array[] = [];
    // 300 + 700 + 1,500 + 3,000 bytes: past the first buffer and two doublings.
    for (const [type, n] of [[1, 296], [2, 696], [11, 1496], [15, 2996]] as const) {
      const body = counting(n).map((b) => b ^ type);
      t.add(type, body);
      parts.push(tls13Message(type, body));
      expect(toHex(t.bytes())).toBe(toHex(concat(...parts)));
      expect(toHex(t.hash(p, 'sha256'))).toBe(toHex(p.hash('sha256', concat(...parts))));
    }
    expect(t.length).toBe(300 + 700 + 1500 + 3000);
    t.clear();
    expect(t.length).toBe(0);
    t.add(20, counting(3));
    expect(toHex(t.bytes())).toBe('14000003' + '000102');
  });
});

describe('HelloRetryRequest: message_hash (RFC 8446 §4.4.1)', () => {
  it.each(providers)('replaces ClientHello1 by 254 ‖ 00 00 ‖ Hash.length ‖ Hash(ClientHello1) ($name)', (p) => {
    for (const hash of ['sha256', 'sha384'] as const) {
      const ch1 = tls13Message(HandshakeType.client_hello, counting(50));
      const t = new Transcript13();
      t.addMessage(ch1);
      t.replaceClientHelloWithMessageHash(p, hash);
      const h = p.hash(hash, ch1);
      expect(toHex(t.bytes())).toBe('fe0000' + h.length.toString(16) + toHex(h));
      expect(toHex(t.bytes())).toBe(toHex(messageHashMessage(h)));
      // Then the HelloRetryRequest and ClientHello2 follow.
      const hrr = tls13Message(HandshakeType.server_hello, counting(20));
      t.addMessage(hrr);
      expect(toHex(t.hash(p, hash))).toBe(toHex(p.hash(hash, concat(messageHashMessage(h), hrr))));
    }
  });

  it('refuses to replace anything but a lone ClientHello', () => {
    const p = providers[0]!;
    const t = new Transcript13();
    expect(() => t.replaceClientHelloWithMessageHash(p, 'sha256')).toThrow(RangeError);
    t.add(HandshakeType.server_hello, counting(3));
    expect(() => t.replaceClientHelloWithMessageHash(p, 'sha256')).toThrow(RangeError);
  });

  it('message_hash takes a 32- or 48-byte hash only', () => {
    expect(() => messageHashMessage(new Uint8Array(20))).toThrow(RangeError);
  });
});

describe('PSK binders: the truncated ClientHello (RFC 8446 §4.2.11.2)', () => {
  const body = S4.clientHello.subarray(4);

  it('is RFC 8448 §4\'s ClientHello prefix, header with the full length', () => {
    expect(toHex(truncatedClientHello(body, 'tls'))).toBe(toHex(S4.clientHelloPrefix));
  });

  it.each(providers)('hashes after earlier messages without adding itself ($name)', (p) => {
    const t = new Transcript13();
    t.addMessage(messageHashMessage(new Uint8Array(32).fill(1)));
    const trunc = truncatedClientHello(body, 'tls');
    expect(toHex(t.hashWith(p, 'sha256', trunc))).toBe(toHex(p.hash('sha256', concat(t.bytes(), trunc))));
    expect(t.length).toBe(36);
    expect(toHex(new Transcript13().hashWith(p, 'sha256', trunc))).toBe(S4.binderHash);
  });

  it('lists the binders', () => {
    expect(binderLayout(body, 'tls').binders.map(toHex)).toEqual([S4.binder]);
  });

  it('rejects a ClientHello without pre_shared_key', () => {
    expect(() => binderLayout(S3.clientHello.subarray(4), 'tls')).toThrow('ClientHello has no pre_shared_key');
  });

  it('rejects pre_shared_key anywhere but last', () => {
    // Append an empty extension (type 0xfafa) after pre_shared_key and fix the lengths.
    const b = concat(body, hex('fafa 0000'));
    const view = new DataView(b.buffer);
    const extLenAt = 2 + 32 + 1 + (2 + 6) + (1 + 1); // version, random, empty session id, suites, compression
    view.setUint16(extLenAt, view.getUint16(extLenAt) + 4);
    expect(() => binderLayout(b, 'tls')).toThrow(DecodeError);
    expect(() => binderLayout(b, 'tls')).toThrow('pre_shared_key is not the last extension');
  });

  it('rejects a truncated ClientHello as DecodeError', () => {
    for (const n of [0, 10, 40, 100, body.length - 1]) expect(() => binderLayout(body.subarray(0, n), 'tls')).toThrow(DecodeError);
  });
});
