import { describe, expect, it } from 'vitest';
import { Reader } from '../../../src/codec/reader.js';
import { encode } from '../../../src/codec/writer.js';
import { nodeProvider } from '../../../src/crypto/index.js';
import { suiteByName } from '../../../src/crypto/suites.js';
import type { Extension } from '../../../src/handshake/extensions.js';
import { findExtension } from '../../../src/handshake/extensions.js';
import { type ClientHello, decodeClientHello, encodeClientHello } from '../../../src/handshake/messages/client-hello.js';
import { encodeServerHello } from '../../../src/handshake/messages/server-hello.js';
import { ExtensionType as E, HandshakeType as HT } from '../../../src/handshake/registry.js';
import { Client13Handshake, VersionFallback } from '../../../src/dtls13/handshake/client13.js';
import { Server13Handshake } from '../../../src/dtls13/handshake/server13.js';
import { decodeEncryptedExtensions, encodeEncryptedExtensions } from '../../../src/dtls13/messages/encrypted-extensions.js';
import { decodeServerHello13, encodeServerHello13, withDowngradeSentinel } from '../../../src/dtls13/messages/server-hello.js';
import { decodeSupportedVersionsList, encodeSelectedVersion } from '../../../src/dtls13/messages/supported-versions.js';
import type { Client13Config } from '../../../src/dtls13/driver.js';
import { LoopDriver, Loopback, clientConfig, handshake, serverConfig } from './loopback.js';

const provider = nodeProvider;
const clock = { now: 1_700_000_000_000 };

/** A ClientHello from a real client, changed. */
function editedHello(edit: (h: ClientHello) => ClientHello, c: Client13Config = clientConfig(provider)): Uint8Array {
  const d = new LoopDriver('client', provider, clock);
  d.peer = new LoopDriver('server', provider, clock);
  new Client13Handshake(d, c);
  return encode((w) => encodeClientHello(w, edit(decodeClientHello(new Reader(d.sent[0]!.body)))));
}

/** A server machine alone, given one ClientHello. */
function serverGets(body: Uint8Array, epoch = 0, cfg = serverConfig(provider)): LoopDriver {
  const d = new LoopDriver('server', provider, clock);
  d.peer = new LoopDriver('client', provider, clock);
  d.guard(() => new Server13Handshake(d, cfg).handleMessage({ msgType: HT.client_hello, messageSeq: 0, body, epoch }));
  return d;
}

const alertOf = (d: LoopDriver) => (d.error as { alert?: string } | undefined)?.alert;
const withExt = (exts: readonly Extension[], add: Extension, before?: number) => {
  const i = before === undefined ? exts.length : exts.findIndex((e) => e.type === before);
  return [...exts.slice(0, i), add, ...exts.slice(i)];
};

describe('a DTLS 1.3 server refuses bad ClientHellos', () => {
  it('a legacy_version other than 0xfefd: protocol_version', () => {
    expect(alertOf(serverGets(editedHello((h) => ({ ...h, clientVersion: 0xfeff }))))).toBe('protocol_version');
    expect(alertOf(serverGets(editedHello((h) => ({ ...h, clientVersion: 0xfefc }))))).toBe('protocol_version');
  });

  it('a compression method other than null: illegal_parameter', () => {
    expect(alertOf(serverGets(editedHello((h) => ({ ...h, compressionMethods: [1, 0] }))))).toBe('illegal_parameter');
  });

  it('a non-empty legacy_cookie: illegal_parameter (RFC 9147 §5.3)', () => {
    expect(alertOf(serverGets(editedHello((h) => ({ ...h, cookie: new Uint8Array(8) }))))).toBe('illegal_parameter');
  });

  it('no DTLS 1.3 in supported_versions, or none at all: protocol_version', () => {
    const only12 = { type: E.supported_versions, data: Uint8Array.of(2, 0xfe, 0xfd) };
    expect(alertOf(serverGets(editedHello((h) => ({ ...h, extensions: h.extensions.map((e) => (e.type === E.supported_versions ? only12 : e)) }))))).toBe('protocol_version');
    expect(alertOf(serverGets(editedHello((h) => ({ ...h, extensions: h.extensions.filter((e) => e.type !== E.supported_versions) }))))).toBe('protocol_version');
  });

  it('a ClientHello in epoch 1 (early data, which DTLS 1.3 here never accepts): unexpected_message', () => {
    const d = serverGets(editedHello((h) => h), 1);
    expect(alertOf(d)).toBe('unexpected_message');
  });

  it('early_data offered: ignored, never accepted in EncryptedExtensions (RFC 8446 §4.2.10)', () => {
    const d = serverGets(editedHello((h) => ({ ...h, extensions: withExt(h.extensions, { type: E.early_data, data: new Uint8Array(0) }) })));
    expect(d.error).toBeUndefined();
    const ee = decodeEncryptedExtensions(new Reader(d.sent[1]!.body));
    expect(findExtension(ee.extensions, E.early_data)).toBeUndefined();
  });

  it('pre_shared_key not last: illegal_parameter', () => {
    const c = clientConfig(provider, {}, { psk: () => ({ identity: Uint8Array.of(1), key: new Uint8Array(32) }) });
    const body = editedHello((h) => {
      const psk = h.extensions.at(-1)!;
      return { ...h, extensions: [psk, ...h.extensions.slice(0, -1)] };
    }, c);
    expect(alertOf(serverGets(body, 0, serverConfig(provider, { pskCallback: () => null })))).toBe('illegal_parameter');
  });

  it('two key shares for one group: illegal_parameter; a key share without supported_groups: missing_extension', () => {
    const twice = editedHello((h) => h, clientConfig(provider, {}, { keyShareGroups: ['x25519', 'x25519'] }));
    // keyShareGroups lists x25519 twice: the map keeps one; write the duplicate by hand.
    const ks = findExtension(decodeClientHello(new Reader(twice)).extensions, E.key_share)!;
    const entry = ks.subarray(2);
    const dup = Uint8Array.from([...[(entry.length * 2) >> 8, (entry.length * 2) & 0xff], ...entry, ...entry]);
    const body = editedHello((h) => ({ ...h, extensions: h.extensions.map((e) => (e.type === E.key_share ? { type: e.type, data: dup } : e)) }));
    expect(alertOf(serverGets(body))).toBe('illegal_parameter');
    const noGroups = editedHello((h) => ({ ...h, extensions: h.extensions.filter((e) => e.type !== E.supported_groups) }));
    expect(alertOf(serverGets(noGroups))).toBe('missing_extension');
  });

  it('no suite or group in common: handshake_failure', async () => {
    const l = await handshake(provider, serverConfig(provider, {}, { suites13: [] }), clientConfig(provider));
    expect(l.errorOf('server')?.alert).toBe('handshake_failure');
    const g = await handshake(provider, serverConfig(provider, {}, { groups13: ['secp384r1'] }), clientConfig(provider, {}, { groups13: ['x25519'] }));
    expect(g.errorOf('server')?.alert).toBe('handshake_failure');
  });

  it('does not apply DTLS 1.2 requirements to 1.3: requireExtendedMasterSecret is not asked of a 1.3 client', async () => {
    const l = await handshake(provider, serverConfig(provider, { requireExtendedMasterSecret: true }), clientConfig(provider));
    expect(l.server.completed).toBe(1);
  });
});

describe('a DTLS 1.3 client refuses bad server messages', () => {
  /** A real handshake with one server message rewritten in transit. */
  async function tampered(type: number, edit: (body: Uint8Array) => Uint8Array, c = clientConfig(provider)): Promise<Loopback> {
    return handshake(provider, serverConfig(provider), c, (l) => {
      l.tamper = (from, m) => (from === 'server' && m.msgType === type ? { ...m, body: edit(m.body) } : m);
    });
  }
  const editServerHello = (f: (exts: Extension[]) => Extension[], more: Partial<ReturnType<typeof decodeServerHello13>> = {}) => (body: Uint8Array) => {
    const sh = decodeServerHello13(new Reader(body));
    return encode((w) => encodeServerHello13(w, { ...sh, ...more, extensions: f([...sh.extensions]) }));
  };

  it.each([
    ['renegotiation_info', E.renegotiation_info, Uint8Array.of(0)],
    ['encrypt_then_mac', E.encrypt_then_mac, new Uint8Array(0)],
    ['extended_master_secret', E.extended_master_secret, new Uint8Array(0)],
  ])('DTLS 1.2 only %s in a 1.3 ServerHello: illegal_parameter, even when offered for 1.2', async (_n, type, data) => {
    for (const offer12 of [false, true]) {
      const l = await tampered(HT.server_hello, editServerHello((x) => [...x, { type, data }]), clientConfig(provider, {}, { offer12 }));
      expect(l.errorOf('client')?.alert).toBe('illegal_parameter');
    }
  });

  it('encrypt_then_mac in EncryptedExtensions: illegal_parameter; early_data never offered: unsupported_extension', async () => {
    const add = (type: number) => (body: Uint8Array) => {
      const ee = decodeEncryptedExtensions(new Reader(body));
      return encode((w) => encodeEncryptedExtensions(w, { extensions: [...ee.extensions, { type, data: new Uint8Array(0) }] }));
    };
    expect((await tampered(HT.encrypted_extensions, add(E.encrypt_then_mac))).errorOf('client')?.alert).toBe('illegal_parameter');
    expect((await tampered(HT.encrypted_extensions, add(E.early_data))).errorOf('client')?.alert).toBe('unsupported_extension');
  });

  it('an unsolicited connection_id in ServerHello: unsupported_extension', async () => {
    const l = await tampered(HT.server_hello, editServerHello((x) => [...x, { type: E.connection_id, data: Uint8Array.of(0) }]));
    expect(l.errorOf('client')?.alert).toBe('unsupported_extension');
  });

  it('an echoed legacy_session_id, or supported_versions naming 1.2: illegal_parameter', async () => {
    const echo = await tampered(HT.server_hello, editServerHello((x) => x, { legacySessionIdEcho: new Uint8Array(32) }));
    expect(echo.errorOf('client')?.alert).toBe('illegal_parameter');
    const v12 = { type: E.supported_versions, data: encode((w) => encodeSelectedVersion(w, { selectedVersion: 0xfefd })) };
    const sv = await tampered(HT.server_hello, editServerHello((x) => x.map((e) => (e.type === E.supported_versions ? v12 : e))));
    expect(sv.errorOf('client')?.alert).toBe('illegal_parameter');
  });

  it('a server Finished that does not verify: decrypt_error', async () => {
    const l = await tampered(HT.finished, (b) => Uint8Array.from(b, (x, i) => (i === 0 ? x ^ 1 : x)));
    expect(l.errorOf('client')?.alert).toBe('decrypt_error');
    expect(l.client.completed).toBe(0);
  });

  it('a server CertificateVerify that does not verify: decrypt_error', async () => {
    const l = await tampered(HT.certificate_verify, (b) => Uint8Array.from(b, (x, i) => (i === b.length - 3 ? x ^ 1 : x)));
    expect(['decrypt_error', 'illegal_parameter']).toContain(l.errorOf('client')?.alert);
    expect(l.client.completed).toBe(0);
  });

  it('a message the state does not expect, e.g. EndOfEarlyData (omitted in DTLS 1.3, RFC 9147 §5.6): unexpected_message', async () => {
    const l = await handshake(provider, serverConfig(provider), clientConfig(provider), (lb) => {
      lb.tamper = (from, m) => (from === 'server' && m.msgType === HT.certificate ? { ...m, msgType: HT.end_of_early_data, body: new Uint8Array(0) } : m);
    });
    expect(l.errorOf('client')?.alert).toBe('unexpected_message');
  });

  it('refuses post-handshake authentication it never offered (unexpected_message)', async () => {
    const l = await handshake(provider, serverConfig(provider), clientConfig(provider));
    l.client.guard(() => l.client.machine.handlePostHandshake({ msgType: HT.certificate_request, messageSeq: 9, body: Uint8Array.of(0, 0, 0), epoch: 3 }));
    expect(alertOf(l.client)).toBe('unexpected_message');
  });
});

describe('version fallback and downgrade protection (RFC 8446 §4.1.3, §4.2.1)', () => {
  const offer12 = () => clientConfig(provider, { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }, { offer12: true });
  function clientGets(c: Client13Config, msgType: number, body: Uint8Array): LoopDriver {
    const d = new LoopDriver('client', provider, clock);
    d.peer = new LoopDriver('server', provider, clock);
    d.guard(() => {
      d.machine = new Client13Handshake(d, c);
      d.machine.handleMessage({ msgType, messageSeq: 0, body, epoch: 0 });
    });
    return d;
  }
  const sh12 = (random: Uint8Array) => encode((w) => encodeServerHello(w, {
    serverVersion: 0xfefd, random, sessionId: new Uint8Array(0), cipherSuite: suiteByName('ECDHE-ECDSA-AES128-GCM-SHA256')!.id, compressionMethod: 0,
    extensions: [{ type: E.extended_master_secret, data: new Uint8Array(0) }],
  }));

  it('offers 1.2 in the same ClientHello: both versions, 1.2 suites after 1.3, the 1.2 extensions', () => {
    const d = new LoopDriver('client', provider, clock);
    d.peer = d;
    new Client13Handshake(d, offer12());
    const h = decodeClientHello(new Reader(d.sent[0]!.body));
    expect(decodeSupportedVersionsList(new Reader(findExtension(h.extensions, E.supported_versions)!)).versions).toEqual([0xfefc, 0xfefd]);
    expect(h.cipherSuites).toEqual([0x1301, 0x1302, 0x1303, 0xc02b]);
    for (const t of [E.extended_master_secret, E.renegotiation_info, E.ec_point_formats, E.session_ticket, E.key_share, E.signature_algorithms_cert]) {
      expect(findExtension(h.extensions, t)).toBeDefined();
    }
  });

  it('completes a 1.3 handshake with a 1.3 server while offering 1.2', async () => {
    const l = await handshake(provider, serverConfig(provider), offer12());
    expect(l.client.completed).toBe(1);
    expect(l.client.machine.negotiated?.protocol).toBe('DTLSv1.3');
  });

  it('hands a DTLS 1.2 ServerHello to the 1.2 machine: VersionFallback with the hello as sent', () => {
    const d = clientGets(offer12(), HT.server_hello, sh12(new Uint8Array(32).fill(5)));
    expect(d.error).toBeInstanceOf(VersionFallback);
    const f = d.error as VersionFallback;
    expect(encode((w) => encodeClientHello(w, f.hello))).toEqual(d.sent[0]!.body);
    expect(f.random).toEqual(f.hello.random);
    expect(f.messageSeq).toBe(0);
    expect(f.message.msgType).toBe(HT.server_hello);
  });

  it('hands a HelloVerifyRequest to the 1.2 machine, and refuses one when not offering 1.2', () => {
    const hvr = Uint8Array.of(0xfe, 0xfd, 4, 1, 2, 3, 4);
    expect(clientGets(offer12(), HT.hello_verify_request, hvr).error).toBeInstanceOf(VersionFallback);
    expect(alertOf(clientGets(clientConfig(provider), HT.hello_verify_request, hvr))).toBe('unexpected_message');
  });

  it('refuses a 1.2 ServerHello carrying the downgrade sentinel: illegal_parameter', () => {
    for (const which of ['dtls12', 'dtls10'] as const) {
      const d = clientGets(offer12(), HT.server_hello, sh12(withDowngradeSentinel(new Uint8Array(32).fill(5), which)));
      expect(alertOf(d)).toBe('illegal_parameter');
    }
  });

  it('refuses a 1.2 ServerHello when offering 1.3 only: protocol_version', () => {
    expect(alertOf(clientGets(clientConfig(provider), HT.server_hello, sh12(new Uint8Array(32).fill(5))))).toBe('protocol_version');
  });
});
