/**
 * puredtls: DTLS 1.2 (RFC 6347) in pure TypeScript. An `openssl-dtls`
 * compatible server (`createServer`), a client (`connect`), and the sans-IO
 * core beneath them.
 *
 * @packageDocumentation
 */
export { createServer, Server, Peer, type ServerEvents, type PeerEvents, type RemoteInfo } from './server.js';
export { connect, connectAsync, ClientConnection, type ConnectOptions, type ClientEvents } from './client.js';
export type { ServerOptions, CommonOptions, PemInput } from './options.js';
export type { CipherInfo } from './peer-info.js';
export {
  DtlsError, DecodeError, UnexpectedMessageError, HandshakeError, AlertReceivedError, HandshakeTimeoutError,
  CertificateError, KeyError, ClosedError, AlertDescription, type AlertName,
} from './errors.js';
export { parseCipherList, DEFAULT_CIPHER_LIST } from './crypto/cipher-list.js';
export { CIPHER_SUITES, type CipherSuite } from './crypto/suites.js';
export { defaultProvider, nodeProvider, nobleProvider, type CryptoProvider } from './crypto/index.js';
export { createSelfSigned } from './x509/selfsigned.js';
export type { PeerCertificate } from './x509/certificate.js';
