// The same exports as entry.ts, from the tsc build in dist/ (`node bench/run.mjs --dist`).
export * from '../../dist/index.js';
export { ServerEndpoint } from '../../dist/endpoint/server-endpoint.js';
export { Connection } from '../../dist/connection/connection.js';
export { ClientHandshake } from '../../dist/handshake/client-handshake.js';
export { Connection13 } from '../../dist/dtls13/connection13.js';
export { Client13Handshake } from '../../dist/dtls13/handshake/client13.js';
export { resolveServerConfig, resolveClientConfig, clientHandshakeConfig } from '../../dist/config.js';
export { DtlsClientNode, DtlsServerNode } from '../../dist/testing/index.js';
