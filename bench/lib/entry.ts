// Bundled by bench/lib/build.mjs into bench/.build/puredtls.mjs (esbuild, no type check):
// the public API plus the sans-IO internals the in-process measurements drive.
export * from '../../src/index.js';
export { ServerEndpoint } from '../../src/endpoint/server-endpoint.js';
export { Connection } from '../../src/connection/connection.js';
export { ClientHandshake } from '../../src/handshake/client-handshake.js';
export { Connection13 } from '../../src/dtls13/connection13.js';
export { Client13Handshake } from '../../src/dtls13/handshake/client13.js';
export { resolveServerConfig, resolveClientConfig, clientHandshakeConfig } from '../../src/config.js';
export { DtlsClientNode, DtlsServerNode } from '../../src/testing/index.js';
