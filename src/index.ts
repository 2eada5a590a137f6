/**
 * puredtls: DTLS 1.2 (RFC 6347) in pure TypeScript. An `openssl-dtls`
 * compatible server ({@link createServer}) and a client ({@link connect},
 * {@link connectAsync}) on `node:dgram`. Errors are {@link DtlsError}s with
 * stable codes (docs/errors.md); the sans-IO core beneath them, for any
 * datagram transport, is `puredtls/sans-io` (docs/sans-io.md); the in-memory
 * test network is `puredtls/testing`.
 *
 * @example
 * ```ts
 * import fs from 'node:fs';
 * import { createServer, connectAsync } from 'puredtls';
 *
 * const server = createServer({ key: fs.readFileSync('server.key'), cert: fs.readFileSync('server.crt') });
 * server.on('secureConnection', (peer) => peer.on('message', (msg) => peer.send(msg)));
 * server.bind(4433);
 *
 * const client = await connectAsync({ host: 'localhost', port: 4433, ca: fs.readFileSync('ca.crt') });
 * client.on('message', (msg) => console.log(`${msg}`));
 * client.send('hello');
 * ```
 *
 * @module puredtls
 */
export { createServer, Server, Peer, type ServerEvents, type PeerEvents, type RemoteInfo } from './server.js';
export { connect, connectAsync, ClientConnection, type ConnectOptions, type ClientEvents } from './client.js';
export type { ServerOptions, CommonOptions, PemInput } from './options.js';
// The errors, createSelfSigned and the types they share with 'puredtls/sans-io'.
export * from './shared-exports.js';
export { parseCipherList, DEFAULT_CIPHER_LIST, CipherListError } from './crypto/cipher-list.js';
export { CIPHER_SUITES, type CipherSuite } from './crypto/suites.js';
export { defaultProvider, nodeProvider, nobleProvider, type CryptoProvider } from './crypto/index.js';
// Types that the declarations above refer to (type-only: no runtime export).
export type { NodeServerOptions } from './server.js';
export type { ClusterOptions } from './cluster/options.js';
export type { ClusterStats } from './cluster/router.js';
export type { ChannelDrops } from './cluster/channel.js';
export type { ClientPskOption } from './config.js';
export type { DistinguishedName } from './x509/certificate.js';
export type { KeyExchange, Authentication, Protection, AeadProtection, CbcProtection } from './crypto/suites.js';
export type {
  Aead, AeadAlg, BlockCipher, EcCurve, GroupName, HashAlg, KemEncapsulation, KemGroupName, KemKeyShare, KeyKind, KeyShare, MaskAlg,
  RecordNumberMask, SigningKey, VerifyingKey,
} from './crypto/provider.js';
export { SignatureScheme } from './crypto/provider.js';
