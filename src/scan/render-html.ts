/**
 * The scan report as one self-contained HTML page (`puredtls scan --html`):
 * inline CSS, no script, no external resource; sections are `<details>`.
 */
import type { ScanReport, Severity } from './report.js';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const yn = (v: boolean | null | undefined, yes = 'yes', no = 'no'): string => (v === null || v === undefined ? 'unknown' : v ? yes : no);

const SEVERITY_COLOURS: Record<Severity, string> = {
  critical: '#7a0010', high: '#b3261e', medium: '#b26a00', low: '#4b6584', info: '#5f6b7a',
};

function table(rows: readonly (readonly [string, string])[]): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

function section(title: string, body: string, open = true): string {
  return `<details${open ? ' open' : ''}><summary>${escapeHtml(title)}</summary>${body}</details>`;
}

export const PAGE_CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;color:#1d2733;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}p.sub{color:#5f6b7a;margin:0 0 16px}
details{border:1px solid #d5dbe3;border-radius:6px;margin:10px 0;background:#fff}
summary{cursor:pointer;padding:8px 12px;font-weight:600;background:#f3f5f8;border-radius:6px}
details>*:not(summary){margin:8px 12px}
table{border-collapse:collapse;width:calc(100% - 24px)}th,td{text-align:left;vertical-align:top;padding:3px 8px;border-bottom:1px solid #eef1f5}
th{width:28%;font-weight:500;color:#38465a}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
.sev{display:inline-block;color:#fff;border-radius:4px;padding:0 6px;font-size:12px;font-weight:600;margin-right:6px}
.ok{color:#17703a;font-weight:600}.bad{color:#b3261e;font-weight:600}.unk{color:#5f6b7a}
ul.findings{list-style:none;padding:0}ul.findings li{margin:6px 0}`;

export function renderHtml(r: ScanReport): string {
  const title = `DTLS scan of ${r.target.host}:${r.target.port}`;
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(title)}</h1><p class="sub">${escapeHtml(`${r.target.address}, ${r.startedAt}, ${(r.durationMs / 1000).toFixed(1)} s, `
    + `${r.traffic.datagramsOut} datagrams sent, ${r.traffic.datagramsIn} received; puredtls ${r.tool.version}, report schema ${r.schemaVersion}`)}</p>`);
  parts.push(section(`Findings (${r.findings.length})`, r.findings.length === 0 ? '<p>None.</p>'
    : `<ul class="findings">${r.findings.map((f) => `<li><span class="sev" style="background:${SEVERITY_COLOURS[f.severity]}">${f.severity}</span>`
      + `<strong>${escapeHtml(f.title)}</strong><br>${escapeHtml(f.detail)}${f.reference ? ` <em>(${escapeHtml(f.reference)})</em>` : ''}</li>`).join('')}</ul>`));
  const v = r.versions;
  parts.push(section('Versions', table([
    ['DTLS 1.0', `${yn(v.dtls10.supported)}: ${v.dtls10.answer}`],
    ['DTLS 1.2', `${yn(v.dtls12.supported)}: ${v.dtls12.answer}`],
    ['DTLS 1.3', `${yn(v.dtls13.supported)}: ${v.dtls13.answer}`],
    ['DTLS 1.3 group / suite', `${v.dtls13.selectedGroup ?? '-'} / ${v.dtls13.selectedSuite ?? '-'}`],
    ['Downgrade sentinel', v.dtls13.downgradeSentinel === null ? 'not applicable' : yn(v.dtls13.downgradeSentinel, 'present', 'absent')],
  ])));
  const cs = r.cipherSuites;
  parts.push(section(`Cipher suites: ${cs.accepted.length} of ${cs.tested} accepted`,
    `<p>Refused ${cs.rejectedByAlert} by alert, ${cs.rejectedBySilence} by silence. Order decided by: ${cs.preference ?? 'unknown'}.</p>`
    + table(cs.accepted.map((s) => [s.id, `${s.name}${s.flags.length ? `  [${s.flags.join(', ')}]` : ''}`]))));
  parts.push(section('Key exchange', table([
    ['Groups', r.groups.supported.join(', ') || 'none'],
    ['DHE prime', r.groups.dhe ? `${r.groups.dhe.bits} bits (${r.groups.dhe.group ?? 'custom'})` : '-'],
    ['Signature schemes', r.signatureAlgorithms.supported.join(', ') || 'none'],
  ])));
  if (r.certificate) {
    const c = r.certificate;
    parts.push(section('Certificate chain', c.chain.map((x, i) => `<h3>[${i}] ${escapeHtml(x.subject)}</h3>${table([
      ['Issuer', x.issuer], ['Validity', `${x.notBefore} .. ${x.notAfter}${x.expired ? ' (expired)' : ''}`],
      ['Key', `${x.keyType}${x.curve ? ` ${x.curve}` : ''}${x.keyBits ? `, ${x.keyBits} bits` : ''}`], ['Signature', x.signatureAlgorithm],
      ['SANs', x.subjectAltNames.join(', ') || '-'], ['SHA-256', x.sha256],
    ])}`).join('') + table([
      ['Verified against --ca', c.verified === null ? 'not checked' : c.verified ? 'yes' : `no: ${c.verifyError}`],
      ['Another SNI name, another chain', yn(c.dependsOnSni)],
    ])));
  }
  const e = r.extensions;
  parts.push(section('Extensions and features', table([
    ['Extended master secret', yn(e.extendedMasterSecret)], ['Encrypt-then-MAC', e.encryptThenMac === null ? 'n/a' : yn(e.encryptThenMac)],
    ['Secure renegotiation', yn(e.secureRenegotiation)], ['Renegotiation', `${e.renegotiation ?? 'unknown'}${e.renegotiationAnswer ? `: ${e.renegotiationAnswer}` : ''}`],
    ['Session ID resumption', yn(e.sessionIdResumption)], ['Tickets', `${yn(e.ticketIssued, 'issued', 'not issued')}, resumption ${yn(e.ticketResumption)}`],
    ['Connection ID', e.connectionId.supported ? `yes, ${e.connectionId.serverCidLength} bytes` : yn(e.connectionId.supported)],
    ['ALPN', `${e.alpn.selected ?? 'none'} (offered ${e.alpn.offered.join(', ')})`],
    ['SNI', `${e.sni.sent ?? 'not sent'}; unknown name: ${e.sni.unknownNameAnswer ?? '-'}`],
    ['use_srtp', e.srtpProfiles?.join(', ') || (e.srtpProfiles ? 'none' : 'unknown')], ['Heartbeat', yn(e.heartbeat, 'negotiated', 'refused')],
    ['record_size_limit', e.recordSizeLimit === null ? 'unknown' : e.recordSizeLimit === 0 ? 'not supported' : String(e.recordSizeLimit)],
  ])));
  const d = r.dos;
  parts.push(section('Denial of service', table([
    ['Cookie exchange', d.cookieRequired === null ? 'unknown' : d.cookieRequired ? `required, ${d.cookieLength}-byte cookie` : 'not required'],
    ['Before the cookie', d.amplification ? `${d.amplification.bytesOut} B out / ${d.amplification.bytesIn} B in = x${d.amplification.factor}` : 'unknown'],
    ['Cookie bound to the address', yn(d.cookieBoundToAddress)],
    ['A spoofed ClientHello draws', d.spoofedHelloDatagrams === null ? 'unknown' : `${d.spoofedHelloDatagrams} datagram(s) in ${d.spoofedHelloWindowMs} ms`],
    ['Stopped answering after', d.stoppedAfterProbe ?? '-'],
  ])));
  const t = r.timers;
  const f = r.fragmentation;
  parts.push(section('Timers and fragmentation', table([
    ['First retransmission', t.initialTimeoutMs === null ? `none within ${t.windowMs} ms` : `${t.initialTimeoutMs} ms`],
    ['Intervals', t.intervalsMs.length ? `${t.intervalsMs.join(', ')} ms (${yn(t.backoffDoubles, 'doubling', 'not doubling')})` : '-'],
    ['Largest datagram / handshake record', `${f.largestDatagram ?? '?'} / ${f.largestHandshakeRecord ?? '?'} bytes`],
    ['Server fragments messages', yn(f.serverFragments)],
    [`Fragmented hello (${f.fragmentSize}-byte fragments)`, `first: ${yn(f.reassemblesFirstHello, 'answered', 'ignored')}; with cookie: ${yn(f.reassemblesCookieHello, 'reassembled', 'ignored')}`],
  ])));
  parts.push(section('State machine', `<table><tr><th>Probe</th><td><strong>Sent / answer / expected</strong></td></tr>${r.stateMachine.map((p) => {
    const cls = p.conforms === null ? 'unk' : p.conforms ? 'ok' : 'bad';
    return `<tr><th><span class="${cls}">${p.conforms === null ? '?' : p.conforms ? 'ok' : 'BAD'}</span> ${escapeHtml(p.id)} ${escapeHtml(p.title)}</th>`
      + `<td>Sent: ${escapeHtml(p.sent)}<br>Answer: ${escapeHtml(p.answer)}<br>Expected: ${escapeHtml(p.expected)} <em>(${escapeHtml(p.reference)})</em></td></tr>`;
  }).join('')}</table>`));
  if (r.malformedAnswers.length) parts.push(section('Malformed answers', `<ul>${r.malformedAnswers.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`));
  if (r.notes.length) parts.push(section('Notes', `<ul>${r.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`));
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`
    + `<title>${escapeHtml(title)}</title><style>${PAGE_CSS}</style></head><body>${parts.join('\n')}</body></html>\n`;
}
