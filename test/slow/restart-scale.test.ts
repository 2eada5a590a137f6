/**
 * The figures of docs/scaling.md, "Restarts": the saved size of one
 * association (DTLS 1.2 and 1.3, with and without a client certificate), and
 * the time to save and to load 10,000 associations, for both crypto
 * providers. Sizes come from real handshakes on the in-memory network; the
 * 10,000 are copies of real saved associations at 10,000 distinct ports (the
 * work of saving and loading one does not depend on its keys). Printed, not
 * bounded: the assertions are about correctness (all 10,000 come back).
 */
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/codec/reader.js';
import { Writer } from '../../src/codec/writer.js';
import { nobleProvider } from '../../src/crypto/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { openState, sealState } from '../../src/persist/blob.js';
import { loadAssociations, saveAssociations } from '../../src/persist/index.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { nativeProvider } from '../crypto/helpers.js';
import { SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';

const KEY = new Uint8Array(32).fill(1);
const N = Number(process.env.RESTART_N ?? 10_000);

/** `n` clients of one version handshake with one server and send a message; the server saves them. */
function saved(provider: CryptoProvider, version: 'DTLSv1.2' | 'DTLSv1.3', n: number, clientCert: boolean) {
  const net = new VirtualNetwork({ seed: 11 });
  const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), crypto: provider, ...(clientCert && { requestCert: true, ca: pki('ca-bundle.pem') }) });
  net.attach(SERVER_ADDR, server, { role: 'server' });
  for (let i = 0; i < n; i++) {
    const client = new DtlsClientNode({
      ca: pki('ca-bundle.pem'), servername: 'localhost', crypto: provider, minVersion: version, maxVersion: version,
      ...(clientCert && { key: pki('client-ecdsa.key.pem'), cert: pki('client-ecdsa.crt.pem') }),
    }, SERVER_ADDR, net.now);
    const c = net.attach({ address: '10.9.0.1', port: 1000 + i }, client, { role: 'client' });
    c.act((node, now) => node.send(new Uint8Array([1, 2, 3]), now));
  }
  net.run({ until: () => server.received.size === n, maxTime: 600_000 });
  expect(server.received.size).toBe(n);
  return saveAssociations(server.endpoint, KEY, net.now);
}

/** The entries of a blob. */
function entries(provider: CryptoProvider, blob: Uint8Array): Uint8Array[] {
  const { plaintext } = openState(provider, blob, KEY, Date.now(), Infinity);
  const r = new Reader(plaintext);
  const out: Uint8Array[] = [];
  for (let n = r.u48('count'); n > 0; n--) out.push(Uint8Array.from(r.vec24(1, 0xffffff)));
  return out;
}

describe('restarts: sizes and times (docs/scaling.md)', () => {
  it('the saved size of one association', () => {
    const rows: string[] = [];
    for (const version of ['DTLSv1.2', 'DTLSv1.3'] as const) {
      for (const clientCert of [false, true]) {
        const s = saved(nativeProvider, version, 20, clientCert);
        expect(s.saved).toBe(20);
        rows.push(`${version}${clientCert ? ' + client certificate' : ''}: ${((s.blob.length - 55) / 20).toFixed(0)} bytes/association`);
      }
    }
    console.log(`restart sizes (blob: 55 bytes + per association):\n  ${rows.join('\n  ')}`);
  }, 600_000);

  for (const provider of [nativeProvider, nobleProvider]) {
    const label = provider === nobleProvider ? '@noble' : 'node:crypto';
    it(`saves and loads ${N} associations, half DTLS 1.2, half 1.3 (${label})`, () => {
      const one12 = entries(provider, saved(provider, 'DTLSv1.2', 1, false).blob)[0]!;
      const one13 = entries(provider, saved(provider, 'DTLSv1.3', 1, false).blob)[0]!;
      // N copies at distinct ports (the port follows the protocol byte and the address).
      const w = new Writer(N * 700);
      w.u48(N);
      for (let i = 0; i < N; i++) {
        const e = Uint8Array.from(i % 2 === 0 ? one12 : one13);
        const at = 2 + e[1]!;
        e[at] = (i + 1) >>> 8;
        e[at + 1] = (i + 1) & 0xff;
        w.opaque24(e);
      }
      const blob = sealState(provider, KEY, w.finish(), Date.now());
      const server = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), crypto: provider });
      let t = performance.now();
      const restored = loadAssociations(server.endpoint, blob, KEY, Date.now());
      const load = performance.now() - t;
      expect(restored).toHaveLength(N);
      expect(server.endpoint.size).toBe(N);
      server.flush();
      t = performance.now();
      const again = saveAssociations(server.endpoint, KEY, Date.now());
      const save = performance.now() - t;
      expect(again.saved).toBe(N);
      expect(server.endpoint.size).toBe(0);
      console.log(`restart ${label}: ${N} associations: blob ${(again.blob.length / 1024).toFixed(0)} KiB, save ${save.toFixed(0)} ms, load ${load.toFixed(0)} ms`);
    }, 600_000);
  }
});
