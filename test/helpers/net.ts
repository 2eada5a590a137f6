import { nobleProvider } from '../../src/crypto/index.js';
import { nativeProvider } from '../crypto/helpers.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import type { CommonOptions, ServerOptions } from '../../src/options.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { type Impairments, VirtualNetwork } from '../../src/testing/network.js';
import { pki } from './pki.js';

export const PROVIDERS: readonly CryptoProvider[] = [nativeProvider, nobleProvider];

export const SERVER_ADDR = { address: '10.0.0.1', port: 4433 };
export const CLIENT_ADDR = { address: '10.0.0.2', port: 50000 };

export type CertName = 'ecdsa-p256' | 'ecdsa-p384' | 'rsa2048' | 'ed25519';

export function serverIdentity(name: CertName): { key: Buffer; cert: Buffer } {
  return { key: pki(`server-${name}.key.pem`), cert: pki(`server-${name}.crt.pem`) };
}

export interface PairOptions {
  seed?: number;
  log?: boolean;
  provider?: CryptoProvider;
  cert?: CertName;
  server?: Partial<ServerOptions>;
  client?: Partial<CommonOptions> & { servername?: string; rejectUnauthorized?: boolean };
  impairments?: Impairments;
  serverToClient?: Impairments;
  clientToServer?: Impairments;
}

/** A server and a client on a fresh virtual network. */
export function pair(o: PairOptions = {}): { net: VirtualNetwork; server: DtlsServerNode; client: DtlsClientNode } {
  const provider = o.provider ?? nativeProvider;
  const net = new VirtualNetwork({ seed: o.seed ?? 1, log: o.log ?? false, ...(o.impairments && { impairments: o.impairments }) });
  const server = new DtlsServerNode({ ...serverIdentity(o.cert ?? 'ecdsa-p256'), crypto: provider, ...o.server });
  // DTLS 1.2 unless the test asks for more (`minVersion: 'DTLSv1.3'` or a `maxVersion`): the suites built on pair() look inside 1.2 associations.
  const maxVersion = o.client?.minVersion === 'DTLSv1.3' ? 'DTLSv1.3' : 'DTLSv1.2';
  const client = new DtlsClientNode({ ca: pki('ca-bundle.pem'), servername: 'localhost', crypto: provider, maxVersion, ...o.client }, SERVER_ADDR, net.now);
  if (o.serverToClient) net.link(SERVER_ADDR, CLIENT_ADDR, o.serverToClient);
  if (o.clientToServer) net.link(CLIENT_ADDR, SERVER_ADDR, o.clientToServer);
  net.attach(SERVER_ADDR, server, { role: 'server', name: 'server' });
  net.attach(CLIENT_ADDR, client, { role: 'client', name: 'client' });
  return { net, server, client };
}

/** Run until both sides are established (and the server saw it), or the time limit. */
export function runHandshake(p: ReturnType<typeof pair>, maxTime = 60_000): boolean {
  p.net.run({ until: () => p.client.established && p.server.established > 0, maxTime });
  return p.client.established && p.server.established > 0;
}
