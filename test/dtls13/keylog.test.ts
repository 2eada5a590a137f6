import { describe, expect, it } from 'vitest';
import { KeyLogLabel, keyLogLine, keyLogLines } from '../../src/dtls13/keylog.js';
import { counting, hex } from '../codec/hex.js';

describe('NSS key-log lines for (D)TLS 1.3', () => {
  const random = counting(32);

  it('formats LABEL <client random> <secret>, hex, newline-terminated', () => {
    expect(keyLogLine(KeyLogLabel.clientHandshake, random, hex('0a0b'))).toBe(
      'CLIENT_HANDSHAKE_TRAFFIC_SECRET 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 0a0b\n');
  });

  it('uses the labels Wireshark and OpenSSL use', () => {
    expect(Object.values(KeyLogLabel)).toEqual([
      'CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET',
    ]);
  });

  it('lists the secrets present in order', () => {
    const lines = keyLogLines(random, { clientHandshake: hex('01'), serverHandshake: hex('02'), exporter: hex('05') });
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'EXPORTER_SECRET']);
    expect(lines.map((l) => l.trim().split(' ')[2])).toEqual(['01', '02', '05']);
  });

  it('refuses a client random that is not 32 bytes', () => {
    expect(() => keyLogLine(KeyLogLabel.exporter, new Uint8Array(31), hex('00'))).toThrow(RangeError);
  });
});
