/**
 * What both 'puredtls' (src/index.ts) and 'puredtls/sans-io' (src/sans-io.ts)
 * export: the errors, self-signed certificates and the types their events and
 * sessions refer to. One list, so the two entry points cannot drift apart.
 *
 * @module
 */
export {
  DtlsError, DecodeError, UnexpectedMessageError, HandshakeError, AlertReceivedError, HandshakeTimeoutError,
  CertificateError, KeyError, ClosedError, AlertDescription, type AlertName,
} from './errors.js';
export { createSelfSigned, type SelfSigned, type SelfSignedOptions } from './x509/selfsigned.js';
export type { CipherInfo } from './peer-info.js';
export type { PeerCertificate } from './x509/certificate.js';
export type { Negotiated } from './handshake/common.js';
export { MemorySessionStore, type SessionStore } from './handshake/session-store.js';
