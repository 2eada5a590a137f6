/**
 * The DTLS 1.2 machines' certificate checks, each decision seen from outside
 * (the handshake's outcome, the error's code and alert, what `negotiated`
 * reports), with both crypto providers: the server's checks of the client's
 * Certificate and CertificateVerify, the client's checks of the server's
 * Certificate and ServerKeyExchange signature. (DTLS 1.3 has its own
 * machines, src/dtls13/; these pin the client to 1.2.)
 *
 * The CertificateVerify cases change what the genuine client's machine
 * sends in place, so its Finished covers the forged message: the server must
 * refuse on the CertificateVerify itself, not on a Finished mismatch.
 */
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/codec/writer.js';
import { type CryptoProvider, SignatureScheme } from '../../src/crypto/provider.js';
import { ClientHandshake } from '../../src/handshake/client-handshake.js';
import { encodeCertificate } from '../../src/handshake/messages/certificate.js';
import { decodeCertificateVerify, encodeCertificateVerify } from '../../src/handshake/messages/certificate-verify.js';
import { HandshakeType as HT } from '../../src/handshake/registry.js';
import { ServerHandshake } from '../../src/handshake/server-handshake.js';
import { Reader } from '../../src/codec/reader.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { loadPrivateKey } from '../../src/x509/keys.js';
import { certificatesFromPem } from '../../src/x509/pem.js';
import type { ServerOptions } from '../../src/options.js';
import type { ConnectOptions } from '../../src/client.js';
import { CLIENT_ADDR, PROVIDERS, SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import { type Interceptor, intercept } from '../helpers/intercept.js';
import { ScriptedServerNode, serverSigningWith } from '../helpers/scripted.js';
import { machine12 } from '../helpers/v12.js';

const clientCert = { cert: pki('client-ecdsa.crt.pem'), key: pki('client-ecdsa.key.pem') };
const clientLeaf = certificatesFromPem(pki('client-ecdsa.crt.pem'))[0]!;
const wrongCaClient = { cert: pki('client-wrong-ca.crt.pem'), key: pki('client-wrong-ca.key.pem') };
const wrongCaLeaf = certificatesFromPem(pki('client-wrong-ca.crt.pem'))[0]!;
const serverLeaf = certificatesFromPem(pki('server-ecdsa-p256.crt.pem'))[0]!;

function run(provider: CryptoProvider, server: Partial<ServerOptions>, client: Partial<ConnectOptions>, clientWire?: Interceptor) {
  const net = new VirtualNetwork({ seed: 3 });
  const srv = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), ca: pki('ca-bundle.pem'), handshakeTimeout: 10_000, crypto: provider, ...server } as ServerOptions);
  const cli = new DtlsClientNode(
    { maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost', handshakeTimeout: 10_000, crypto: provider, ...client },
    SERVER_ADDR, 0,
    clientWire && ((d, c) => new ClientHandshake(intercept(d, clientWire), c)),
  );
  net.attach(SERVER_ADDR, srv, { role: 'server' });
  net.attach(CLIENT_ADDR, cli, { role: 'client' });
  net.run({ until: () => cli.closed || srv.errors.length > 0 || (cli.established && srv.established > 0), maxTime: 30_000 });
  const assoc = [...srv.endpoint.associations()][0];
  return { srv, cli, serverSide: assoc?.negotiated };
}

const hex = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('hex'));

describe.each(PROVIDERS)('the DTLS 1.2 server checks the client certificate ($name provider)', (provider) => {
  it('a valid client certificate: authorized, the chain as sent, no error', () => {
    const { cli, serverSide } = run(provider, { requestCert: true, rejectUnauthorized: true }, clientCert);
    expect(cli.established).toBe(true);
    expect(serverSide?.authorized).toBe(true);
    expect(serverSide?.authorizationError).toBeUndefined();
    expect(serverSide?.peerCertificates.map(hex)).toEqual([hex(clientLeaf)]);
  });

  it('a certificate from an unknown CA is refused when rejectUnauthorized is true', () => {
    const { srv, cli } = run(provider, { requestCert: true, rejectUnauthorized: true }, wrongCaClient);
    expect(cli.established).toBe(false);
    expect(srv.established).toBe(0);
    expect(srv.errors[0]?.code).toMatch(/^ERR_DTLS_CERT/);
  });

  it('a certificate from an unknown CA completes when rejectUnauthorized is false: not authorized, with the reason and the chain', () => {
    const { cli, serverSide } = run(provider, { requestCert: true, rejectUnauthorized: false }, wrongCaClient);
    expect(cli.established).toBe(true);
    expect(serverSide?.authorized).toBe(false);
    expect(serverSide?.authorizationError?.code).toMatch(/^ERR_DTLS_CERT/);
    expect(serverSide?.peerCertificates.map(hex)).toEqual([hex(wrongCaLeaf)]);
  });

  it('an unparseable client certificate is refused even when rejectUnauthorized is false (there is no key to check a CertificateVerify with)', () => {
    const truncated = clientLeaf.subarray(0, 120);
    const { srv, cli } = run(provider, { requestCert: true, rejectUnauthorized: false }, {}, {
      message: (type, body, out) => {
        if (type === HT.certificate) return encode((w) => encodeCertificate(w, { certificates: [truncated] }), 4096);
        void out;
        return body;
      },
    });
    expect(cli.established).toBe(false);
    expect(srv.established).toBe(0);
    expect(srv.errors[0]?.alert).toBe('bad_certificate');
  });

  it('an empty Certificate when one is required: ERR_DTLS_NO_PEER_CERTIFICATE, handshake_failure', () => {
    const { srv, cli } = run(provider, { requestCert: true, rejectUnauthorized: true }, {});
    expect(cli.established).toBe(false);
    expect(srv.errors[0]?.code).toBe('ERR_DTLS_NO_PEER_CERTIFICATE');
    expect(srv.errors[0]?.alert).toBe('handshake_failure');
  });

  it('an empty Certificate with rejectUnauthorized false completes: not authorized, no certificates, the reason given', () => {
    const { cli, serverSide } = run(provider, { requestCert: true, rejectUnauthorized: false }, {});
    expect(cli.established).toBe(true);
    expect(serverSide?.authorized).toBe(false);
    expect(serverSide?.authorizationError?.code).toBe('ERR_DTLS_NO_PEER_CERTIFICATE');
    expect(serverSide?.peerCertificates).toEqual([]);
  });
});

describe.each(PROVIDERS)('the DTLS 1.2 server checks the CertificateVerify, whose Finished is right ($name provider)', (provider) => {
  const otherKey = provider.importSigningKey(loadPrivateKey(pki('client-selfsigned.key.pem')).pkcs8);
  const ownKey = provider.importSigningKey(loadPrivateKey(pki('client-ecdsa.key.pem')).pkcs8);
  /** The genuine client's CertificateVerify replaced by `f(transcript it signs)`. */
  const forging = (f: (signed: Uint8Array) => { scheme: number; signature: Uint8Array }): Interceptor => ({
    message: (type, body, out) => (type === HT.certificate_verify ? encode((w) => encodeCertificateVerify(w, f(out.transcript()))) : body),
  });

  it('the control: the genuine CertificateVerify, passed through the same interceptor, completes', () => {
    let seen: number | undefined;
    const { cli, srv } = run(provider, { requestCert: true, rejectUnauthorized: true }, clientCert, {
      message: (type, body) => {
        if (type === HT.certificate_verify) seen = decodeCertificateVerify(new Reader(body)).scheme;
        return body;
      },
    });
    expect(seen).toBe(SignatureScheme.ecdsa_secp256r1_sha256);
    expect(cli.established).toBe(true);
    expect(srv.established).toBe(1);
  });

  const cases: [string, (signed: Uint8Array) => { scheme: number; signature: Uint8Array }][] = [
    ['signed with another key', (t) => ({ scheme: SignatureScheme.ecdsa_secp256r1_sha256, signature: otherKey.sign(SignatureScheme.ecdsa_secp256r1_sha256, t) })],
    ['over other bytes', (t) => ({ scheme: SignatureScheme.ecdsa_secp256r1_sha256, signature: ownKey.sign(SignatureScheme.ecdsa_secp256r1_sha256, t.subarray(1)) })],
    ['valid, but with ecdsa_sha1, a scheme the server did not offer', (t) => ({ scheme: SignatureScheme.ecdsa_sha1, signature: ownKey.sign(SignatureScheme.ecdsa_sha1, t) })],
  ];
  for (const rejectUnauthorized of [true, false]) {
    it.each(cases)(`a CertificateVerify %s is ERR_DTLS_BAD_CERTIFICATE_VERIFY, decrypt_error (rejectUnauthorized: ${rejectUnauthorized})`, (_name, f) => {
      const { srv, cli } = run(provider, { requestCert: true, rejectUnauthorized }, clientCert, forging(f));
      expect(cli.established).toBe(false);
      expect(srv.established).toBe(0);
      expect(srv.errors[0]?.code).toBe('ERR_DTLS_BAD_CERTIFICATE_VERIFY');
      expect(srv.errors[0]?.alert).toBe('decrypt_error');
    });
  }
});

describe.each(PROVIDERS)('the DTLS 1.2 client checks the server certificate ($name provider)', (provider) => {
  it('a server the CA list vouches for: authorized, its chain, the ServerKeyExchange scheme and group recorded', () => {
    const { cli } = run(provider, {}, {});
    expect(cli.established).toBe(true);
    const n = machine12(cli).negotiated!;
    expect(n.authorized).toBe(true);
    expect(n.authorizationError).toBeUndefined();
    expect(n.peerCertificates.map(hex)).toEqual([hex(serverLeaf)]);
    expect(n.signatureScheme).toBe(SignatureScheme.ecdsa_secp256r1_sha256);
    expect(n.group).toBe('x25519');
  });

  it('a server from a CA the client does not trust is refused when rejectUnauthorized is true', () => {
    const { cli } = run(provider, {}, { ca: pki('ca-untrusted.crt.pem') });
    expect(cli.established).toBe(false);
    expect(cli.error?.code).toMatch(/^ERR_DTLS_CERT/);
  });

  it('with rejectUnauthorized false it completes: not authorized, the reason and the chain given', () => {
    const { cli } = run(provider, {}, { ca: pki('ca-untrusted.crt.pem'), rejectUnauthorized: false });
    expect(cli.established).toBe(true);
    const n = machine12(cli).negotiated!;
    expect(n.authorized).toBe(false);
    expect(n.authorizationError?.code).toMatch(/^ERR_DTLS_CERT/);
    expect(n.peerCertificates.map(hex)).toEqual([hex(serverLeaf)]);
  });
});

describe('the DTLS 1.2 client checks what a scripted server sends', () => {
  function against(machine: ConstructorParameters<typeof ScriptedServerNode>[1], client: Partial<ConnectOptions> = {}) {
    const net = new VirtualNetwork({ seed: 2 });
    const srv = new ScriptedServerNode({ ...serverIdentity('ecdsa-p256') }, machine);
    const cli = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost', ...client }, SERVER_ADDR);
    net.attach(SERVER_ADDR, srv, { role: 'server' });
    net.attach(CLIENT_ADDR, cli, { role: 'client' });
    net.run({ until: () => cli.closed || cli.established, maxTime: 30_000 });
    return cli;
  }

  for (const rejectUnauthorized of [true, false]) {
    it(`an empty server Certificate is ERR_DTLS_NO_PEER_CERTIFICATE, bad_certificate (rejectUnauthorized: ${rejectUnauthorized})`, () => {
      const cli = against((d, c) => new ServerHandshake(intercept(d, {
        message: (type, body) => (type === HT.certificate ? encode((w) => encodeCertificate(w, { certificates: [] })) : body),
      }), c), { rejectUnauthorized });
      expect(cli.established).toBe(false);
      expect(cli.error?.code).toBe('ERR_DTLS_NO_PEER_CERTIFICATE');
      expect(cli.error?.alert).toBe('bad_certificate');
    });
  }

  it('a ServerKeyExchange signature that does not verify is ERR_DTLS_BAD_SKE_SIGNATURE, decrypt_error', () => {
    const cli = against(serverSigningWith((key, scheme, signed) => ({ signature: { scheme, signature: key.sign(scheme, signed.subarray(1)) } })));
    expect(cli.established).toBe(false);
    expect(cli.error?.code).toBe('ERR_DTLS_BAD_SKE_SIGNATURE');
    expect(cli.error?.alert).toBe('decrypt_error');
  });

  it('a valid ServerKeyExchange signature with a scheme the client did not offer (ecdsa_sha1) is ERR_DTLS_BAD_SIGNATURE_SCHEME, illegal_parameter', () => {
    const cli = against(serverSigningWith((key, _scheme, signed) => ({ signature: { scheme: SignatureScheme.ecdsa_sha1, signature: key.sign(SignatureScheme.ecdsa_sha1, signed) } })));
    expect(cli.established).toBe(false);
    expect(cli.error?.code).toBe('ERR_DTLS_BAD_SIGNATURE_SCHEME');
    expect(cli.error?.alert).toBe('illegal_parameter');
  });

  it('a valid signature with a scheme for another key kind (RSA for an ECDSA key) is ERR_DTLS_BAD_SIGNATURE_SCHEME', () => {
    const cli = against(serverSigningWith((key, scheme, signed) => ({ signature: { scheme: SignatureScheme.rsa_pss_rsae_sha256, signature: key.sign(scheme, signed) } })));
    expect(cli.established).toBe(false);
    expect(cli.error?.code).toBe('ERR_DTLS_BAD_SIGNATURE_SCHEME');
  });
});
