import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { CLIENT_ADDR, PROVIDERS, SERVER_ADDR } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import type { ServerOptions } from '../../src/options.js';
import type { ConnectOptions } from '../../src/client.js';
import { encode } from '../../src/codec/writer.js';
import { ClientHandshake } from '../../src/handshake/client-handshake.js';
import { encodeRawPublicKeyCertificate } from '../../src/handshake/messages/certificate.js';
import { HandshakeType as HT } from '../../src/handshake/registry.js';
import { intercept } from '../helpers/intercept.js';

const spkiOf = (name: string) => createPublicKey(pki(name)).export({ type: 'spki', format: 'der' });

type Version = 'DTLSv1.2' | 'DTLSv1.3';
/** DTLS 1.2 and 1.3 check raw keys in different machines (src/handshake/ and src/dtls13/): every case runs on both. */
const VERSIONS: readonly Version[] = ['DTLSv1.2', 'DTLSv1.3'];

function run(server: Partial<ServerOptions>, client: Partial<ConnectOptions>, maxVersion: Version) {
  const net = new VirtualNetwork({ seed: 5 });
  const srv = new DtlsServerNode({ handshakeTimeout: 5000, ...server } as ServerOptions);
  const cli = new DtlsClientNode({ handshakeTimeout: 5000, maxVersion, ...client }, SERVER_ADDR);
  net.attach(SERVER_ADDR, srv, { role: 'server' });
  net.attach(CLIENT_ADDR, cli, { role: 'client' });
  net.run({ until: () => cli.closed || (cli.established && srv.established > 0), maxTime: 10_000 });
  return { srv, cli };
}

describe.each(PROVIDERS.flatMap((provider) => VERSIONS.map((version) => ({ name: provider.name, provider, version }))))('raw public keys (RFC 7250) with the $name provider, $version', ({ provider, version }) => {
  for (const [label, keyFile] of [['ECDSA P-256', 'server-ecdsa-p256.key.pem'], ['Ed25519', 'server-ed25519.key.pem']] as const) {
    it(`authenticates a ${label} server by its raw key, with no certificate at all`, () => {
      const pinned = spkiOf(keyFile);
      const seen: Buffer[] = [];
      const { cli } = run(
        { key: pki(keyFile), rawPublicKey: true, crypto: provider },
        { crypto: provider, verifyRawPublicKey: (spki) => { seen.push(spki); return spki.equals(pinned); } }, version,
      );
      expect(cli.established).toBe(true);
      expect(seen).toHaveLength(1);
      expect(Buffer.from(cli.machine.negotiated!.peerRawPublicKey!).equals(pinned)).toBe(true);
      expect(cli.machine.negotiated?.authorized).toBe(true);
      expect(cli.machine.negotiated?.peerCertificates).toEqual([]);
    });
  }

  it('refuses a server raw key the callback does not trust, with bad_certificate', () => {
    const { cli } = run({ key: pki('server-ecdsa-p256.key.pem'), rawPublicKey: true, crypto: provider }, { crypto: provider, verifyRawPublicKey: () => false }, version);
    expect(cli.established).toBe(false);
    expect(cli.error?.alert).toBe('bad_certificate');
  });

  it('authenticates clients by raw key on both sides (mutual RPK)', () => {
    const clientKey = spkiOf('client-ecdsa.key.pem');
    const serverKey = spkiOf('server-ecdsa-p256.key.pem');
    const { srv, cli } = run(
      { key: pki('server-ecdsa-p256.key.pem'), rawPublicKey: true, requestCert: true, rejectUnauthorized: true, crypto: provider, verifyRawPublicKey: (k) => k.equals(clientKey) },
      { key: pki('client-ecdsa.key.pem'), rawPublicKey: true, crypto: provider, verifyRawPublicKey: (k) => k.equals(serverKey) }, version,
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
      { key: pki('client-ecdsa.key.pem'), rawPublicKey: true, crypto: provider, verifyRawPublicKey: (k) => k.equals(serverKey) }, version,
    );
    expect(cli.established).toBe(false);
    expect(srv.errors[0]?.code).toBe('ERR_DTLS_RAW_KEY_UNTRUSTED');
  });

  it('uses the X.509 certificate for a client that does not offer raw keys', () => {
    const { cli } = run(
      { key: pki('server-ecdsa-p256.key.pem'), cert: pki('server-ecdsa-p256.crt.pem'), rawPublicKey: true, crypto: provider },
      { crypto: provider, ca: pki('ca-bundle.pem'), servername: 'localhost' }, version,
    );
    expect(cli.established).toBe(true);
    expect(cli.machine.negotiated?.peerCertificates).toHaveLength(1);
  });

  it('fails a certificate-only client against a raw-key-only server', () => {
    const { cli } = run({ key: pki('server-ecdsa-p256.key.pem'), rawPublicKey: true, crypto: provider }, { crypto: provider, ca: pki('ca-bundle.pem') }, version);
    expect(cli.established).toBe(false);
    expect(cli.error?.alert).toBe('handshake_failure');
  });
  it('a client with rejectUnauthorized: false completes with a server raw key the callback does not trust, and says it is not authorized', () => {
    const pinned = spkiOf('server-ecdsa-p256.key.pem');
    const { cli } = run({ key: pki('server-ecdsa-p256.key.pem'), rawPublicKey: true, crypto: provider }, { crypto: provider, verifyRawPublicKey: () => false, rejectUnauthorized: false }, version);
    expect(cli.established).toBe(true);
    expect(cli.machine.negotiated?.authorized).toBe(false);
    expect(Buffer.from(cli.machine.negotiated!.peerRawPublicKey!).equals(pinned)).toBe(true);
  });

  it('a server that does not trust the client raw key but has rejectUnauthorized: false completes, not authorized, with the reason', () => {
    const clientKey = spkiOf('client-ecdsa.key.pem');
    const serverKey = spkiOf('server-ecdsa-p256.key.pem');
    const { srv, cli } = run(
      { key: pki('server-ecdsa-p256.key.pem'), rawPublicKey: true, requestCert: true, rejectUnauthorized: false, crypto: provider, verifyRawPublicKey: () => false },
      { key: pki('client-ecdsa.key.pem'), rawPublicKey: true, crypto: provider, verifyRawPublicKey: (k) => k.equals(serverKey) },
      version,
    );
    expect(cli.established).toBe(true);
    const n = [...srv.endpoint.associations()][0]!.negotiated!;
    expect(n.authorized).toBe(false);
    expect(n.authorizationError?.code).toBe('ERR_DTLS_RAW_KEY_UNTRUSTED');
    expect(Buffer.from(n.peerRawPublicKey!).equals(clientKey)).toBe(true);
  });

  it('a trusted client raw key carries no authorization error', () => {
    const clientKey = spkiOf('client-ecdsa.key.pem');
    const serverKey = spkiOf('server-ecdsa-p256.key.pem');
    const { srv } = run(
      { key: pki('server-ecdsa-p256.key.pem'), rawPublicKey: true, requestCert: true, rejectUnauthorized: false, crypto: provider, verifyRawPublicKey: (k) => k.equals(clientKey) },
      { key: pki('client-ecdsa.key.pem'), rawPublicKey: true, crypto: provider, verifyRawPublicKey: (k) => k.equals(serverKey) },
      version,
    );
    const n = [...srv.endpoint.associations()][0]!.negotiated!;
    expect(n.authorized).toBe(true);
    expect(n.authorizationError).toBeUndefined();
  });
});

describe.each(PROVIDERS)('a DTLS 1.2 server checking the client raw key it receives ($name provider)', (provider) => {
  const serverKey = spkiOf('server-ecdsa-p256.key.pem');
  /** The genuine client (with a raw key), its Certificate replaced by a raw key certificate holding `spki`. */
  function sending(spki: Uint8Array, server: Partial<ServerOptions>) {
    const net = new VirtualNetwork({ seed: 5 });
    let asked = 0;
    const srv = new DtlsServerNode({
      handshakeTimeout: 5000, key: pki('server-ecdsa-p256.key.pem'), rawPublicKey: true, requestCert: true, crypto: provider,
      verifyRawPublicKey: () => { asked++; return true; }, ...server,
    } as ServerOptions);
    const cli = new DtlsClientNode(
      { handshakeTimeout: 5000, maxVersion: 'DTLSv1.2', key: pki('client-ecdsa.key.pem'), rawPublicKey: true, crypto: provider, verifyRawPublicKey: (k) => k.equals(serverKey) },
      SERVER_ADDR, 0,
      (d, c) => new ClientHandshake(intercept(d, {
        message: (type, body) => {
          if (type === HT.certificate_verify) return null; // nothing to sign for when no key is sent
          return type === HT.certificate ? encode((w) => encodeRawPublicKeyCertificate(w, spki)) : body;
        },
      }), c),
    );
    net.attach(SERVER_ADDR, srv, { role: 'server' });
    net.attach(CLIENT_ADDR, cli, { role: 'client' });
    net.run({ until: () => cli.closed || (cli.established && srv.established > 0), maxTime: 10_000 });
    return { srv, cli, asked: () => asked };
  }

  it('a raw key that is not a SubjectPublicKeyInfo gets bad_certificate before the callback is asked', () => {
    const { srv, cli, asked } = sending(Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x01]), { rejectUnauthorized: true });
    expect(cli.established).toBe(false);
    expect(srv.errors[0]?.code).toBe('ERR_DTLS_BAD_CERTIFICATE');
    expect(srv.errors[0]?.alert).toBe('bad_certificate');
    expect(asked()).toBe(0);
  });

  it('an empty raw key certificate gets handshake_failure when a key is required', () => {
    const { srv, cli, asked } = sending(new Uint8Array(0), { rejectUnauthorized: true });
    expect(cli.established).toBe(false);
    expect(srv.errors[0]?.code).toBe('ERR_DTLS_NO_PEER_CERTIFICATE');
    expect(srv.errors[0]?.alert).toBe('handshake_failure');
    expect(asked()).toBe(0);
  });

  it('an empty raw key certificate completes unauthenticated when rejectUnauthorized is false', () => {
    const { srv, cli, asked } = sending(new Uint8Array(0), { rejectUnauthorized: false });
    expect(cli.established).toBe(true);
    expect(srv.established).toBe(1);
    const n = [...srv.endpoint.associations()][0]!.negotiated!;
    expect(n.authorized).toBe(false);
    expect(n.peerRawPublicKey).toBeUndefined();
    expect(asked()).toBe(0);
  });
});
