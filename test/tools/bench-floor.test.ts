/**
 * The benchmark's floor servers (bench/lib/floor.mjs) measure what node:crypto
 * and dgram cost: they must really do the work their rows claim. The echo
 * floor opens every record (a wrong tag gets no echo) and seals the reply
 * under a new sequence number; the handshake floor answers the four datagrams
 * of a handshake and forgets the peer at its close. Real loopback UDP.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript module of the benchmark, no declarations
import * as floor from '../../bench/lib/floor.mjs';
// @ts-expect-error: plain JavaScript module of the benchmark, no declarations
import { loadPki } from '../../bench/lib/config.mjs';

const { sealRecord, openRecord, floorEchoServer, floorHandshakeServer, floorHandshakeClient } = floor as {
  sealRecord(seq: number, pt: Buffer): Buffer;
  openRecord(m: Buffer): Buffer | null;
  floorEchoServer(s: dgram.Socket, c: { echoed: number }): void;
  floorHandshakeServer(s: dgram.Socket, c: { handshakes: number }, keyPem: Buffer): { peers(): number };
  floorHandshakeClient(d: typeof dgram, port: number): Promise<boolean>;
};

const sockets: dgram.Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

async function bound(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  sockets.push(s);
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return s;
}

describe('bench floor (bench/lib/floor.mjs)', () => {
  it('seals DTLS 1.2 AES-GCM records that open to the same bytes, and refuses any changed byte', () => {
    const pt = Buffer.from('the floor measures cost, not secrecy');
    const rec = sealRecord(7, pt);
    expect(rec[0]).toBe(23);
    expect(rec.readUInt16BE(11)).toBe(8 + pt.length + 16);
    expect(openRecord(rec)?.equals(pt)).toBe(true);
    for (const i of [0, 5, 13, 21, rec.length - 1]) {
      const bad = Buffer.from(rec);
      bad[i]! ^= 1;
      expect(openRecord(bad)).toBeNull();
    }
    expect(openRecord(rec.subarray(0, 20))).toBeNull();
  });

  it('the echo floor echoes an opened record sealed anew, and nothing for a forged one', async () => {
    const server = await bound();
    const counters = { echoed: 0 };
    floorEchoServer(server, counters);
    const client = await bound();
    const replies: Buffer[] = [];
    const got = new Promise<void>((resolve) => client.on('message', (m) => { replies.push(m); resolve(); }));
    const forged = sealRecord(1, Buffer.alloc(100, 1));
    forged[40]! ^= 0xff;
    const { port } = server.address();
    client.send(forged, port, '127.0.0.1');
    client.send(sealRecord(2, Buffer.alloc(100, 2)), port, '127.0.0.1');
    await got;
    expect(replies).toHaveLength(1);
    expect(counters.echoed).toBe(1);
    // The first (and only) echo is the genuine record's, under the server's first sequence number.
    expect(replies[0]!.readUIntBE(5, 6)).toBe(1);
    expect(openRecord(replies[0]!)?.equals(Buffer.alloc(100, 2))).toBe(true);
  });

  it('the handshake floor completes each four-datagram exchange and forgets the peer after close_notify', async () => {
    const server = await bound();
    const counters = { handshakes: 0 };
    const { peers } = floorHandshakeServer(server, counters, loadPki().ecdsa.key);
    const { port } = server.address();
    for (let i = 0; i < 3; i++) expect(await floorHandshakeClient(dgram, port)).toBe(true);
    expect(counters.handshakes).toBe(3);
    expect(peers()).toBe(0);
  });
});
