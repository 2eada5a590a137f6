/** The scan report as text for a terminal (`puredtls scan`'s default output). */
import type { ScanReport } from './report.js';

const yn = (v: boolean | null | undefined, yes = 'yes', no = 'no'): string => (v === null || v === undefined ? 'unknown' : v ? yes : no);

function section(title: string, rows: readonly (readonly [string, string])[]): string {
  const w = Math.max(...rows.map(([k]) => k.length), 0);
  return `${title}\n${rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n')}\n`;
}

export function renderText(r: ScanReport): string {
  const out: string[] = [];
  out.push(`puredtls scan ${r.target.host}:${r.target.port} (${r.target.address}), ${r.startedAt}\n`
    + `  ${(r.durationMs / 1000).toFixed(1)} s, ${r.traffic.datagramsOut} datagrams / ${r.traffic.bytesOut} bytes sent, `
    + `${r.traffic.datagramsIn} / ${r.traffic.bytesIn} received (limits: ${r.limits.maxDatagrams} datagrams, ${r.limits.rate}/s, ${r.limits.maxTimeMs / 1000} s)\n`);
  if (r.findings.length) {
    out.push(`Findings\n${r.findings.map((f) => `  [${f.severity.toUpperCase()}] ${f.title}\n      ${f.detail}${f.reference ? ` (${f.reference})` : ''}`).join('\n')}\n`);
  } else {
    out.push('Findings\n  none\n');
  }
  const v = r.versions;
  out.push(section('Versions', [
    ['DTLS 1.0', `${yn(v.dtls10.supported)}  (${v.dtls10.answer})`],
    ['DTLS 1.2', `${yn(v.dtls12.supported)}  (${v.dtls12.answer})`],
    ['DTLS 1.3', `${yn(v.dtls13.supported)}  (${v.dtls13.answer})`],
    ...(v.dtls13.supported ? [
      ['1.3 group, suite', `${v.dtls13.selectedGroup ?? '-'}, ${v.dtls13.selectedSuite ?? '-'}`] as const,
      ['downgrade sentinel', yn(v.dtls13.downgradeSentinel, 'present', 'ABSENT')] as const,
    ] : []),
  ]));
  const cs = r.cipherSuites;
  out.push(`Cipher suites (${cs.accepted.length} of ${cs.tested} accepted; refused ${cs.rejectedByAlert} by alert, ${cs.rejectedBySilence} by silence; order: ${cs.preference ?? 'unknown'})\n`
    + (cs.accepted.length ? cs.accepted.map((s) => `  ${s.id}  ${s.name}${s.flags.length ? `  [${s.flags.join(', ')}]` : ''}`).join('\n') : '  none') + '\n');
  out.push(section('Key exchange', [
    ['groups', r.groups.supported.join(', ') || (r.groups.tested.length ? 'none' : 'not tested')],
    ...(r.groups.dhe ? [['DHE prime', `${r.groups.dhe.bits} bits (${r.groups.dhe.group ?? 'not an RFC 7919 group'})`] as const] : []),
    ['signature schemes', r.signatureAlgorithms.supported.join(', ') || (r.signatureAlgorithms.tested.length ? 'none' : 'not tested')],
  ]));
  const c = r.certificate;
  if (c) {
    const rows: [string, string][] = [];
    c.chain.forEach((x, i) => {
      rows.push([`[${i}] subject`, x.subject], ['    issuer', x.issuer],
        ['    validity', `${x.notBefore} .. ${x.notAfter}${x.expired ? ' EXPIRED' : ''}${x.notYetValid ? ' NOT YET VALID' : ''}`],
        ['    key', `${x.keyType}${x.curve ? ` ${x.curve}` : ''}${x.keyBits ? ` ${x.keyBits} bits` : ''}, signed ${x.signatureAlgorithm}`]);
      if (x.subjectAltNames.length) rows.push(['    SANs', x.subjectAltNames.join(', ')]);
    });
    rows.push(['verified', c.verified === null ? 'not checked (no --ca)' : c.verified ? 'yes' : `NO: ${c.verifyError}`]);
    rows.push(['other SNI, other chain', yn(c.dependsOnSni)]);
    out.push(section('Certificate', rows));
  } else {
    out.push('Certificate\n  none seen\n');
  }
  const e = r.extensions;
  out.push(section('Extensions and features', [
    ['extended master secret', yn(e.extendedMasterSecret)],
    ['encrypt-then-MAC', e.encryptThenMac === null ? 'n/a (no CBC suite)' : yn(e.encryptThenMac)],
    ['secure renegotiation', yn(e.secureRenegotiation)],
    ['renegotiation', e.renegotiation ? `${e.renegotiation} (${e.renegotiationAnswer})` : 'unknown'],
    ['session ID resumption', yn(e.sessionIdResumption)],
    ['session tickets', `${yn(e.ticketIssued, 'issued', 'not issued')}, resumption ${yn(e.ticketResumption)}`],
    ['connection ID', e.connectionId.supported ? `yes (server CID ${e.connectionId.serverCidLength} bytes)` : yn(e.connectionId.supported)],
    ['ALPN', `offered ${e.alpn.offered.join(', ')}: ${e.alpn.selected ?? 'none selected'} (${e.alpn.answer})`],
    ['SNI', e.sni.sent === null ? 'not sent (IP address)' : `${e.sni.sent}, acknowledged ${yn(e.sni.acknowledged)}`],
    ['unknown SNI name', e.sni.unknownNameAnswer ?? 'not tested'],
    ['use_srtp', e.srtpProfiles === null ? 'unknown' : e.srtpProfiles.join(', ') || 'none'],
    ['heartbeat', yn(e.heartbeat, 'NEGOTIATED', 'refused')],
    ['record_size_limit', e.recordSizeLimit === null ? 'unknown' : e.recordSizeLimit === 0 ? 'not supported' : String(e.recordSizeLimit)],
  ]));
  const d = r.dos;
  out.push(section('Denial of service', [
    ['cookie exchange', d.cookieRequired === null ? 'unknown' : d.cookieRequired ? `required (${d.cookieLength}-byte cookie)` : 'NOT REQUIRED'],
    ...(v.dtls13.supported ? [['1.3 HelloRetryRequest cookie', yn(v.dtls13.hrrCookie)] as const] : []),
    ['before the cookie', d.amplification ? `${d.amplification.bytesOut} bytes out / ${d.amplification.bytesIn} in = x${d.amplification.factor}` : 'unknown'],
    ['cookie bound to address', yn(d.cookieBoundToAddress)],
    ['spoofed ClientHello draws', d.spoofedHelloDatagrams === null ? 'unknown' : `${d.spoofedHelloDatagrams} datagram(s) in ${d.spoofedHelloWindowMs} ms`],
    ...(d.stoppedAfterProbe ? [['stopped answering after', d.stoppedAfterProbe] as const] : []),
  ]));
  const t = r.timers;
  out.push(section('Timers and fragmentation', [
    ['first retransmission', t.initialTimeoutMs === null ? `none within ${t.windowMs} ms` : `${t.initialTimeoutMs} ms`],
    ['intervals', t.intervalsMs.length ? `${t.intervalsMs.join(', ')} ms (back-off ${yn(t.backoffDoubles, 'doubles', 'does not double')})` : '-'],
    ['largest datagram / record', `${r.fragmentation.largestDatagram ?? '?'} / ${r.fragmentation.largestHandshakeRecord ?? '?'} bytes`],
    ['server fragments messages', yn(r.fragmentation.serverFragments)],
    [`fragmented hello (${r.fragmentation.fragmentSize} B)`, `first: ${yn(r.fragmentation.reassemblesFirstHello, 'answered', 'ignored')}, with cookie: ${yn(r.fragmentation.reassemblesCookieHello, 'reassembled', 'ignored')}`],
  ]));
  out.push(`State machine\n${r.stateMachine.map((p) => `  ${p.conforms === null ? '  ?' : p.conforms ? ' ok' : 'BAD'}  ${p.id} ${p.title}: ${p.answer}`).join('\n') || '  not tested'}\n`);
  if (r.malformedAnswers.length) out.push(`Malformed answers\n${r.malformedAnswers.map((m) => `  - ${m}`).join('\n')}\n`);
  if (r.notes.length) out.push(`Notes\n${r.notes.map((n) => `  - ${n}`).join('\n')}\n`);
  return out.join('\n');
}
