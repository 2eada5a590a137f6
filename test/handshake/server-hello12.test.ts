/**
 * The DTLS 1.2 client's checks of the ServerHello, each refusal with its code
 * and alert, against a genuine server whose ServerHello is rewritten in
 * flight; and the resumption decision (which session the ServerHello
 * resumes, what `negotiated` then says), with both crypto providers.
 */
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/codec/bytes.js';
import { encodeEcdhParams, encodeServerKeyExchange } from '../../src/handshake/messages/server-key-exchange.js';
import { Reader } from '../../src/codec/reader.js';
import { encode } from '../../src/codec/writer.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { type Extension, ExtensionType } from '../../src/handshake/extensions.js';
import { type ServerHello, decodeServerHello, encodeServerHello } from '../../src/handshake/messages/server-hello.js';
import { HandshakeType as HT } from '../../src/handshake/registry.js';
import { ServerHandshake } from '../../src/handshake/server-handshake.js';
import { encodeClientSession } from '../../src/handshake/session.js';
import type { ConnectOptions } from '../../src/client.js';
import type { ServerOptions } from '../../src/options.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { intercept } from '../helpers/intercept.js';
import { CLIENT_ADDR, PROVIDERS, SERVER_ADDR, serverIdentity } from '../helpers/net.js';
import { pki } from '../helpers/pki.js';
import { ScriptedServerNode } from '../helpers/scripted.js';
import { machine12 } from '../helpers/v12.js';
import { PSK_IDENTITY, PSK_KEY, knownPsk } from '../suites/psk-helpers.js';

function rewritten(provider: CryptoProvider, edit: (sh: ServerHello) => ServerHello, client: Partial<ConnectOptions> = {}) {
  const net = new VirtualNetwork({ seed: 4 });
  const srv = new ScriptedServerNode({ ...serverIdentity('ecdsa-p256'), crypto: provider } as ServerOptions, (d, c) => new ServerHandshake(intercept(d, {
    message: (type, body) => (type === HT.server_hello ? encode((w) => encodeServerHello(w, edit(decodeServerHello(new Reader(body))))) : body),
  }), c));
  return handshakeWith(net, srv, provider, client);
}

/** A DTLS 1.2 client of `provider` against `srv` on `net`, run until it is established or closed. */
function handshakeWith(net: VirtualNetwork, srv: ScriptedServerNode, provider: CryptoProvider, client: Partial<ConnectOptions>): DtlsClientNode {
  const cli = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost', crypto: provider, ...client }, SERVER_ADDR);
  net.attach(SERVER_ADDR, srv, { role: 'server' });
  net.attach(CLIENT_ADDR, cli, { role: 'client' });
  net.run({ until: () => cli.closed || cli.established, maxTime: 30_000 });
  return cli;
}

const withExtension = (e: Extension) => (sh: ServerHello): ServerHello => ({ ...sh, extensions: [...sh.extensions, e] });

describe.each(PROVIDERS)('the DTLS 1.2 client checks the ServerHello ($name provider)', (provider) => {
  it('the control: the same harness, the ServerHello unchanged, completes', () => {
    expect(rewritten(provider, (sh) => sh).established).toBe(true);
  });

  const cases: [string, (sh: ServerHello) => ServerHello, string, string][] = [
    ['version DTLS 1.0', (sh) => ({ ...sh, serverVersion: 0xfeff }), 'ERR_DTLS_PROTOCOL_VERSION', 'protocol_version'],
    ['a cipher suite the client did not offer (AES-256-GCM)', (sh) => ({ ...sh, cipherSuite: 0xc02c }), 'ERR_DTLS_BAD_SERVER_HELLO', 'illegal_parameter'],
    ['an unknown cipher suite', (sh) => ({ ...sh, cipherSuite: 0x1234 }), 'ERR_DTLS_BAD_SERVER_HELLO', 'illegal_parameter'],
    ['compression method 1', (sh) => ({ ...sh, compressionMethod: 1 }), 'ERR_DTLS_BAD_SERVER_HELLO', 'illegal_parameter'],
    ['an extension the client did not offer (ALPN)', withExtension({ type: ExtensionType.application_layer_protocol_negotiation, data: Uint8Array.of(0, 3, 2, 0x68, 0x32) }), 'ERR_DTLS_BAD_SERVER_HELLO', 'unsupported_extension'],
    ['ec_point_formats without the uncompressed format', (sh) => ({
      ...sh, extensions: [...sh.extensions.filter((e) => e.type !== ExtensionType.ec_point_formats), { type: ExtensionType.ec_point_formats, data: Uint8Array.of(1, 1) }],
    }), 'ERR_DTLS_BAD_SERVER_HELLO', 'illegal_parameter'],
  ];
  it.each(cases)('a ServerHello with %s is refused: %s, %s', (_n, edit, code, alert) => {
    const cli = rewritten(provider, edit, { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    expect(cli.established).toBe(false);
    expect(cli.error?.code).toBe(code);
    expect(cli.error?.alert).toBe(alert);
  });

  it('ec_point_formats that includes the uncompressed format is accepted', () => {
    const cli = rewritten(provider, (sh) => ({
      ...sh, extensions: [...sh.extensions.filter((e) => e.type !== ExtensionType.ec_point_formats), { type: ExtensionType.ec_point_formats, data: Uint8Array.of(2, 1, 0) }],
    }));
    expect(cli.established).toBe(true);
  });
});

describe.each(PROVIDERS)('which session the DTLS 1.2 client resumes ($name provider)', (provider) => {
  function connect(net: VirtualNetwork, client: Partial<ConnectOptions>, port: number) {
    const cli = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ca: pki('ca-bundle.pem'), servername: 'localhost', crypto: provider, ...client } as ConnectOptions, SERVER_ADDR, net.now);
    net.attach({ address: CLIENT_ADDR.address, port }, cli, { role: 'client' });
    net.run({ until: () => cli.established || cli.closed, maxTime: 30_000 });
    return cli;
  }

  for (const sessionTickets of [true, false]) {
    it(`a session the server does not know (sessionTickets: ${sessionTickets}) gets a full handshake, which the client takes as one`, () => {
      const net = new VirtualNetwork({ seed: 9 });
      net.attach(SERVER_ADDR, new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), crypto: provider, sessionTickets } as ServerOptions), { role: 'server' });
      const first = connect(net, {}, 5001);
      const session = machine12(first).session!;
      // Another server at the same address: neither its ticket key nor its session cache knows the session.
      const net2 = new VirtualNetwork({ seed: 10 });
      net2.attach(SERVER_ADDR, new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), crypto: provider, sessionTickets } as ServerOptions), { role: 'server' });
      const second = connect(net2, { session: encodeClientSession(session) }, 5002);
      expect(second.established).toBe(true);
      expect(machine12(second).negotiated?.resumed).toBe(false);
      expect(machine12(second).negotiated?.peerCertificates).toHaveLength(1);
    });
  }

  it('a server that resumes the session with another cipher suite than the session\'s is refused (ERR_DTLS_BAD_SERVER_HELLO)', () => {
    const net = new VirtualNetwork({ seed: 9 });
    net.attach(SERVER_ADDR, new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), crypto: provider, sessionTickets: false } as ServerOptions), { role: 'server' });
    const first = connect(net, { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }, 5001);
    const session = machine12(first).session!;
    // The client believes the session had another suite it offers; the server resumes with the real one.
    const second = connect(net, { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384', session: encodeClientSession({ ...session, suiteId: 0xc02c }) }, 5002);
    expect(second.established).toBe(false);
    expect(second.error?.code).toBe('ERR_DTLS_BAD_SERVER_HELLO');
    expect(second.error?.alert).toBe('illegal_parameter');
  });

  it('a resumed PSK session keeps its identity; a resumed certificate session has none', () => {
    const net = new VirtualNetwork({ seed: 9 });
    net.attach(SERVER_ADDR, new DtlsServerNode({ pskCallback: knownPsk, ciphers: 'PSK-AES128-GCM-SHA256', crypto: provider } as ServerOptions), { role: 'server' });
    const psk = { ciphers: 'PSK-AES128-GCM-SHA256', psk: { identity: PSK_IDENTITY, key: PSK_KEY } } as Partial<ConnectOptions>;
    const first = connect(net, psk, 5001);
    expect(machine12(first).negotiated?.pskIdentity).toBe(PSK_IDENTITY);
    const second = connect(net, { ...psk, session: encodeClientSession(machine12(first).session!) }, 5002);
    expect(second.established).toBe(true);
    expect(machine12(second).negotiated?.resumed).toBe(true);
    expect(machine12(second).negotiated?.pskIdentity).toBe(PSK_IDENTITY);

    const net2 = new VirtualNetwork({ seed: 9 });
    net2.attach(SERVER_ADDR, new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), crypto: provider } as ServerOptions), { role: 'server' });
    const c1 = connect(net2, {}, 5001);
    const c2 = connect(net2, { session: encodeClientSession(machine12(c1).session!) }, 5002);
    expect(machine12(c2).negotiated?.resumed).toBe(true);
    expect(machine12(c2).negotiated?.pskIdentity).toBeUndefined();
    expect('pskIdentity' in machine12(c2).negotiated!).toBe(false);
  });

  it('connection IDs, when negotiated, are in negotiated; otherwise absent', () => {
    const net = new VirtualNetwork({ seed: 9 });
    net.attach(SERVER_ADDR, new DtlsServerNode({ ...serverIdentity('ecdsa-p256'), crypto: provider, connectionId: 4 } as ServerOptions), { role: 'server' });
    const cli = connect(net, { connectionId: 6 } as Partial<ConnectOptions>, 5001);
    const ids = machine12(cli).negotiated?.connectionIds;
    expect(ids?.ours).toHaveLength(6);
    expect(ids?.peers).toHaveLength(4);
    const plain = connect(net, {}, 5002);
    expect(machine12(plain).negotiated?.connectionIds).toBeUndefined();
  });
});

describe.each(PROVIDERS)('the DTLS 1.2 client checks the group of the ServerKeyExchange ($name provider)', (provider) => {
  /** A server whose ServerKeyExchange offers an X25519 share (the base point), correctly signed, whatever the client offered. */
  function x25519Server(client: Partial<ConnectOptions>) {
    const net = new VirtualNetwork({ seed: 4 });
    let serverRandom: Uint8Array | undefined;
    const srv = new ScriptedServerNode({ ...serverIdentity('ecdsa-p256'), crypto: provider } as ServerOptions, (d, c) => new ServerHandshake(intercept(d, {
      message: (type, body, out) => {
        if (type === HT.server_hello) serverRandom = decodeServerHello(new Reader(body)).random;
        if (type !== HT.server_key_exchange) return body;
        const ecdh = { namedGroup: 29, publicKey: Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 9 : 0)) };
        const signed = concatBytes(out.transcript().subarray(14, 46), serverRandom!, encode((w) => encodeEcdhParams(w, ecdh)));
        const scheme = 0x0403;
        return encode((w) => encodeServerKeyExchange(w, { ecdh, signature: { scheme, signature: c.signingKey!.sign(scheme, signed) } }));
      },
    }), c));
    return handshakeWith(net, srv, provider, client);
  }

  // (A client that offers only X25519 cannot meet this P-256 ECDSA server at all, RFC 8422 §5.3: the group list covers the certificate's curve too.)
  it('X25519 when the client offered only P-256: ERR_DTLS_BAD_KEY_EXCHANGE, illegal_parameter', () => {
    const cli = x25519Server({ ecdhCurve: 'P-256' });
    expect(cli.established).toBe(false);
    expect(cli.error?.code).toBe('ERR_DTLS_BAD_KEY_EXCHANGE');
    expect(cli.error?.alert).toBe('illegal_parameter');
  });
});
