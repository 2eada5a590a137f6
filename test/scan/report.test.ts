/**
 * The scan report against the project's own server (in this process, short
 * silent windows): valid against docs/scan.schema.json, the stable fields as
 * a snapshot, the renderers, and the budget that bounds every scan.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scan } from '../../src/scan/scan.js';
import type { ScanReport } from '../../src/scan/report.js';
import { renderText } from '../../src/scan/render-text.js';
import { renderHtml } from '../../src/scan/render-html.js';
import { schemaErrors } from './schema.js';
import { CA_BUNDLE, type RunningServer, pki, startOwn } from './servers.js';

let own: RunningServer;
let report: ScanReport;

beforeAll(async () => {
  own = await startOwn({
    key: pki('server-ecdsa-p256.key.pem'), cert: pki('server-ecdsa-p256.chain.pem'),
    ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-SHA384', // P-384 first: with a P-256 certificate, P-384 shows only when the server prefers it to P-256.
    ecdhCurve: 'P-384:X25519:P-256', ALPNProtocols: ['coap'],
  });
  report = await scan({ host: '127.0.0.1', port: own.port, ca: CA_BUNDLE, timerWindow: 3_500, spoofWindow: 1_200, rate: 400 });
}, 120_000);

afterAll(async () => {
  await own.stop();
});

/** The fields of a report that do not depend on timing, ports or randomness. */
function stable(r: ScanReport): unknown {
  return {
    schemaVersion: r.schemaVersion,
    reachable: r.reachable,
    versions: { dtls10: r.versions.dtls10.supported, dtls12: r.versions.dtls12.supported, dtls13: r.versions.dtls13.supported },
    cipherSuites: { tested: r.cipherSuites.tested, accepted: r.cipherSuites.accepted, preference: r.cipherSuites.preference,
      rejectedByAlert: r.cipherSuites.rejectedByAlert, rejectedBySilence: r.cipherSuites.rejectedBySilence },
    groups: r.groups,
    signatureAlgorithms: r.signatureAlgorithms,
    certificate: r.certificate && { ...r.certificate, chain: r.certificate.chain.map((c) => ({ ...c })) },
    extensions: r.extensions,
    dos: { ...r.dos, amplification: r.dos.amplification && { bytesOut: r.dos.amplification.bytesOut } },
    timers: { retransmitted: (r.timers.retransmissions ?? 0) > 0, backoffDoubles: r.timers.backoffDoubles },
    // The flight's size varies by a byte or two with the ECDSA signature's DER length.
    fragmentation: { ...r.fragmentation, largestDatagram: (r.fragmentation.largestDatagram ?? 0) > 1000 },
    stateMachine: r.stateMachine.map((p) => ({ id: p.id, answer: p.answer, conforms: p.conforms })),
    findings: r.findings.map((f) => `${f.severity} ${f.id}`),
    malformedAnswers: r.malformedAnswers,
    notes: r.notes,
  };
}

describe('scan report of the project\'s own server', () => {
  it('is valid against the JSON Schema (docs/scan.schema.json)', () => {
    expect(schemaErrors(report)).toEqual([]);
  });

  it('the schema rejects a report with a missing field or a wrong type', () => {
    const { dos: _dos, ...noDos } = report;
    expect(schemaErrors(noDos).join('\n')).toMatch(/must have required property 'dos'/);
    expect(schemaErrors({ ...report, schemaVersion: 2 }).join('\n')).toMatch(/schemaVersion/);
    expect(schemaErrors({ ...report, extensions: { ...report.extensions, renegotiation: 'maybe' } }).join('\n')).toMatch(/renegotiation/);
  });

  it('keeps its stable fields (snapshot)', () => {
    expect(stable(report)).toMatchSnapshot();
  });

  it('reports the configuration it scanned', () => {
    expect(report.cipherSuites.accepted.map((s) => s.name)).toEqual(['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256']);
    expect(report.groups.supported).toEqual(['X25519', 'P-256', 'P-384']);
    expect(report.extensions.alpn.selected).toBe('coap');
    expect(report.extensions.encryptThenMac).toBe(true);
    expect(report.dos.cookieRequired).toBe(true);
    expect(report.stateMachine.every((p) => p.conforms === true)).toBe(true);
  });

  it('renders as text and as one self-contained HTML page', () => {
    const text = renderText(report);
    expect(text).toContain(`puredtls scan 127.0.0.1:${own.port}`);
    expect(text).toContain('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    expect(text).toMatch(/cookie exchange\s+required \(32-byte cookie\)/);
    const html = renderHtml(report);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!json-schema)/);
    expect(html).toContain('<details open><summary>Findings');
  });
});

describe('scan of a server without the cookie exchange', () => {
  it('finds the amplifier: the first flight and its resends go to any (spoofed) address', async () => {
    const open = await startOwn({ key: pki('server-ecdsa-p256.key.pem'), cert: pki('server-ecdsa-p256.chain.pem'), cookieExchange: false });
    try {
      const r = await scan({ host: '127.0.0.1', port: open.port, timerWindow: 3_500, spoofWindow: 500, rate: 400 });
      expect(schemaErrors(r)).toEqual([]);
      expect(r.dos.cookieRequired).toBe(false);
      expect(r.dos.amplification!.factor).toBeGreaterThan(2);
      // The flight, then its resends at 1 s and 3 s (the timer probe's window doubles as the spoof count).
      expect(r.dos.spoofedHelloDatagrams).toBeGreaterThanOrEqual(3);
      const f = r.findings.find((x) => x.id === 'no-cookie-exchange');
      expect(f).toMatchObject({ severity: 'high', title: 'No cookie exchange: usable as a DDoS amplifier' });
      expect(f!.detail).toMatch(/bytes for \d+ \(×\d/);
    } finally {
      await open.stop();
    }
  }, 60_000);
});

describe('scan budget', () => {
  it('stops at the datagram budget and says which probes did not finish', async () => {
    const r = await scan({ host: '127.0.0.1', port: own.port, maxDatagrams: 40, timerWindow: 1000, spoofWindow: 500 });
    expect(r.traffic.datagramsOut).toBeLessThanOrEqual(40);
    expect(r.notes.some((n) => /not finished \(datagram budget of 40 spent\)/.test(n))).toBe(true);
    expect(schemaErrors(r)).toEqual([]);
  }, 60_000);

  it('talks to nothing when the target port is closed, and says so', async () => {
    const closed = await startOwn({ key: pki('server-ecdsa-p256.key.pem'), cert: pki('server-ecdsa-p256.chain.pem') });
    const port = closed.port;
    await closed.stop();
    const r = await scan({ host: '127.0.0.1', port, replyTimeout: 200, timerWindow: 500, spoofWindow: 300 });
    expect(r.reachable).toBe(false);
    expect(r.findings.map((f) => f.id)).toEqual(['unreachable']);
    expect(r.cipherSuites.tested).toBe(0);
  }, 60_000);
});
