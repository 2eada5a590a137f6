import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../src/crypto/bytes.js';
import { SignatureScheme } from '../../../src/crypto/provider.js';
import { exportKeyingMaterial, keyScheduleParams } from '../../../src/dtls13/key-schedule.js';
import { SUITES_13 } from '../../../src/dtls13/suites.js';
import type { Group13 } from '../../../src/dtls13/driver.js';
import { HandshakeType as HT } from '../../../src/handshake/registry.js';
import { type Loopback, PROVIDERS13, clientConfig, handshake, serverConfig } from './loopback.js';

/** Both sides completed, with equal keys in epochs 2 and 3 both ways, installed in the order RFC 9147 §6.1 implies. */
function expectEstablished(l: Loopback): void {
  expect(l.client.error).toBeUndefined();
  expect(l.server.error).toBeUndefined();
  expect(l.client.completed).toBe(1);
  expect(l.server.completed).toBe(1);
  for (const epoch of [2, 3]) {
    expect(l.client.keys('write', epoch)?.keys).toBe(l.server.keys('read', epoch)?.keys);
    expect(l.server.keys('write', epoch)?.keys).toBe(l.client.keys('read', epoch)?.keys);
    expect(l.client.keys('write', epoch)?.keys).not.toBe(l.client.keys('read', epoch)?.keys);
  }
  expect(l.server.installed.map((i) => `${i.dir}${i.epoch}`)).toEqual(['write2', 'read2', 'write3', 'read3']);
  expect(l.client.installed.map((i) => `${i.dir}${i.epoch}`)).toEqual(['read2', 'write2', 'write3', 'read3']);
  // ServerHello in epoch 0, the rest of the server's flight in epoch 2; the client's flight in epoch 2.
  const [sh, ...rest] = l.server.flights[0]!;
  expect(sh!.msgType).toBe(HT.server_hello);
  expect(sh!.epoch).toBe(0);
  expect(rest.every((m) => m.epoch === 2)).toBe(true);
  expect(l.client.flights[1]!.every((m) => m.epoch === 2)).toBe(true);
  expect(l.client.flights[1]!.at(-1)!.msgType).toBe(HT.finished);
}

describe.each(PROVIDERS13)('DTLS 1.3 handshake machines ($name provider)', (provider) => {
  it.each(SUITES_13.map((s) => [s.name, s] as const))('completes with %s', async (_name, suite) => {
    const l = await handshake(provider, serverConfig(provider, {}, { suites13: [suite] }), clientConfig(provider, {}, { suites13: SUITES_13 }));
    expectEstablished(l);
    expect(l.client.machine.negotiated?.suite13).toBe(suite);
    expect(l.server.machine.negotiated?.suite13).toBe(suite);
  });

  it('picks the server preference among the suites both offer', async () => {
    const l = await handshake(provider, serverConfig(provider, {}, { suites13: [SUITES_13[2]!, SUITES_13[0]!] }), clientConfig(provider, {}, { suites13: SUITES_13 }));
    expect(l.client.machine.negotiated?.suite13.name).toBe('TLS_CHACHA20_POLY1305_SHA256');
  });

  const groups: Group13[] = ['x25519', 'secp256r1', 'secp384r1', 'x25519mlkem768'];
  it.each(groups)('exchanges keys on %s', async (group) => {
    const l = await handshake(provider, serverConfig(provider, {}, { groups13: groups }), clientConfig(provider, {}, { groups13: [group], keyShareGroups: [group] }));
    expectEstablished(l);
    expect(l.client.machine.negotiated?.group).toBe(group);
    expect(l.server.machine.negotiated?.group).toBe(group);
    expect(l.server.machine.negotiated?.pskMode).toBeUndefined();
  });

  it('uses X25519MLKEM768 only when the server has it configured', async () => {
    const c = clientConfig(provider, {}, { groups13: ['x25519mlkem768', 'x25519'], keyShareGroups: ['x25519mlkem768', 'x25519'] });
    const without = await handshake(provider, serverConfig(provider), c);
    expect(without.server.machine.negotiated?.group).toBe('x25519');
    const withIt = await handshake(provider, serverConfig(provider, {}, { groups13: ['x25519mlkem768', 'x25519'] }), c);
    expect(withIt.server.machine.negotiated?.group).toBe('x25519mlkem768');
    // The hybrid share makes the ClientHello larger than one datagram (1216-byte share).
    expect(withIt.client.flights[0]![0]!.body.length).toBeGreaterThan(1300);
  });

  it.each([
    ['ecdsa-p256', SignatureScheme.ecdsa_secp256r1_sha256],
    ['ecdsa-p384', SignatureScheme.ecdsa_secp384r1_sha384],
    ['rsa2048', SignatureScheme.rsa_pss_rsae_sha256],
    ['ed25519', SignatureScheme.ed25519],
  ] as const)('authenticates a server with a %s key (CertificateVerify scheme %i)', async (cert, scheme) => {
    const l = await handshake(provider, serverConfig(provider, { cert }), clientConfig(provider));
    expectEstablished(l);
    expect(l.client.machine.negotiated?.signatureScheme).toBe(scheme);
    expect(l.client.machine.negotiated?.authorized).toBe(true);
    expect(l.client.machine.negotiated?.peerCertificates.length).toBeGreaterThan(0);
    expect(l.server.machine.negotiated?.resumed).toBe(false);
  });

  it('gives both sides the same RFC 8446 §7.5 exporter, and key-log lines with the secrets of the key schedule', async () => {
    const l = await handshake(provider, serverConfig(provider), clientConfig(provider));
    const cs = l.client.secrets!;
    const ss = l.server.secrets!;
    const ctx = new TextEncoder().encode('context');
    expect(cs.exportKeyingMaterial(32, 'EXPORTER-Test', ctx)).toEqual(ss.exportKeyingMaterial(32, 'EXPORTER-Test', ctx));
    expect(cs.exportKeyingMaterial(32, 'EXPORTER-Test')).toEqual(cs.exportKeyingMaterial(32, 'EXPORTER-Test', new Uint8Array(0)));
    expect(cs.exportKeyingMaterial(32, 'EXPORTER-Test')).not.toEqual(cs.exportKeyingMaterial(32, 'EXPORTER-Other'));
    const lines = cs.keylogLines()();
    expect(ss.keylogLines()()).toEqual(lines);
    const random = l.client.flights[0]![0]!.body.subarray(2, 34);
    const parsed = lines.map((line) => line.trim().split(' '));
    expect(parsed.map((p) => p[0])).toEqual(['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET']);
    expect(new Set(parsed.map((p) => p[1]))).toEqual(new Set([Buffer.from(random).toString('hex')]));
    // The traffic secrets are those the association was given for epochs 2 and 3.
    expect(parsed[0]![2]).toBe(l.client.keys('write', 2)!.secret);
    expect(parsed[1]![2]).toBe(l.client.keys('read', 2)!.secret);
    expect(parsed[2]![2]).toBe(l.client.keys('write', 3)!.secret);
    expect(parsed[3]![2]).toBe(l.client.keys('read', 3)!.secret);
    // And the exporter comes from the logged exporter secret.
    const k = keyScheduleParams(provider, 'sha256');
    expect(exportKeyingMaterial(k, fromHex(parsed[4]![2]!), 'EXPORTER-Test', ctx, 32)).toEqual(cs.exportKeyingMaterial(32, 'EXPORTER-Test', ctx));
  });

  it('keeps key-log lines readable after the secrets are wiped', async () => {
    const l = await handshake(provider, serverConfig(provider), clientConfig(provider));
    const read = l.client.secrets!.keylogLines();
    l.client.secrets!.wipe();
    l.client.machine.wipe();
    expect(read()[0]).toMatch(/^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64}\n$/);
    expect(read()[0]).not.toMatch(/ 0{64}\n$/);
  });

  it('sends one flight each way plus the ticket, message_seq counting up', async () => {
    const l = await handshake(provider, serverConfig(provider), clientConfig(provider));
    expect(l.client.flights.map((f) => f.map((m) => m.msgType))).toEqual([[HT.client_hello], [HT.finished]]);
    expect(l.server.flights.map((f) => f.map((m) => m.msgType))).toEqual([
      [HT.server_hello, HT.encrypted_extensions, HT.certificate, HT.certificate_verify, HT.finished],
      [HT.new_session_ticket],
    ]);
    expect(l.server.sent.map((m) => m.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(l.server.flights[1]![0]!.epoch).toBe(3);
    expect(l.client.tickets).toHaveLength(1);
  });
});
