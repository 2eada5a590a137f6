/**
 * The DTLS 1.2 client's PSK key exchange (RFC 4279, RFC 5489), seen from
 * outside, with both crypto providers: the identity hint it passes to the
 * callback, what it records in `negotiated`, the ECDHE part of ECDHE_PSK, and
 * what it does when its PSK source gives nothing usable. (The PSK tests of
 * test/robustness/psk.test.ts look at CRY-06 and the record layer; these
 * look at the client's key exchange functions.)
 */
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/codec/reader.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { ClientHandshake } from '../../src/handshake/client-handshake.js';
import { HandshakeType as HT } from '../../src/handshake/registry.js';
import { decodeClientKeyExchange } from '../../src/handshake/messages/client-key-exchange.js';
import type { CommonOptions, ServerOptions } from '../../src/options.js';
import { DtlsClientNode, DtlsServerNode } from '../../src/testing/dtls.js';
import { VirtualNetwork } from '../../src/testing/network.js';
import { intercept } from '../helpers/intercept.js';
import { ScriptedServerNode } from '../helpers/scripted.js';
import { ServerHandshake } from '../../src/handshake/server-handshake.js';
import { CLIENT_ADDR, PROVIDERS, SERVER_ADDR } from '../helpers/net.js';
import { machine12 } from '../helpers/v12.js';
import { PSK_IDENTITY, PSK_KEY, knownPsk } from '../suites/psk-helpers.js';

type ClientOptions = CommonOptions & { psk?: unknown };
type Factory = ConstructorParameters<typeof DtlsClientNode>[3];

function run(provider: CryptoProvider, suite: string, server: Partial<ServerOptions>, client: ClientOptions, factory?: Factory) {
  const net = new VirtualNetwork({ seed: 7 });
  const srv = new DtlsServerNode({ pskCallback: knownPsk, ciphers: suite, crypto: provider, handshakeTimeout: 10_000, ...server } as ServerOptions);
  const cli = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ciphers: suite, crypto: provider, handshakeTimeout: 10_000, psk: { identity: PSK_IDENTITY, key: PSK_KEY }, ...client } as CommonOptions, SERVER_ADDR, 0, factory);
  net.attach(SERVER_ADDR, srv, { role: 'server' });
  net.attach(CLIENT_ADDR, cli, { role: 'client' });
  net.run({ until: () => cli.closed || srv.errors.length > 0 || (cli.established && srv.established > 0), maxTime: 30_000 });
  return { srv, cli };
}

/** A genuine client whose machine config is changed (what the public options cannot express). */
const withConfig = (change: (c: ConstructorParameters<typeof ClientHandshake>[1]) => ConstructorParameters<typeof ClientHandshake>[1]): Factory =>
  (d, c) => new ClientHandshake(d, change(c));

describe.each(PROVIDERS)('the DTLS 1.2 client\'s PSK key exchange ($name provider)', (provider) => {
  it('PSK with an identity hint: the callback gets the hint, both sides record the identity; no group, no certificates', () => {
    const hints: (string | undefined)[] = [];
    const { cli, srv } = run(provider, 'PSK-AES128-GCM-SHA256', { pskIdentityHint: 'the-hint' }, {
      psk: (hint: string | undefined) => { hints.push(hint); return { identity: PSK_IDENTITY, key: PSK_KEY }; },
    });
    expect(cli.established).toBe(true);
    expect(hints).toEqual(['the-hint']);
    const n = machine12(cli).negotiated!;
    expect(n.pskIdentity).toBe(PSK_IDENTITY);
    expect(n.group).toBeUndefined();
    expect(n.peerCertificates).toEqual([]);
    expect([...srv.endpoint.associations()][0]!.negotiated!.pskIdentity).toBe(PSK_IDENTITY);
  });

  it.each([['no hint', undefined], ['an empty hint', '']])('PSK with %s: the callback gets undefined', (_n, hint) => {
    const hints: (string | undefined)[] = [];
    const { cli } = run(provider, 'PSK-AES128-GCM-SHA256', hint === undefined ? {} : { pskIdentityHint: hint }, {
      psk: (h: string | undefined) => { hints.push(h); return { identity: PSK_IDENTITY, key: PSK_KEY }; },
    });
    expect(cli.established).toBe(true);
    expect(hints).toEqual([undefined]);
  });

  /** A handshake with `ciphers`, keeping the ClientKeyExchange the client sent (decoded as `kind`). */
  const withClientKeyExchange = (p: typeof provider, ciphers: string, kind: 'PSK' | 'ECDHE_PSK') => {
    let sent: ReturnType<typeof decodeClientKeyExchange> | undefined;
    const { cli } = run(p, ciphers, {}, {}, (d, c) => new ClientHandshake(intercept(d, {
      message: (type, body) => {
        if (type === HT.client_key_exchange) sent = decodeClientKeyExchange(new Reader(body), kind);
        return body;
      },
    }), c));
    expect(sent, 'a ClientKeyExchange was sent').toBeDefined();
    return { cli, sent: sent! };
  };

  it('ECDHE_PSK: the client sends its ECDHE share with the identity, and records the group', () => {
    const { cli, sent } = withClientKeyExchange(provider, 'ECDHE-PSK-CHACHA20-POLY1305', 'ECDHE_PSK');
    const publicKey = sent.publicKey;
    expect(cli.established).toBe(true);
    expect(publicKey?.length).toBe(32);
    const n = machine12(cli).negotiated!;
    expect(n.group).toBe('x25519');
    expect(n.pskIdentity).toBe(PSK_IDENTITY);
  });

  it('plain PSK sends no ECDHE share', () => {
    const { cli, sent } = withClientKeyExchange(provider, 'PSK-AES128-GCM-SHA256', 'PSK');
    const publicKey = sent.publicKey;
    expect(cli.established).toBe(true);
    expect(publicKey).toBeUndefined();
  });

  const bad: [string, unknown][] = [
    ['nothing', null],
    ['an empty key', { identity: new Uint8Array([1]), key: new Uint8Array(0) }],
    ['an identity that is not bytes', { identity: 'text', key: new Uint8Array(16) }],
    ['a key that is not bytes', { identity: new Uint8Array([1]), key: 'text' }],
  ];
  it.each(bad)('a PSK source that gives %s: ERR_DTLS_NO_PSK, internal_error, nothing sent as a key exchange', (_n, value) => {
    let sent = 0;
    const { cli, srv } = run(provider, 'PSK-AES128-GCM-SHA256', {}, {}, (d, c) => new ClientHandshake(intercept(d, {
      message: (type, body) => {
        if (type === HT.client_key_exchange) sent++;
        return body;
      },
    }), { ...c, psk: () => value as never }));
    expect(cli.established).toBe(false);
    expect(srv.established).toBe(0);
    expect(cli.error?.code).toBe('ERR_DTLS_NO_PSK');
    expect(cli.error?.alert).toBe('internal_error');
    expect(sent).toBe(0);
  });

  it('a server whose PSK lookup gives an empty key takes the identity as unknown: a client using the empty key does not complete (decrypt_error)', () => {
    // The client machine refuses an empty key, so this one passes its check with a 1-byte key and computes with an empty one.
    const lying = () => {
      let reads = 0;
      return { identity: new TextEncoder().encode('empty'), get key() { return ++reads <= 2 ? new Uint8Array(1) : new Uint8Array(0); } };
    };
    const lookup = (identity: string) => (identity === 'empty' ? Buffer.alloc(0) : knownPsk(identity));
    const { cli, srv } = run(provider, 'PSK-AES128-GCM-SHA256', { pskCallback: lookup }, {}, withConfig((c) => ({ ...c, psk: () => lying() as never })));
    expect(cli.established).toBe(false);
    expect(srv.established).toBe(0);
    expect(srv.errors[0]?.alert ?? cli.error?.alert).toBe('decrypt_error');
  });

  it('a client machine with no PSK source that meets a PSK suite: ERR_DTLS_NO_PSK, handshake_failure', () => {
    const { cli } = run(provider, 'PSK-AES128-GCM-SHA256', {}, {}, withConfig((c) => {
      const { psk: _psk, ...rest } = c;
      return rest;
    }));
    expect(cli.established).toBe(false);
    expect(cli.error?.code).toBe('ERR_DTLS_NO_PSK');
    expect(cli.error?.alert).toBe('handshake_failure');
  });

  it('a ServerHelloDone with a body is a decode_error in the PSK flow', () => {
    const net = new VirtualNetwork({ seed: 7 });
    const srv = new ScriptedServerNode({ pskCallback: knownPsk, ciphers: 'PSK-AES128-GCM-SHA256', crypto: provider } as ServerOptions,
      (d, c) => new ServerHandshake(intercept(d, { message: (type, body) => (type === HT.server_hello_done ? Uint8Array.of(0) : body) }), c));
    const cli = new DtlsClientNode({ maxVersion: 'DTLSv1.2', ciphers: 'PSK-AES128-GCM-SHA256', crypto: provider, psk: { identity: PSK_IDENTITY, key: PSK_KEY } } as CommonOptions, SERVER_ADDR);
    net.attach(SERVER_ADDR, srv, { role: 'server' });
    net.attach(CLIENT_ADDR, cli, { role: 'client' });
    net.run({ until: () => cli.closed || cli.established, maxTime: 30_000 });
    expect(cli.established).toBe(false);
    expect(cli.error?.alert).toBe('decode_error');
  });
});
