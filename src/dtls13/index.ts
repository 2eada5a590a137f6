/**
 * The building blocks of DTLS 1.3 (RFC 9147 over RFC 8446) that do not depend
 * on the connection core: key schedule, transcript, record layer (framing,
 * record-number encryption, protection, epochs), suites, messages and
 * extensions, tickets, key-log lines. Internal: not exported from the package.
 */
export * from './hkdf.js';
export * from './key-schedule.js';
export * from './keylog.js';
export * from './transcript.js';
export * from './suites.js';
export * from './record.js';
export * from './record-number.js';
export * from './protection.js';
export * from './epoch.js';
export * from './session.js';
export * from './messages/ack.js';
export * from './messages/certificate.js';
export * from './messages/certificate-request.js';
export * from './messages/certificate-verify.js';
export * from './messages/client-hello.js';
export * from './messages/connection-id.js';
export * from './messages/encrypted-extensions.js';
export * from './messages/extension-block.js';
export * from './messages/finished.js';
export * from './messages/handshake-header.js';
export * from './messages/key-share.js';
export * from './messages/key-update.js';
export * from './messages/new-session-ticket.js';
export * from './messages/pre-shared-key.js';
export * from './messages/server-hello.js';
export * from './messages/simple-extensions.js';
export * from './messages/supported-versions.js';
