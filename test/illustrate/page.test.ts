/**
 * `puredtls illustrate` pages opened in headless Chromium: a DTLS 1.2
 * ECDHE-ECDSA handshake with OpenSSL's s_server, and a PSK handshake with the
 * project's own server. Each page renders every handshake message with its
 * labels, logs nothing to the console, and leaves a screenshot in
 * test-artifacts/illustrate/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { illustrate, renderIllustration, type Illustration } from '../../src/illustrate/index.js';
import { HAS_OPENSSL, pki, pkiPath, startOpenssl, stopAllPeers } from '../scan/servers.js';
import { HAS_CHROMIUM, renderPage } from '../helpers/chromium.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/illustrate/', import.meta.url));

afterEach(async () => {
  await stopAllPeers();
});

/** Every handshake message of the illustration appears in the DOM with its name and the labels of its fields. */
function expectMessagesRendered(il: Illustration, dom: string): void {
  for (const m of il.messages) {
    expect(dom, m.type).toContain(`data-type="${m.type}"`);
    for (const f of m.body.fields) expect(dom, `${m.type}.${f.name}`).toContain(f.name.replace(/&/g, '&amp;').replace(/</g, '&lt;'));
  }
  for (const d of il.datagrams) expect(dom).toContain(`id="d${d.index}"`);
}

function savePage(name: string, il: Illustration): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = `${ARTIFACTS}${name}.html`;
  writeFileSync(file, renderIllustration(il));
  writeFileSync(`${ARTIFACTS}${name}.json`, JSON.stringify(il, null, 2));
  return file;
}

describe.runIf(HAS_CHROMIUM)('illustrate pages in headless Chromium', () => {
  it('the console check catches a page that logs an error (the check itself works)', () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = `${ARTIFACTS}console-control.html`;
    writeFileSync(file, '<!DOCTYPE html><html><body><p>x</p><script>console.error("broken page")</script></body></html>');
    const r = renderPage(file);
    expect(r.console.join('\n')).toContain('broken page');
  }, 120_000);

  it.runIf(HAS_OPENSSL)('a DTLS 1.2 ECDHE-ECDSA handshake with openssl s_server: every message labelled, no console output, a screenshot', async () => {
    const server = await startOpenssl(['-cert', pkiPath('server-ecdsa-p256.crt.pem'), '-key', pkiPath('server-ecdsa-p256.key.pem')]);
    const il = await illustrate({ host: '127.0.0.1', port: server.port, ca: pki('ca-bundle.pem'), servername: 'localhost', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    await server.stop();
    expect(il.suite).toBe('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    const types = il.messages.map((m) => m.type);
    expect(types).toEqual(expect.arrayContaining(['client_hello', 'hello_verify_request', 'server_hello', 'certificate', 'server_key_exchange',
      'server_hello_done', 'client_key_exchange', 'finished']));
    expect(types.filter((t) => t === 'finished')).toHaveLength(2); // both decrypted
    // s_server fragments its certificate: fragments shown where they came, the message whole where it completed.
    expect(il.messages.find((m) => m.type === 'certificate')!.fragments).toBeGreaterThan(1);
    expect(il.keySchedule.find((k) => k.name === 'pre_master_secret')!.note).toMatch(/private key never leaves/);
    expect(il.keySchedule.find((k) => k.name === 'master_secret')!.hex).toMatch(/^[0-9a-f]{96}$/);
    const file = savePage('openssl-ecdhe-ecdsa', il);
    const r = renderPage(file, { file: `${ARTIFACTS}openssl-ecdhe-ecdsa.png`, width: 1400, height: 2400 });
    expect(r.console).toEqual([]);
    expectMessagesRendered(il, r.dom);
    expect(r.dom).toContain('verify_data');
    expect(r.dom).toContain('RFC 8422 §5.4');
  }, 120_000);

  it('a PSK handshake with the project\'s server: the pre-master secret shown and checked against the key log', async () => {
    const psk = { identity: 'Client_identity', key: Buffer.from(pki('psk-key.hex').toString().trim(), 'hex') };
    const il = await illustrate({ self: true, psk, ciphers: 'PSK-AES128-CCM8' });
    expect(il.suite).toBe('TLS_PSK_WITH_AES_128_CCM_8');
    expect(il.keySchedule.find((k) => k.name === 'pre_master_secret')!.hex).toBe(`0010${'00'.repeat(16)}0010${psk.key.toString('hex')}`);
    expect(il.keySchedule.find((k) => k.name === 'master_secret')!.note).toMatch(/the same as the client's key log/);
    expect(il.datagrams.flatMap((d) => d.records).filter((r) => r.epoch === 1).every((r) => r.decrypted !== undefined)).toBe(true);
    const file = savePage('puredtls-psk', il);
    const r = renderPage(file, { file: `${ARTIFACTS}puredtls-psk.png`, width: 1400, height: 2400 });
    expect(r.console).toEqual([]);
    expectMessagesRendered(il, r.dom);
    expect(r.dom).toContain('psk_identity');
    expect(r.dom).toContain('RFC 4279 §2');
  }, 120_000);
});
