import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { CLIENT_ADDR, PROVIDERS, SERVER_ADDR } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import type { ServerOptions } from '../../src/options.js';
import type { ConnectOptions } from '../../src/client.js';

const spkiOf = (name: string) => createPublicKey(pki(name)).export({ type: 'spki', format: 'der' });

function run(server: Partial<ServerOptions>, client: Partial<ConnectOptions>) {
  const net = new VirtualNetwork({ seed: 5 });
  const srv = new DtlsServerNode({ handshakeTimeout: 5000, ...server } as ServerOptions);
  const cli = new DtlsClientNode({ handshakeTimeout: 5000, ...client }, SERVER_ADDR);
  net.attach(SERVER_ADDR, srv, { role: 'server' });
  net.attach(CLIENT_ADDR, cli, { role: 'client' });
  net.run({ until: () => cli.closed || (cli.established && srv.established > 0), maxTime: 10_000 });
  return { srv, cli };
}

describe.each(PROVIDERS)('raw public keys (RFC 7250) with the $name provider', (provider) => {
  for (const [label, keyFile] of [['ECDSA P-256', 'server-ecdsa-p256.key.pem'], ['Ed25519', 'server-ed25519.key.pem']] as const) {
    it(`authenticates a ${label} server by its raw key, with no certificate at all`, () => {
      const pinned = spkiOf(keyFile);
      const seen: Buffer[] = [];
      const { cli } = run(
        { key: pki(keyFile), rawPublicKey: true, crypto: provider },
        { crypto: provider, verifyRawPublicKey: (spki) => { seen.push(spki); return spki.equals(pinned); } },
      );
      expect(cli.established).toBe(true);
      expect(seen).toHaveLength(1);
      expect(Buffer.from(cli.machine.negotiated!.peerRawPublicKey!).equals(pinned)).toBe(true);
      expect(cli.machine.negotiated?.authorized).toBe(true);
      expect(cli.machine.negotiated?.peerCertificates).toEqual([]);
    });
  }

  it('refuses a server raw key the callback does not trust, with bad_certificate', () => {
    const { cli } = run({ key: pki('server-ecdsa-p256.key.pem'), rawPublicKey: true, crypto: provider }, { crypto: provider, verifyRawPublicKey: () => false });
    expect(cli.established).toBe(false);
    expect(cli.error?.alert).toBe('bad_certificate');
  });

  it('authenticates clients by raw key on both sides (mutual RPK)', () => {
    const clientKey = spkiOf('client-ecdsa.key.pem');
    const serverKey = spkiOf('server-ecdsa-p256.key.pem');
    const { srv, cli } = run(
      { key: pki('server-ecdsa-p256.key.pem'), rawPublicKey: true, requestCert: true, rejectUnauthorized: true, crypto: provider, verifyRawPublicKey: (k) => k.equals(clientKey) },
      { key: pki('client-ecdsa.key.pem'), rawPublicKey: true, crypto: provider, verifyRawPublicKey: (k) => k.equals(serverKey) },
    );
    expect(cli.established).toBe(true);
    const assoc = [...srv.endpoint.associations()][0]!;
    expect(Buffer.from(assoc.negotiated!.peerRawPublicKey!).equals(clientKey)).toBe(true);
    expect(assoc.negotiated?.authorized).toBe(true);
  });

  it('refuses a client raw key the server does not trust', () => {
    const serverKey = spkiOf('server-ecdsa-p256.key.pem');
    const { srv, cli } = run(
      { key: pki('server-ecdsa-p256.key.pem'), rawPublicKey: true, requestCert: true, rejectUnauthorized: true, crypto: provider, verifyRawPublicKey: () => false },
      { key: pki('client-ecdsa.key.pem'), rawPublicKey: true, crypto: provider, verifyRawPublicKey: (k) => k.equals(serverKey) },
    );
    expect(cli.established).toBe(false);
    expect(srv.errors[0]?.code).toBe('ERR_DTLS_RAW_KEY_UNTRUSTED');
  });

  it('uses the X.509 certificate for a client that does not offer raw keys', () => {
    const { cli } = run(
      { key: pki('server-ecdsa-p256.key.pem'), cert: pki('server-ecdsa-p256.crt.pem'), rawPublicKey: true, crypto: provider },
      { crypto: provider, ca: pki('ca-bundle.pem'), servername: 'localhost' },
    );
    expect(cli.established).toBe(true);
    expect(cli.machine.negotiated?.peerCertificates).toHaveLength(1);
  });

  it('fails a certificate-only client against a raw-key-only server', () => {
    const { cli } = run({ key: pki('server-ecdsa-p256.key.pem'), rawPublicKey: true, crypto: provider }, { crypto: provider, ca: pki('ca-bundle.pem') });
    expect(cli.established).toBe(false);
    expect(cli.error?.alert).toBe('handshake_failure');
  });
});
