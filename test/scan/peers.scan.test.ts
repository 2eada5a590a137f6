/**
 * `puredtls scan` against real servers, each configured so that the facts
 * the report must contain are known: OpenSSL's s_server three ways, gnutls-serv,
 * wolfSSL's example server (DTLS 1.2, and 1.0–1.3) and the project's own
 * server. Every report is checked against the JSON Schema, against its stated
 * time limit (the scan's own deadline: it may never run over) and fact by
 * fact against the configuration. Reports are kept in test-artifacts/scan/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { scan, type ScanOptions } from '../../src/scan/scan.js';
import type { ScanReport } from '../../src/scan/report.js';
import { renderText } from '../../src/scan/render-text.js';
import { renderHtml } from '../../src/scan/render-html.js';
import { schemaErrors } from './schema.js';
import { requirePeer } from '../interop/peers.js';
import {
  CA_BUNDLE, HAS_GNUTLS_SERV, HAS_OPENSSL, type RunningServer, pki, pkiPath, startGnutls, startOpenssl, startOwn, startWolfssl,
  stopAllPeers, wolfsslDir,
} from './servers.js';

const ARTIFACTS = new URL('../../test-artifacts/scan/', import.meta.url);
const PSK_HEX = pki('psk-key.hex').toString().trim();
const PSK = { identity: 'Client_identity', key: Buffer.from(PSK_HEX, 'hex') };
const HAS_WOLFSSL = requirePeer('the wolfSSL peer', wolfsslDir() !== null, 'wolfSSL with tools/peers/wolfssl.sh');

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await stopAllPeers();
});

/** Scan a server with a stated time limit and keep the report. */
async function scanned(name: string, server: RunningServer, maxTime: number, opts: Partial<ScanOptions> = {}): Promise<ScanReport> {
  running = server;
  const r = await scan({ host: '127.0.0.1', port: server.port, ca: CA_BUNDLE, maxTime, ...opts });
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(new URL(`${name}.json`, ARTIFACTS), JSON.stringify(r, null, 2));
  writeFileSync(new URL(`${name}.txt`, ARTIFACTS), renderText(r));
  writeFileSync(new URL(`${name}.html`, ARTIFACTS), renderHtml(r));
  console.log(`scan ${name}: ${(r.durationMs / 1000).toFixed(1)} s (limit ${maxTime / 1000} s), ${r.traffic.datagramsOut} datagrams out; findings: ${r.findings.map((f) => `${f.severity}:${f.id}`).join(', ') || 'none'}`);
  // Every report: valid against the schema, within its time and datagram limits, every section finished.
  expect(schemaErrors(r)).toEqual([]);
  expect(r.durationMs).toBeLessThanOrEqual(maxTime);
  expect(r.traffic.datagramsOut).toBeLessThanOrEqual(r.limits.maxDatagrams);
  expect(r.notes.filter((n) => /not finished|failed/.test(n))).toEqual([]);
  expect(r.reachable).toBe(true);
  return r;
}

const ids = (r: ScanReport) => r.cipherSuites.accepted.map((s) => s.id);
const findingIds = (r: ScanReport) => r.findings.map((f) => f.id);
const conformance = (r: ScanReport) => Object.fromEntries(r.stateMachine.map((p) => [p.id, p.conforms]));
const ALL_CONFORM = { 'SM-02': true, 'SM-04': true, 'S-37': true, 'DUP-01': true, 'SM-10': true, 'SM-01': true };

/** The retransmission timer of a server with OpenSSL's, GnuTLS's and wolfSSL's defaults: 1 s first. */
function expectOneSecondTimer(r: ScanReport): void {
  expect(r.timers.initialTimeoutMs).toBeGreaterThanOrEqual(900);
  expect(r.timers.initialTimeoutMs).toBeLessThanOrEqual(1600);
  expect(r.timers.retransmissions).toBeGreaterThanOrEqual(2);
}

describe.runIf(HAS_OPENSSL)('scan: openssl s_server -dtls1_2', () => {
  it('CBC and GCM suites with -no_etm, stateful cookies (no -listen): every reported fact', async () => {
    const r = await scanned('openssl-cbc-no-etm', await startOpenssl([
      '-cert', pkiPath('server-ecdsa-p256.crt.pem'), '-key', pkiPath('server-ecdsa-p256.key.pem'),
      '-cipher', 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-GCM-SHA256', '-no_etm',
    ]), 90_000);
    expect(r.versions.dtls12.supported).toBe(true);
    expect(r.versions.dtls10.supported).toBe(false);
    expect(r.versions.dtls13.supported).toBe(false);
    expect(ids(r)).toEqual(['0xc009', '0xc00a', '0xc02b']);
    expect(r.cipherSuites.rejectedByAlert).toBe(r.cipherSuites.tested - 3);
    expect(r.cipherSuites.preference).toBe('client');
    expect(r.extensions.encryptThenMac).toBe(false);
    expect(findingIds(r)).toContain('cbc-without-etm');
    expect(r.extensions.extendedMasterSecret).toBe(true);
    expect(r.extensions.secureRenegotiation).toBe(true);
    expect(r.extensions.renegotiation).toBe('refused'); // OpenSSL 3: no client-initiated renegotiation by default
    expect(r.extensions.sessionIdResumption).toBe(true);
    expect(r.extensions.ticketIssued).toBe(true);
    expect(r.extensions.ticketResumption).toBe(true);
    expect(r.extensions.heartbeat).toBe(false);
    expect(r.extensions.connectionId.supported).toBe(false);
    expect(r.groups.supported).toEqual(expect.arrayContaining(['X25519', 'P-256', 'P-384']));
    expect(r.signatureAlgorithms.supported).toContain('ecdsa_secp256r1_sha256');
    expect(r.signatureAlgorithms.supported.some((s) => s.startsWith('rsa'))).toBe(false);
    expect(r.certificate?.chain[0]?.subject).toContain('CN=localhost');
    expect(r.certificate?.chain[0]).toMatchObject({ keyType: 'ecdsa', curve: 'P-256', expired: false });
    expect(r.certificate?.verified).toBe(true);
    expect(r.dos).toMatchObject({ cookieRequired: true, cookieBoundToAddress: true, spoofedHelloDatagrams: 1, stoppedAfterProbe: null });
    expect(r.dos.amplification!.factor).toBeLessThan(1);
    expectOneSecondTimer(r);
    expect(r.timers.backoffDoubles).toBe(true);
    expect(r.fragmentation).toMatchObject({ reassemblesFirstHello: true, reassemblesCookieHello: true });
    expect(conformance(r)).toEqual(ALL_CONFORM);
    expect(findingIds(r)).not.toContain('dtls10-accepted');
    expect(findingIds(r)).not.toContain('no-cookie-exchange');
  });

  it('RSA certificate, DHE and static RSA suites, -listen (one source port), -no_ticket, -serverpref, -client_renegotiation', async () => {
    const r = await scanned('openssl-listen-rsa', await startOpenssl([
      '-cert', pkiPath('server-rsa2048.crt.pem'), '-key', pkiPath('server-rsa2048.key.pem'), '-listen', '-no_ticket', '-serverpref',
      '-client_renegotiation', '-cipher', 'DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA',
    ]), 90_000, { samePort: true });
    expect(ids(r)).toEqual(['0x002f', '0x009e', '0xc030']);
    expect(r.cipherSuites.preference).toBe('server');
    expect(r.extensions.ticketIssued).toBe(false);
    expect(r.extensions.sessionIdResumption).toBe(true);
    expect(r.extensions.renegotiation).toBe('accepted');
    expect(r.extensions.encryptThenMac).toBe(true);
    expect(findingIds(r)).toEqual(expect.arrayContaining(['client-renegotiation', 'no-forward-secrecy']));
    expect(r.certificate?.chain[0]).toMatchObject({ keyType: 'rsa', keyBits: 2048 });
    expect(r.signatureAlgorithms.supported).toEqual(expect.arrayContaining(['rsa_pss_rsae_sha256', 'rsa_pkcs1_sha256']));
    expect(r.signatureAlgorithms.supported.some((s) => s.startsWith('ecdsa'))).toBe(false);
    expect(r.groups.dhe?.bits).toBeGreaterThanOrEqual(2048);
    expect(r.dos.cookieRequired).toBe(true);
    expect(r.dos.cookieBoundToAddress).toBeNull(); // one port: nothing to move the cookie to
    expect(r.notes.some((n) => /cookie binding not tested/.test(n))).toBe(true);
    expectOneSecondTimer(r);
    expect(conformance(r)).toEqual(ALL_CONFORM);
  });

  it('PSK only (no certificate): PSK suites, no chain, handshakes completed with the key', async () => {
    const r = await scanned('openssl-psk', await startOpenssl([
      '-nocert', '-psk', PSK_HEX, '-psk_identity', PSK.identity, '-cipher', 'PSK-AES128-CCM8:PSK-AES128-GCM-SHA256:ECDHE-PSK-CHACHA20-POLY1305',
    ]), 90_000, { psk: PSK });
    expect(ids(r)).toEqual(['0x00a8', '0xc0a8', '0xccac']);
    expect(r.cipherSuites.accepted.every((s) => s.flags.includes('psk'))).toBe(true);
    expect(r.certificate).toBeNull();
    expect(r.signatureAlgorithms.tested).toEqual([]);
    expect(r.groups.supported).toEqual(expect.arrayContaining(['X25519', 'P-256']));
    expect(r.extensions.sessionIdResumption).toBe(true);
    expect(r.extensions.ticketResumption).toBe(true);
    expect(r.dos.cookieRequired).toBe(true);
    expect(conformance(r)).toEqual(ALL_CONFORM);
  });
});

describe.runIf(HAS_GNUTLS_SERV)('scan: gnutls-serv --udp', () => {
  it('ECDSA certificate, NORMAL priority: silent refusals, renegotiation, and the probe that stops it', async () => {
    const r = await scanned('gnutls-serv', await startGnutls(), 240_000);
    expect(r.versions.dtls12.supported).toBe(true);
    expect(r.versions.dtls10.supported).toBe(false);
    expect(ids(r)).toEqual(expect.arrayContaining(['0xc02b', '0xc02c', '0xc0ac', '0xcca9']));
    expect(r.cipherSuites.accepted.every((s) => s.kx === 'ECDHE_ECDSA')).toBe(true);
    // GnuTLS refuses a ClientHello it cannot serve without an alert.
    expect(r.cipherSuites.rejectedBySilence).toBe(r.cipherSuites.tested - r.cipherSuites.accepted.length);
    expect(r.extensions.renegotiation).toBe('accepted');
    expect(r.extensions.recordSizeLimit).toBeGreaterThan(0);
    expect(r.extensions.ticketResumption).toBe(true);
    expect(r.dos).toMatchObject({ cookieRequired: true, cookieLength: 16, cookieBoundToAddress: true, spoofedHelloDatagrams: 1 });
    expect(r.timers.initialTimeoutMs).toBeGreaterThanOrEqual(900);
    // gnutls-serv 3.7's UDP loop takes a stray handshake message from a new port
    // (here the ClientKeyExchange of SM-10) as a connection and waits on it for
    // good: the scan says so and runs nothing after it.
    expect(r.dos.stoppedAfterProbe).toBe('SM-10');
    expect(findingIds(r)).toContain('stops-answering');
    // A wrong verify_data ends the handshake without the decrypt_error alert.
    expect(r.stateMachine.find((p) => p.id === 'S-37')?.answer).toBe('no answer');
    expect(conformance(r)).toEqual({ 'SM-02': true, 'SM-04': true, 'S-37': false, 'DUP-01': true, 'SM-10': false, 'SM-01': null });
  });
});

describe.runIf(HAS_WOLFSSL)('scan: wolfSSL example server', () => {
  it('DTLS 1.2 (-v 3)', async () => {
    const r = await scanned('wolfssl-1.2', await startWolfssl('3'), 90_000);
    expect(r.versions.dtls12.supported).toBe(true);
    expect(r.versions.dtls13.supported).toBe(false);
    expect(r.versions.dtls10.supported).toBe(false);
    expect(ids(r)).toEqual(expect.arrayContaining(['0xc02b', '0xc02c', '0xc0ac', '0xc0ae', '0xcca9']));
    expect(r.cipherSuites.accepted.every((s) => s.kx === 'ECDHE_ECDSA')).toBe(true);
    expect(r.cipherSuites.preference).toBe('server');
    expect(r.certificate?.chain).toHaveLength(2);
    expect(r.extensions).toMatchObject({ extendedMasterSecret: true, encryptThenMac: true, sessionIdResumption: true, ticketResumption: true });
    expect(r.dos).toMatchObject({ cookieRequired: true, cookieLength: 32, cookieBoundToAddress: true, spoofedHelloDatagrams: 1 });
    expectOneSecondTimer(r);
    expect(r.timers.backoffDoubles).toBe(true);
  });

  it('DTLS 1.0 to 1.3 (-v d): 1.3 with a HelloRetryRequest cookie, the downgrade sentinel in its 1.2 ServerHello', async () => {
    const r = await scanned('wolfssl-1.3', await startWolfssl('d'), 90_000);
    expect(r.versions.dtls13).toMatchObject({ supported: true, helloRetryRequest: true, hrrCookie: true, downgradeSentinel: true });
    expect(r.versions.dtls13.selectedSuite).toMatch(/^TLS_AES_|^TLS_CHACHA20/);
    expect(r.versions.dtls12.supported).toBe(true);
    expect(r.versions.dtls10.supported).toBe(true);
    expect(findingIds(r)).toContain('dtls10-accepted');
    expect(findingIds(r)).not.toContain('no-downgrade-sentinel');
  });
});

describe('scan: the project\'s own server', () => {
  it('named suites, groups, CID, ALPN, SRTP: every reported fact', async () => {
    const own = await startOwn({
      key: pki('server-ecdsa-p256.key.pem'), cert: pki('server-ecdsa-p256.chain.pem'),
      ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-SHA256',
      ecdhCurve: 'X25519:P-256', connectionId: 4, ALPNProtocols: ['coap'], srtpProfiles: ['SRTP_AES128_CM_SHA1_80'],
    });
    const r = await scanned('puredtls', own, 90_000);
    expect(r.versions).toMatchObject({ dtls10: { supported: false }, dtls12: { supported: true }, dtls13: { supported: false } });
    expect(ids(r)).toEqual(['0xc023', '0xc02b', '0xcca9']);
    expect(r.cipherSuites.preference).toBe('server');
    expect(r.groups.supported).toEqual(['X25519', 'P-256']);
    expect(r.extensions).toMatchObject({
      extendedMasterSecret: true, encryptThenMac: true, secureRenegotiation: true, renegotiation: 'ignored',
      sessionIdResumption: true, ticketIssued: true, ticketResumption: true, heartbeat: false,
      connectionId: { supported: true, serverCidLength: 4 }, srtpProfiles: ['SRTP_AES128_CM_SHA1_80'],
    });
    expect(r.extensions.alpn.selected).toBe('coap');
    expect(r.certificate?.verified).toBe(true);
    expect(r.dos).toMatchObject({ cookieRequired: true, cookieLength: 32, cookieBoundToAddress: true, spoofedHelloDatagrams: 1, stoppedAfterProbe: null });
    expect(r.timers.initialTimeoutMs).toBeGreaterThanOrEqual(900);
    expect(r.timers.backoffDoubles).toBe(true);
    expect(r.fragmentation).toMatchObject({ reassemblesFirstHello: true, reassemblesCookieHello: true });
    expect(conformance(r)).toEqual(ALL_CONFORM);
    expect(r.findings.filter((f) => f.severity !== 'info' && f.severity !== 'low')).toEqual([]);
  });
});
