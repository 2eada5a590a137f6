import { describe, expect, it } from 'vitest';
import { encode } from '../../src/codec/writer.js';
import { nodeProvider } from '../../src/crypto/index.js';
import { SignatureScheme } from '../../src/crypto/provider.js';
import { ClientHandshake } from '../../src/handshake/client-handshake.js';
import { encodeCertificate } from '../../src/handshake/messages/certificate.js';
import { encodeCertificateVerify } from '../../src/handshake/messages/certificate-verify.js';
import { HandshakeType as HT } from '../../src/handshake/registry.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { loadPrivateKey } from '../../src/x509/keys.js';
import { certificatesFromPem } from '../../src/x509/pem.js';
import { CLIENT_ADDR, SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import { type Interceptor, intercept } from '../helpers/intercept.js';
import { ScriptedServerNode, serverSigningWith } from '../helpers/scripted.js';

const clientChain = certificatesFromPem(pki('client-ecdsa.crt.pem'));
const clientKey = nodeProvider.importSigningKey(loadPrivateKey(pki('client-ecdsa.key.pem')).pkcs8);
const otherKey = nodeProvider.importSigningKey(loadPrivateKey(pki('client-selfsigned.key.pem')).pkcs8);

/**
 * How a test rewrites the genuine client's flight 5 (which, with no client
 * certificate configured, is an empty Certificate when one is requested,
 * ClientKeyExchange, ChangeCipherSpec, Finished).
 */
interface Flight5 {
  /** The Certificate to send instead (and before ClientKeyExchange when the server asked for none). */
  readonly chain?: readonly Uint8Array[];
  /**
   * A CertificateVerify to send before ChangeCipherSpec, over the transcript so far. It is
   * sent after the machine computed its Finished (which therefore does not cover it), so
   * the server may refuse on the Finished as well: test/handshake/certificate-auth12.test.ts
   * forges the CertificateVerify of a client with a key, under a correct Finished, and
   * asserts ERR_DTLS_BAD_CERTIFICATE_VERIFY.
   */
  readonly verify?: (transcript: Uint8Array) => { scheme: number; signature: Uint8Array };
}

function certificateBody(chain: readonly Uint8Array[]): Uint8Array {
  return encode((w) => encodeCertificate(w, { certificates: chain }), 4096);
}

function flight5(f: Flight5): Interceptor {
  let certificateSent = false;
  return {
    message: (type, body, out) => {
      if (type === HT.certificate && f.chain) {
        certificateSent = true;
        return certificateBody(f.chain);
      }
      if (type === HT.client_key_exchange && f.chain && !certificateSent) out.send(HT.certificate, certificateBody(f.chain));
      return body;
    },
    changeCipherSpec: (out) => {
      const verify = f.verify;
      if (verify) out.send(HT.certificate_verify, encode((w) => encodeCertificateVerify(w, verify(out.transcript()))));
      return true;
    },
  };
}

/** Run a scripted client against a real server that requires (or not) client certificates. */
function runScripted(script: Flight5, server: { requestCert?: boolean; rejectUnauthorized?: boolean } = { requestCert: true, rejectUnauthorized: true }) {
  const net = new VirtualNetwork({ seed: 1 });
  const srv = new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), ca: pki('ca-bundle.pem'), handshakeTimeout: 10_000, ...server });
  const cli = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost', handshakeTimeout: 10_000 }, SERVER_ADDR, 0, (d, c) => new ClientHandshake(intercept(d, flight5(script)), c));
  const serverFinished: number[] = [];
  net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (d) => { if (d.flight === 6) serverFinished.push(d.time); return 'pass'; } });
  net.attach(SERVER_ADDR, srv, { role: 'server' });
  net.attach(CLIENT_ADDR, cli, { role: 'client' });
  net.run({ until: () => cli.closed || srv.errors.length > 0, maxTime: 30_000 });
  net.run({ maxTime: 100 });
  return { srv, cli, serverFinished };
}

describe('client authentication bypass attempts (ROBUSTNESS.md CERT-*)', () => {
  it('CERT-01 a Certificate without CertificateVerify, then CCS and Finished, never completes and the server never sends Finished', () => {
    const { srv, serverFinished } = runScripted({ chain: clientChain }); // no CertificateVerify
    expect(srv.established).toBe(0);
    expect(serverFinished).toEqual([]);
    expect(srv.events.some((e) => e.type === 'secure')).toBe(false);
  });

  it('CERT-02 an empty Certificate when one is required gets handshake_failure', () => {
    const { srv, cli } = runScripted({ chain: [] });
    expect(srv.established).toBe(0);
    expect(srv.errors[0]?.alert).toBe('handshake_failure');
    expect(cli.error?.alert).toBe('handshake_failure');
  });

  const badVerify: [string, (transcript: Uint8Array) => { scheme: number; signature: Uint8Array }][] = [
    ['signed with the wrong key', (t) => ({ scheme: SignatureScheme.ecdsa_secp256r1_sha256, signature: otherKey.sign(SignatureScheme.ecdsa_secp256r1_sha256, t) })],
    ['over the wrong transcript', (t) => {
      const wrong = Uint8Array.from(t);
      wrong[wrong.length - 1]! ^= 1;
      return { scheme: SignatureScheme.ecdsa_secp256r1_sha256, signature: clientKey.sign(SignatureScheme.ecdsa_secp256r1_sha256, wrong) };
    }],
    ['with an algorithm not offered (ecdsa_sha1)', (t) => ({ scheme: SignatureScheme.ecdsa_sha1, signature: clientKey.sign(SignatureScheme.ecdsa_sha1, t) })],
    ['with an RSA scheme for an ECDSA key', (t) => ({ scheme: SignatureScheme.rsa_pkcs1_sha256, signature: clientKey.sign(SignatureScheme.ecdsa_secp256r1_sha256, t) })],
  ];
  it.each(badVerify)('CERT-03 a CertificateVerify %s gets decrypt_error', (_name, makeCv) => {
    const { srv, cli } = runScripted({ chain: clientChain, verify: makeCv });
    expect(srv.established).toBe(0);
    expect(srv.errors[0]?.alert).toBe('decrypt_error');
    expect(cli.error?.alert).toBe('decrypt_error');
  });

  it('CERT-03 a CertificateVerify signed with the wrong key is refused even when rejectUnauthorized is false', () => {
    const { srv } = runScripted({
      chain: clientChain,
      verify: (t) => ({ scheme: SignatureScheme.ecdsa_secp256r1_sha256, signature: otherKey.sign(SignatureScheme.ecdsa_secp256r1_sha256, t) }),
    }, { requestCert: true, rejectUnauthorized: false });
    expect(srv.established).toBe(0);
    expect(srv.errors[0]?.alert).toBe('decrypt_error');
  });

  it('CERT-06 a Certificate the server did not request gets unexpected_message', () => {
    const { srv, cli } = runScripted({ chain: clientChain }, { requestCert: false });
    expect(srv.established).toBe(0);
    expect(srv.errors[0]?.alert).toBe('unexpected_message');
    expect(cli.error?.alert).toBe('unexpected_message');
  });

  it('CERT-08 a 1,000-certificate, 200 KB chain is refused by the size cap before parsing', () => {
    const big = Array.from({ length: 1000 }, () => clientChain[0]!.subarray(0, 200));
    const { srv } = runScripted({ chain: big });
    expect(srv.established).toBe(0);
    // Nothing was buffered for it: the declared length was checked first.
    for (const a of srv.endpoint.associations()) expect(a.conn.handshakeState).not.toBe('expectClientKeyExchange');
    expect(srv.errors.every((e) => e.code === 'ERR_DTLS_HANDSHAKE_TIMEOUT')).toBe(true);
  });

  it('CERT-08 a truncated DER length inside Certificate gets bad_certificate, without a throw', () => {
    const truncated = clientChain[0]!.subarray(0, 120);
    const { srv } = runScripted({ chain: [truncated] });
    expect(srv.established).toBe(0);
    expect(['bad_certificate', 'decode_error']).toContain(srv.errors[0]?.alert);
  });
});

describe('ServerKeyExchange signature checks (CERT-04)', () => {
  const cases: [string, ReturnType<typeof serverSigningWith>][] = [
    ['missing', serverSigningWith(() => ({}))],
    ['invalid', serverSigningWith((key, scheme, signed) => {
      const signature = key.sign(scheme, signed);
      signature[signature.length - 2]! ^= 0x55;
      return { signature: { scheme, signature } };
    })],
    ['made by a key other than the leaf\'s', serverSigningWith((_key, scheme, signed) => ({ signature: { scheme, signature: otherKey.sign(scheme, signed) } }))],
    ['over other bytes', serverSigningWith((key, scheme, signed) => ({ signature: { scheme, signature: key.sign(scheme, signed.subarray(1)) } }))],
  ];
  for (const rejectUnauthorized of [true, false]) {
    it.each(cases)(`CERT-04 the client aborts when the signature is %s (rejectUnauthorized: ${rejectUnauthorized})`, (_name, machine) => {
      const net = new VirtualNetwork({ seed: 2 });
      const srv = new ScriptedServerNode({ ...serverIdentity('ecdsa-p256') }, machine);
      const cli = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost', rejectUnauthorized }, SERVER_ADDR);
      net.attach(SERVER_ADDR, srv, { role: 'server' });
      net.attach(CLIENT_ADDR, cli, { role: 'client' });
      net.run({ until: () => cli.closed || cli.established, maxTime: 30_000 });
      expect(cli.established).toBe(false);
      expect(cli.closed).toBe(true);
      expect(['decrypt_error', 'decode_error']).toContain(cli.error?.alert);
    });
  }

  it('a well-behaved scripted server completes (the harness itself works)', () => {
    const net = new VirtualNetwork({ seed: 2 });
    const srv = new ScriptedServerNode({ ...serverIdentity('ecdsa-p256') }, serverSigningWith((key, scheme, signed) => ({ signature: { scheme, signature: key.sign(scheme, signed) } })));
    const cli = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost' }, SERVER_ADDR);
    net.attach(SERVER_ADDR, srv, { role: 'server' });
    net.attach(CLIENT_ADDR, cli, { role: 'client' });
    net.run({ until: () => cli.closed || cli.established, maxTime: 30_000 });
    expect(cli.established).toBe(true);
  });
});
