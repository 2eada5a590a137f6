/**
 * An independent exporter reference: a TLS 1.3 handshake between node:tls
 * peers on the loopback interface; the client's key log gives the
 * EXPORTER_SECRET and `exportKeyingMaterial` the output RFC 8446 §7.5 must
 * give for it (with TLS 1.3's "tls13 " prefix).
 */
import { type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { hex } from '../codec/hex.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/pki/${name}`, import.meta.url), 'utf8');

export interface NodeExport {
  readonly exporterSecret: Uint8Array;
  readonly exported: Uint8Array;
  readonly exportedNoContext: Uint8Array;
}

export async function exportWithNodeTls(suite: string, label: string, context: Uint8Array, length: number): Promise<NodeExport> {
  const server = tls.createServer({
    key: fixture('client-ecdsa.key.pem'), cert: fixture('client-ecdsa.crt.pem'),
    minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: suite,
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    return await new Promise<NodeExport>((resolve, reject) => {
      let exporterSecret: Uint8Array | undefined;
      const client = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, minVersion: 'TLSv1.3', ciphers: suite });
      client.on('keylog', (line: Buffer) => {
        const [name, , secret] = line.toString('ascii').trim().split(' ');
        if (name === 'EXPORTER_SECRET' && secret !== undefined) exporterSecret = hex(secret);
      });
      client.on('error', reject);
      client.on('secureConnect', () => {
        const exported = new Uint8Array(client.exportKeyingMaterial(length, label, Buffer.from(context)));
        // @types/node requires the context; node passes undefined through as "no context".
        const exportedNoContext = new Uint8Array(client.exportKeyingMaterial(length, label, undefined as unknown as Buffer));
        const negotiated = client.getCipher().standardName;
        client.destroy();
        if (negotiated !== suite || exporterSecret === undefined) reject(new Error(`unexpected handshake: ${negotiated}`));
        else resolve({ exporterSecret, exported, exportedNoContext });
      });
    });
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
