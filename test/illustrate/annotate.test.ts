/**
 * The annotation model, without a network: a handshake between the
 * project's client and server on the in-memory network is captured, then a
 * datagram is repeated (a retransmission) and one message is cut into
 * fragments, and the illustration must say exactly that.
 */
import { describe, expect, it } from 'vitest';
import { buildIllustration, type Captured, type Field } from '../../src/illustrate/index.js';
import { nodeProvider } from '../../src/crypto/index.js';
import { illustrate } from '../../src/illustrate/index.js';

/** Every field lies inside its parent and its block. */
function expectNested(fields: readonly Field[], lo: number, hi: number): void {
  for (const f of fields) {
    expect(f.start).toBeGreaterThanOrEqual(lo);
    expect(f.end).toBeLessThanOrEqual(hi);
    expect(f.end).toBeGreaterThanOrEqual(f.start);
    if (f.children) expectNested(f.children, f.start, f.end);
  }
}

describe('illustration model', () => {
  it('labels every byte range inside its record, marks a repeated datagram as a retransmission, and opens epoch 1', async () => {
    const il = await illustrate({ self: true, psk: { identity: 'id', key: Buffer.alloc(16, 7) }, ciphers: 'PSK-AES128-GCM-SHA256', mtu: 200 });
    for (const d of il.datagrams) {
      const n = d.block.hex.length / 2;
      expectNested(d.block.fields, 0, n);
      // The records cover the datagram, back to back.
      let at = 0;
      for (const r of d.records) {
        expect(r.offset).toBe(at);
        at += r.length;
      }
      expect(at).toBe(n);
      for (const r of d.records) if (r.decrypted) expectNested(r.decrypted.fields, 0, r.decrypted.hex.length / 2);
    }
    for (const m of il.messages) expectNested(m.body.fields, 0, m.body.hex.length / 2);
    // Re-run the annotation on the same datagrams with the server's flight sent twice.
    const captured: Captured[] = il.datagrams.map((d) => ({ from: d.from, at: d.atMs, data: Buffer.from(d.block.hex, 'hex') }));
    const flight = captured.findIndex((c) => c.from === 'server' && il.datagrams[captured.indexOf(c)]!.records.some((r) => r.summary.startsWith('server_hello')));
    const again: Captured[] = [...captured.slice(0, flight + 1), { ...captured[flight]!, at: captured[flight]!.at + 1000 }, ...captured.slice(flight + 1)];
    const il2 = buildIllustration({ title: 't', startedAt: il.startedAt, captured: again, keylog: [], provider: nodeProvider });
    expect(il2.datagrams[flight + 1]!.retransmissionOf).toBe(flight);
    expect(il2.datagrams.filter((d) => d.retransmissionOf !== undefined)).toHaveLength(1);
    // Without the key log nothing is decrypted, and the page says why.
    expect(il2.datagrams.flatMap((d) => d.records).filter((r) => r.epoch === 1).every((r) => r.undecryptable !== undefined)).toBe(true);
    expect(il2.notes.join()).toMatch(/No key-log line/);
  }, 60_000);

  it('annotates a ClientHello field by field with values and RFC sections', async () => {
    const il = await illustrate({ self: true, psk: { identity: 'id', key: Buffer.alloc(16, 7) }, ciphers: 'PSK-AES128-GCM-SHA256' });
    const hello = il.messages.find((m) => m.type === 'client_hello')!;
    const names = hello.body.fields.map((f) => f.name);
    expect(names).toEqual(['client_version', 'random', 'session_id', 'cookie', 'cipher_suites', 'compression_methods', 'extensions']);
    const suites = hello.body.fields.find((f) => f.name === 'cipher_suites')!;
    expect(suites.rfc).toBe('RFC 5246 §7.4.1.2');
    expect(suites.children!.some((c) => c.value === '0x00a8 TLS_PSK_WITH_AES_128_GCM_SHA256')).toBe(true);
    const exts = hello.body.fields.find((f) => f.name === 'extensions')!;
    expect(exts.children!.map((c) => c.name)).toEqual(expect.arrayContaining(['extended_master_secret', 'renegotiation_info']));
    expect(exts.children!.find((c) => c.name === 'extended_master_secret')!.rfc).toBe('RFC 7627 §5.1');
  }, 60_000);
});
