/**
 * Findings: conclusions drawn from a finished report, each with a severity,
 * the observation behind it and the RFC it rests on. Pure: the same report
 * gives the same findings.
 */
import type { Finding, ScanReport } from './report.js';

type Draft = Omit<ScanReport, 'findings'>;

const SEVERITY_ORDER = { critical: 0, high: 1, medium: 2, low: 3, info: 4 } as const;

function names(list: readonly { name: string }[], max = 4): string {
  const shown = list.slice(0, max).map((s) => s.name).join(', ');
  return list.length > max ? `${shown} and ${list.length - max} more` : shown;
}

export function deriveFindings(r: Draft): Finding[] {
  const out: Finding[] = [];
  const add = (f: Finding) => out.push(f);
  if (!r.reachable) {
    add({ id: 'unreachable', severity: 'info', title: 'No DTLS answer', detail: 'The target answered none of the ClientHellos; nothing else could be tested.' });
    return out;
  }
  if (r.malformedAnswers.length > 0) {
    add({ id: 'malformed-answers', severity: 'medium', title: 'Malformed answers',
      detail: `The server sent what does not parse: ${r.malformedAnswers.slice(0, 3).join('; ')}${r.malformedAnswers.length > 3 ? ` (and ${r.malformedAnswers.length - 3} more)` : ''}.`,
      reference: 'RFC 6347 §4.1, §4.2.2' });
  }
  const v = r.versions;
  if (v.dtls10.supported) {
    add({ id: 'dtls10-accepted', severity: 'medium', title: 'DTLS 1.0 accepted',
      detail: 'DTLS 1.0 (TLS 1.1 based) is deprecated: SHA-1/MD5 in the PRF and handshake signatures, no AEAD suites.', reference: 'RFC 8996' });
  }
  if (v.dtls13.supported && v.dtls13.downgradeSentinel === false) {
    add({ id: 'no-downgrade-sentinel', severity: 'medium', title: 'DTLS 1.3 server without the downgrade sentinel',
      detail: 'A 1.2-only ClientHello got a ServerHello whose random does not end with 44 4F 57 4E 47 52 44 01, so a client cannot detect a downgrade.', reference: 'RFC 8446 §4.1.3, RFC 9147 §5.3' });
  }
  const acc = r.cipherSuites.accepted;
  const pick = (flag: string) => acc.filter((s) => s.flags.includes(flag));
  const flagged: [string, string, 'critical' | 'high' | 'medium', string, string][] = [
    ['null', 'null-suites', 'critical', 'NULL cipher suites accepted', 'Records would travel unencrypted'],
    ['anonymous', 'anonymous-suites', 'critical', 'Anonymous suites accepted', 'No server authentication: a man in the middle needs no key'],
    ['export', 'export-suites', 'critical', 'Export suites accepted', '40/56-bit security (FREAK, Logjam)'],
    ['rc4', 'rc4-suites', 'high', 'RC4 suites accepted', 'RC4 is broken (RFC 7465) and forbidden in DTLS (RFC 6347 §4.1.2.2)'],
    ['weak-cipher', 'weak-cipher-suites', 'high', 'DES, RC2 or IDEA suites accepted', 'Below 112-bit security'],
    ['3des', '3des-suites', 'medium', '3DES suites accepted', '64-bit blocks (Sweet32), 112-bit security'],
  ];
  for (const [flag, id, severity, title, why] of flagged) {
    const list = pick(flag);
    if (list.length) add({ id, severity, title, detail: `${why}: ${names(list)}.`, reference: 'RFC 9325 §4.1' });
  }
  const staticKx = acc.filter((s) => s.flags.includes('no-forward-secrecy') && !s.flags.includes('psk'));
  if (staticKx.length) {
    add({ id: 'no-forward-secrecy', severity: 'low', title: 'Suites without forward secrecy accepted',
      detail: `Static RSA/DH key exchange: a stolen server key decrypts recorded traffic: ${names(staticKx)}.`, reference: 'RFC 9325 §4.1' });
  }
  if (r.groups.dhe && r.groups.dhe.bits < 2048) {
    add({ id: 'weak-dh', severity: 'high', title: 'Finite-field DH group below 2048 bits',
      detail: `The DHE suites use a ${r.groups.dhe.bits}-bit prime (Logjam).`, reference: 'RFC 9325 §4.1' });
  }
  const cbc = pick('cbc');
  if (cbc.length && r.extensions.encryptThenMac === false) {
    add({ id: 'cbc-without-etm', severity: 'medium', title: 'CBC suites without encrypt-then-MAC',
      detail: `MAC-then-encrypt CBC invites padding-oracle timing attacks, amplified in DTLS where bad records are dropped silently (Lucky 13): ${names(cbc)}.`, reference: 'RFC 7366, RFC 9325 §4.2' });
  }
  if (r.extensions.extendedMasterSecret === false) {
    add({ id: 'no-extended-master-secret', severity: 'medium', title: 'No extended master secret',
      detail: 'The master secret is not bound to the handshake transcript (triple handshake, unknown key-share attacks).', reference: 'RFC 7627, RFC 9325 §3.5' });
  }
  if (r.extensions.secureRenegotiation === false) {
    add({ id: 'no-secure-renegotiation', severity: 'medium', title: 'No secure renegotiation indication',
      detail: 'The server answered neither the renegotiation_info extension nor the SCSV.', reference: 'RFC 5746 §3.6' });
  }
  if (r.extensions.renegotiation === 'accepted') {
    add({ id: 'client-renegotiation', severity: 'low', title: 'Client-initiated renegotiation accepted',
      detail: 'Each renegotiation costs the server a full handshake on an established association (a CPU exhaustion lever).', reference: 'RFC 9325 §3.5' });
  }
  if (r.extensions.heartbeat) {
    add({ id: 'heartbeat', severity: 'high', title: 'Heartbeat extension negotiated',
      detail: 'Heartbeat has no use in DTLS applications and was the vector of Heartbleed (CVE-2014-0160).', reference: 'RFC 6520' });
  }
  const d = r.dos;
  if (d.stoppedAfterProbe !== null) {
    const p = r.stateMachine.find((x) => x.id === d.stoppedAfterProbe);
    const what = p ? `state-machine probe ${p.id} (${p.sent})` : `the ${d.stoppedAfterProbe} probes`;
    add({ id: 'stops-answering', severity: 'high', title: 'One probe stops the server',
      detail: `After ${what} the server answered no other client: one client can deny service to all.`,
      reference: 'RFC 6347 §4.1.2.7' });
  }
  if (d.cookieRequired === false && !(v.dtls13.supported && v.dtls13.hrrCookie)) {
    add({ id: 'no-cookie-exchange', severity: (d.amplification?.factor ?? 0) > 1 ? 'high' : 'medium',
      title: 'No cookie exchange: usable as a DDoS amplifier',
      detail: `A ClientHello from any (spoofed) address draws the whole first flight: ${d.amplification?.bytesOut ?? '?'} bytes for ${d.amplification?.bytesIn ?? '?'} (×${d.amplification?.factor ?? '?'})${d.spoofedHelloDatagrams !== null ? `, ${d.spoofedHelloDatagrams} datagrams with retransmissions` : ''}.`,
      reference: 'RFC 6347 §4.2.1, RFC 9147 §5.1' });
  } else if (d.amplification && d.amplification.factor > 1) {
    add({ id: 'amplification', severity: 'low', title: 'Answer to an unverified address larger than the request',
      detail: `${d.amplification.bytesOut} bytes out for ${d.amplification.bytesIn} in (×${d.amplification.factor}).`, reference: 'RFC 6347 §4.2.1' });
  }
  if (d.cookieBoundToAddress === false) {
    add({ id: 'cookie-not-bound', severity: 'medium', title: 'Cookie not bound to the client address',
      detail: 'A cookie obtained on one port was accepted from another: an attacker can fetch cookies from its own address and spoof others.', reference: 'RFC 6347 §4.2.1' });
  }
  if (d.cookieRequired && d.spoofedHelloDatagrams !== null && d.spoofedHelloDatagrams > 1) {
    add({ id: 'hvr-retransmitted', severity: 'low', title: 'HelloVerifyRequest retransmitted',
      detail: `One spoofed ClientHello drew ${d.spoofedHelloDatagrams} datagrams; the HelloVerifyRequest must be sent once and never by a timer.`, reference: 'RFC 6347 §4.2.1' });
  }
  if (d.cookieLength !== null && d.cookieLength > 32) {
    add({ id: 'long-cookie', severity: 'info', title: 'Long cookie',
      detail: `${d.cookieLength}-byte cookie: a HelloVerifyRequest of ${28 + d.cookieLength} bytes may exceed a minimal ClientHello.`, reference: 'RFC 6347 §4.2.1' });
  }
  const t = r.timers;
  if (t.initialTimeoutMs !== null && t.initialTimeoutMs < 500) {
    add({ id: 'short-retransmit-timer', severity: 'low', title: 'Very short initial retransmission timeout',
      detail: `The flight was resent after ${t.initialTimeoutMs} ms (RFC 6347 recommends 1 s).`, reference: 'RFC 6347 §4.2.4.1' });
  }
  if (t.backoffDoubles === false) {
    add({ id: 'no-backoff', severity: 'low', title: 'Retransmission timer does not back off',
      detail: `Intervals ${t.intervalsMs.join(', ')} ms: the timer should double on each expiry.`, reference: 'RFC 6347 §4.2.4.1' });
  }
  if (r.fragmentation.reassemblesCookieHello === false) {
    add({ id: 'no-fragmented-hello', severity: 'low', title: 'Fragmented ClientHello not reassembled',
      detail: 'Clients with large hellos (post-quantum shares, many suites) or small MTUs cannot connect.', reference: 'RFC 6347 §4.2.3' });
  }
  const cert = r.certificate;
  if (cert) {
    const leaf = cert.chain[0];
    if (cert.verified === false) add({ id: 'certificate-not-verified', severity: 'high', title: 'Certificate chain does not verify against --ca', detail: cert.verifyError ?? '' });
    if (cert.chain.some((c) => c.expired)) add({ id: 'certificate-expired', severity: 'high', title: 'Expired certificate in the chain', detail: cert.chain.filter((c) => c.expired).map((c) => c.subject).join('; ') });
    if (leaf && leaf.keyType === 'rsa' && (leaf.keyBits ?? 0) < 2048) add({ id: 'weak-rsa-key', severity: 'high', title: 'RSA key shorter than 2048 bits', detail: `${leaf.keyBits} bits`, reference: 'RFC 9325 §4.5' });
    if (cert.chain.some((c) => /SHA1|md5/i.test(c.signatureAlgorithm) && !c.selfSigned)) {
      add({ id: 'weak-certificate-signature', severity: 'medium', title: 'Certificate signed with SHA-1 or MD5', detail: cert.chain.map((c) => c.signatureAlgorithm).join(', ') });
    }
  }
  const bad = r.stateMachine.filter((p) => p.conforms === false);
  for (const p of bad) {
    add({ id: `state-machine-${p.id.toLowerCase()}`, severity: p.id === 'S-37' ? 'medium' : 'low', title: `${p.title}: not as the RFC requires`,
      detail: `Sent ${p.sent}; the server answered: ${p.answer}. Expected: ${p.expected}.`, reference: p.reference });
  }
  if (r.cipherSuites.preference === 'client') {
    add({ id: 'client-order', severity: 'info', title: "The client's suite order decides", detail: 'The server picks the first suite the client offers that it accepts.' });
  }
  return out.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}
