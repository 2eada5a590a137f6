/**
 * NSS key-log lines for (D)TLS 1.3 (the format Wireshark reads; labels as
 * NSS and OpenSSL write them): `LABEL <client random> <secret>`, hex.
 */
import { toHex } from '../codec/bytes.js';

/** The TLS 1.3 key-log labels (NSS key log format). */
export const KeyLogLabel = Object.freeze({
  clientHandshake: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  serverHandshake: 'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  clientTraffic0: 'CLIENT_TRAFFIC_SECRET_0',
  serverTraffic0: 'SERVER_TRAFFIC_SECRET_0',
  exporter: 'EXPORTER_SECRET',
} as const);

/** One of {@link KeyLogLabel}'s values. */
export type KeyLogLabelName = (typeof KeyLogLabel)[keyof typeof KeyLogLabel];

/** One key-log line, newline-terminated: `LABEL <32-byte client random, hex> <secret, hex>\n`. */
export function keyLogLine(label: KeyLogLabelName, clientRandom: Uint8Array, secret: Uint8Array): string {
  if (clientRandom.length !== 32) throw new RangeError(`client random must be 32 bytes, got ${clientRandom.length}`);
  return `${label} ${toHex(clientRandom)} ${toHex(secret)}\n`;
}

/** The secrets a 1.3 handshake logs, in the order they become known. */
export interface KeyLogSecrets {
  readonly clientHandshake: Uint8Array;
  readonly serverHandshake: Uint8Array;
  readonly clientTraffic0?: Uint8Array;
  readonly serverTraffic0?: Uint8Array;
  readonly exporter?: Uint8Array;
}

/** The key-log lines of a handshake's secrets (those present), in {@link KeyLogLabel} order. */
export function keyLogLines(clientRandom: Uint8Array, s: KeyLogSecrets): string[] {
  const out: string[] = [];
  for (const name of ['clientHandshake', 'serverHandshake', 'clientTraffic0', 'serverTraffic0', 'exporter'] as const) {
    const secret = s[name];
    if (secret !== undefined) out.push(keyLogLine(KeyLogLabel[name], clientRandom, secret));
  }
  return out;
}
