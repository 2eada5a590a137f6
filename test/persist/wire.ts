import { expect } from 'vitest';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { RecordLayer13 } from '../../src/dtls13/record-layer13.js';
import { suite13ByName } from '../../src/dtls13/suites.js';
import { parseDatagram } from '../../src/record/record.js';

/**
 * (epoch, seq) of every protected record a server sent, read from the
 * datagrams on the wire. DTLS 1.2 carries them in the clear; DTLS 1.3's are
 * encrypted, so each record is deprotected with the server's traffic secrets
 * from its key log (`keylog`: NSS lines) — a record sealed twice under one
 * (key, nonce) would open and then be refused as a replay here.
 */
export function serverRecordNumbers(o: {
  version: 'DTLSv1.2' | 'DTLSv1.3';
  datagrams: readonly Uint8Array[];
  clientCid: Uint8Array;
  keylog?: readonly string[];
  suite13?: string;
  provider: CryptoProvider;
}): { epoch: number; seq: number }[] {
  const out: { epoch: number; seq: number }[] = [];
  if (o.version === 'DTLSv1.2') {
    for (const d of o.datagrams) {
      const parsed = parseDatagram(d, o.clientCid.length);
      expect(parsed.dropped).toBeUndefined();
      for (const rec of parsed.records) if (rec.epoch > 0) out.push({ epoch: rec.epoch, seq: rec.seq });
    }
    return out;
  }
  const secret = (label: string) => Buffer.from(o.keylog!.find((l) => l.startsWith(`${label} `))!.trim().split(' ')[2]!, 'hex');
  const suite = suite13ByName(o.suite13!)!;
  const layer = new RecordLayer13(o.provider, 1024);
  layer.installRead(2, layer.protection(suite, secret('SERVER_HANDSHAKE_TRAFFIC_SECRET')));
  layer.installRead(3, layer.protection(suite, secret('SERVER_TRAFFIC_SECRET_0')));
  if (o.clientCid.length > 0) layer.setConnectionIds(o.clientCid, new Uint8Array(0));
  for (const d of o.datagrams) {
    for (const rec of layer.parse(d).records) {
      const opened = layer.open(rec);
      expect(opened, `record ${out.length}`).toBeTypeOf('object');
      if (typeof opened === 'object' && opened.epoch > 0) out.push({ epoch: opened.epoch, seq: opened.seq });
    }
  }
  return out;
}

/** Every (epoch, seq) once. */
export function expectUnique(numbers: readonly { epoch: number; seq: number }[]): void {
  const keys = numbers.map((x) => `${x.epoch}/${x.seq}`);
  expect(new Set(keys).size).toBe(keys.length);
}
