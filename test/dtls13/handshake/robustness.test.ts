import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeProvider } from '../../../src/crypto/index.js';
import { DtlsError } from '../../../src/errors.js';
import { HandshakeType as HT } from '../../../src/handshake/registry.js';
import { TicketKeys } from '../../../src/handshake/session.js';
import { pki } from '../../helpers/pki.js';
import { clientConfig, handshake, serverConfig } from './loopback.js';

const provider = nodeProvider;

/** A mangled message body: random bytes, the real body truncated, or one byte of it changed. */
const mangle = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => () => b),
  fc.nat().map((n) => (real: Uint8Array) => real.subarray(0, n % (real.length + 1))),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([i, x]) => (real: Uint8Array) => {
    const b = Uint8Array.from(real);
    if (b.length > 0) b[i % b.length]! ^= x;
    return b;
  }),
);

const server = () => serverConfig(provider, { requestCert: true, ca: pki('ca-bundle.pem') }, { sessions: { tickets: new TicketKeys(provider, [new Uint8Array(48).fill(2)], 3600) } });
const client = () => clientConfig(provider, { key: pki('client-ecdsa.key.pem'), cert: pki('client-ecdsa.crt.pem') });

describe('bad input never escapes the DTLS 1.3 machines as anything but a DtlsError', () => {
  const cases: ['client' | 'server', number][] = [
    ['client', HT.client_hello], ['client', HT.certificate], ['client', HT.certificate_verify], ['client', HT.finished],
    ['server', HT.server_hello], ['server', HT.encrypted_extensions], ['server', HT.certificate_request], ['server', HT.certificate],
    ['server', HT.certificate_verify], ['server', HT.finished], ['server', HT.new_session_ticket],
  ];
  it.each(cases)('a mangled message from the %s of type %i', async (from, type) => {
    await fc.assert(fc.asyncProperty(mangle, async (f) => {
      const l = await handshake(provider, server(), client(), (lb) => {
        lb.tamper = (side, m) => (side === from && m.msgType === type ? { ...m, body: f(m.body) } : m);
      });
      for (const side of [l.client, l.server]) {
        if (side.error !== undefined) expect(side.error).toBeInstanceOf(DtlsError);
      }
    }), { numRuns: 25 });
  });
});
