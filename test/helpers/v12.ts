/**
 * Narrowing for tests that look inside a DTLS 1.2 association (record layer,
 * handshake machine): they pin the client to 1.2, and these say so by failing
 * loudly when the association turns out to be a 1.3 one.
 */
import { Connection } from '../../src/connection/connection.js';
import type { AssociationCore } from '../../src/endpoint/endpoint.js';
import { ClientHandshake } from '../../src/handshake/client-handshake.js';

/** The DTLS 1.2 core of an association. */
export function conn12(c: AssociationCore): Connection {
  if (!(c instanceof Connection)) throw new Error('expected a DTLS 1.2 association (pin the client with maxVersion: DTLSv1.2)');
  return c;
}

/** The DTLS 1.2 handshake machine of a client node. */
export function machine12(node: { readonly machine: object }): ClientHandshake {
  const m = node.machine;
  if (!(m instanceof ClientHandshake)) throw new Error('expected a DTLS 1.2 handshake (pin the client with maxVersion: DTLSv1.2)');
  return m;
}
