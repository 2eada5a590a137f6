// Markdown report: a summary table against the targets of issue 6, then every figure measured.
import { SUITES } from './config.mjs';

const NA = 'n/a';
const num = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : NA);
const us = (x) => (!Number.isFinite(x) ? NA : x >= 1000 ? `${num(x / 1000, 2)} ms` : `${num(x, 0)} µs`);
const msf = (x) => (Number.isFinite(x) ? `${num(x, 2)} ms` : NA);
const bytes = (x) => (Number.isFinite(x) ? `${num(x, 0)} B` : NA);
const mib = (x) => (Number.isFinite(x) ? `${num(x / 2 ** 20, 2)} MiB` : NA);
const pct = (x) => (Number.isFinite(x) ? `${num(x * 100, 0)} %` : NA);
const ok = (cond) => (cond === undefined ? '—' : cond ? '✅' : '❌');
const fin = (...xs) => xs.every(Number.isFinite);

/** Best of the interleaved rounds: highest throughput / lowest median RTT. */
function bestEcho(list) {
  if (!list?.length) return undefined;
  return list.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
}
function bestRtt(list) {
  if (!list?.length) return undefined;
  return list.reduce((a, b) => (b.rtt.median < a.rtt.median ? b : a));
}

export function renderReport(R) {
  const m = R.machine;
  const H = R.handshake;
  const rows = [];
  const row = (name, ours, base, ratio, target, met, note = '') => rows.push(`| ${name} | ${ours} | ${base} | ${ratio} | ${target} | ${met} | ${note} |`);

  // --- handshakes
  for (const suite of Object.keys(SUITES)) {
    const label = SUITES[suite].label;
    const node = H[`ours/${suite}/node`];
    const noble = H[`ours/${suite}/noble`];
    const wer = H[`werift/${suite}/node`];
    const n = node?.usPerHandshake;
    const w = wer?.usPerHandshake;
    const isMain = suite === 'ecdsa-p256';
    if (SUITES[suite].werift) {
      row(`Server CPU / handshake, ${label}, crypto 'node'`, us(n), `werift-dtls: ${us(w)}`,
        fin(n, w) ? `${num(w / n, 1)}× less CPU than werift` : NA,
        isMain ? '≤ 300 µs and ≥ 15× better than werift' : '—',
        isMain ? (fin(n, w) ? ok(n <= 300 && w / n >= 15) : '—') : '—',
        isMain && fin(n, w) ? `≤ 300 µs: ${ok(n <= 300)}, ≥ 15×: ${ok(w / n >= 15)}` : '');
    } else {
      row(`Server CPU / handshake, ${label}, crypto 'node'`, us(n), 'werift-dtls: no PSK suites', '—', '—', '—');
    }
    const nb = noble?.usPerHandshake;
    row(`Server CPU / handshake, ${label}, crypto 'noble'`, us(nb), `crypto 'node': ${us(n)}`,
      fin(nb, n) ? `${num(nb / n, 1)}× the node provider` : NA,
      isMain ? '≈ 3 ms' : '—', isMain && Number.isFinite(nb) ? ok(nb <= 3600) : '—',
      suite === 'rsa2048' ? 'the noble provider signs RSA with node:crypto (noble has no RSA)' : '');
  }

  // --- latency
  const lo = R.latency.ours;
  const lx = R.latency.openssl;
  row('Sequential handshake latency (median), our client ↔ our server, ECDHE-ECDSA P-256', msf(lo?.median),
    `our client → openssl s_server -dtls1_2 -listen: ${msf(lx?.median)}`, fin(lo?.median, lx?.median) ? `${num(lo.median / lx.median, 2)}×` : NA, '—', '—',
    `means ${msf(lo?.mean)} / ${msf(lx?.mean)}; n = ${lo?.n ?? 0} / ${lx?.n ?? 0}`);

  // --- echo
  for (const size of [100, 1200]) {
    const o = bestEcho(R.echo[`ours/${size}`]);
    const r = bestEcho(R.echo[`raw/${size}`]);
    const w = bestEcho(R.echo[`werift/${size}`]);
    const vr = fin(o?.perSecond, r?.perSecond) ? o.perSecond / r.perSecond : NaN;
    const vw = fin(o?.perSecond, w?.perSecond) ? o.perSecond / w.perSecond : NaN;
    const big = size === 1200;
    const cpuRec = (k) => Math.min(...(R.echo[k] ?? []).map((v) => v.serverUsPerRecord).filter(Number.isFinite));
    row(`Echo ${num(size)} B, 64 records in flight`, `${num(o?.perSecond)} rec/s (${num(o?.mbPerSecond, 1)} MB/s)`,
      `raw dgram: ${num(r?.perSecond)} rec/s`, Number.isFinite(vr) ? `${num(vr, 2)}× raw` : NA,
      big ? '≥ 0.45× raw dgram' : '—', big && Number.isFinite(vr) ? ok(vr >= 0.45) : '—',
      `server CPU per echoed record (best round): ours ${us(cpuRec(`ours/${size}`))}, raw ${us(cpuRec(`raw/${size}`))}, werift ${us(cpuRec(`werift/${size}`))}`);
    row(`Echo ${num(size)} B, 64 records in flight, vs werift`, `${num(o?.perSecond)} rec/s`,
      `werift-dtls: ${num(w?.perSecond)} rec/s`, Number.isFinite(vw) ? `${num(vw, 2)}× werift` : NA,
      big ? '≥ 1.4× werift' : '—', big && Number.isFinite(vw) ? ok(vw >= 1.4) : '—', '');
  }

  // --- rtt
  const ro = bestRtt(R.rtt.ours);
  const rr = bestRtt(R.rtt.raw);
  const oMed = ro ? ro.rtt.median * 1000 : NaN;
  const rMed = rr ? rr.rtt.median * 1000 : NaN;
  row('Ping-pong round trip, 1,200 B (median)', us(oMed), `raw dgram: ${us(rMed)}`,
    fin(oMed, rMed) ? `+${num(oMed - rMed, 1)} µs` : NA, '≤ raw dgram + 15 µs', fin(oMed, rMed) ? ok(oMed - rMed <= 15) : '—',
    ro && rr ? `means ${us(ro.rtt.mean * 1000)} / ${us(rr.rtt.mean * 1000)}` : '');

  // --- memory
  const M = R.memory;
  let perConn = NaN;
  let perConnFlight = NaN;
  if (M && M.established > 0) {
    perConn = (M.afterExpiry.total - M.before.total) / M.established;
    perConnFlight = (M.after.total - M.before.total) / M.established;
  }
  row(`Memory per established connection (${num(M?.established)} server associations)`, bytes(perConn), '—', '—', '≤ 8 KB (8,192 B)',
    Number.isFinite(perConn) ? ok(perConn <= 8192) : '—', `${bytes(perConnFlight)} while each still holds its last flight (first 240 s)`);

  // --- hvr
  const hi = R.hvr.inproc;
  const hu = R.hvr.udp;
  const flatIn = hi ? Math.abs(hi.after.heapUsed - hi.before.heapUsed) <= 2 ** 20 : undefined;
  const flatUdp = hu ? Math.abs(hu.heapAfter.heapUsed - hu.heapBefore.heapUsed) <= 2 ** 20 : undefined;
  const hvrCell = (h) => `${num(h.rate)}/s wall-clock; ${num(h.ratePerCpuSecond)} per CPU-second`;
  row('HelloVerifyRequests / s, in-process ServerEndpoint.handleDatagram (one JS thread)', hi ? hvrCell(hi) : NA, '—', '—', '≥ 20,000/s with a flat heap',
    hi ? ok(hi.ratePerCpuSecond >= 20_000 && flatIn) : '—',
    hi ? `heap after GC ${mib(hi.before.heapUsed)} → ${mib(hi.after.heapUsed)} after ${num(hi.hvr)} HVRs (peak without GC ${mib(hi.peakHeapUsed)}); thread got ${pct(hi.cpuUtil)} of a core` : '');
  row('HelloVerifyRequests / s, real UDP on loopback (server process, one flooder process)', hu ? hvrCell(hu) : NA,
    `flooder sent ${num(hu?.sentPerSecond)} ClientHello/s`, hu ? `${num(hu.rate / hu.sentPerSecond, 2)} of sent answered` : NA,
    '≥ 20,000/s with a flat heap', hu ? ok(hu.ratePerCpuSecond >= 20_000 && flatUdp) : '—',
    hu ? `server process got ${pct(hu.serverCpuUtil)} of a core (the rest went to the flooder and other load); heap after GC ${mib(hu.heapBefore.heapUsed)} → ${mib(hu.heapAfter.heapUsed)}` : '');

  // --- details
  const d = [];
  d.push('| Run | Figure | Detail |', '|---|---|---|');
  for (const [k, v] of Object.entries(H)) {
    d.push(`| handshake ${k} | ${us(v.usPerHandshake)} server CPU / handshake | ${num(v.handshakes)} handshakes in ${num(v.seconds, 1)} s (${num(v.perSecond)}/s), ${v.concurrency} concurrent clients, server CPU ${pct(v.serverCpuUtil)} (${pct(v.systemShare)} of it system time); server datagrams in/out per handshake ${num(v.datagramsInPerHandshake, 2)}/${num(v.datagramsOutPerHandshake, 2)}; ${num(v.closed)} closed by close_notify, ${num(v.peersAtEnd)} associations at the end; client failures ${v.clientFailed}${v.clientLastError ? ` (${v.clientLastError})` : ''}; server errors ${v.serverErrors}${v.serverLastError ? ` (${v.serverLastError})` : ''} |`);
  }
  for (const [k, v] of Object.entries(R.latency)) {
    if (v) d.push(`| latency ${k} | median ${msf(v.median)} | mean ${msf(v.mean)}, p10 ${msf(v.p10)}, p90 ${msf(v.p90)}, min ${msf(v.min)}, max ${msf(v.max)}, n = ${v.n}; ${v.cipher} ${v.group} |`);
  }
  for (const [k, list] of Object.entries(R.echo)) {
    list.forEach((v, i) => d.push(`| echo ${k} round ${i + 1} | ${num(v.perSecond)} rec/s | ${num(v.mbPerSecond, 2)} MB/s echoed payload, ${num(v.records)} records in ${num(v.seconds, 2)} s, lost ${v.lost}; server ${us(v.serverUsPerRecord)} CPU / record, server CPU ${pct(v.serverCpuUtil)}${v.info?.cipher ? `; ${v.info.cipher} ${v.info.group ?? ''}` : ''} |`));
  }
  for (const [k, list] of Object.entries(R.rtt)) {
    list.forEach((v, i) => d.push(`| rtt ${k} round ${i + 1} | median ${us(v.rtt.median * 1000)} | mean ${us(v.rtt.mean * 1000)}, p10 ${us(v.rtt.p10 * 1000)}, p90 ${us(v.rtt.p90 * 1000)}, p99 ${us(v.rtt.p99 * 1000)}, n = ${num(v.rtt.n)}, lost ${v.lost}; server ${us(v.serverUsPerRecord)} CPU / record |`));
  }
  if (M) {
    d.push(`| memory | ${bytes(perConn)} / connection | ${num(M.established)} established of ${num(M.requested)} requested in ${num(M.ms / 1000, 1)} s; heapUsed+external after GC: before ${mib(M.before.total)}, after ${mib(M.after.total)} (heapUsed ${mib(M.after.heapUsed)}, external ${mib(M.after.external)}), after last-flight expiry ${mib(M.afterExpiry.total)} with ${num(M.stillEstablished)} still established |`);
  }
  if (hi) d.push(`| hvr in-process | ${num(hi.rate)} HVR/s | ${num(hi.hvr)} HVRs in ${num(hi.seconds, 2)} s, ${us(1e6 / hi.ratePerCpuSecond)} CPU / HVR; ClientHello ${hi.helloBytes} B → HVR ${hi.hvrBytes} B; dropped ${hi.dropped}; associations ${hi.associations}; heapUsed after GC ${mib(hi.before.heapUsed)} → ${mib(hi.after.heapUsed)}, peak without GC ${mib(hi.peakHeapUsed)}; external ${mib(hi.before.external)} → ${mib(hi.after.external)} |`);
  if (hu) d.push(`| hvr udp | ${num(hu.rate)} HVR/s | ${num(hu.hvr)} HVRs in ${num(hu.seconds, 2)} s; ${us(hu.serverUsPerHvr)} server CPU / HVR, server CPU ${pct(hu.serverCpuUtil)}; flooder ${hu.sockets} sockets, sent ${num(hu.sentPerSecond)}/s, got back ${num(hu.receivedPerSecond)}/s; heapUsed after GC ${mib(hu.heapBefore.heapUsed)} → ${mib(hu.heapAfter.heapUsed)}, peak without GC ${mib(hu.heapAfter.peakHeapUsed)}; handshakes started ${hu.handshakes} |`);

  const out = [];
  out.push('# puredtls benchmark results', '');
  out.push(`Machine: ${m.nproc} × ${m.cpu} (nproc ${m.nproc}), ${m.memory}, ${m.kernel}; Node ${m.node}; ${m.openssl}; werift-dtls ${m.werift}.`);
  out.push(`Code: ${m.build ?? '?'}, commit ${m.commit}. Run ${m.date}, ${num(R.totalSeconds, 0)} s. Load average (1/5/15 min) at start ${m.loadStart}, at end ${m.loadEnd}: other work shared the machine, so figures carry that noise.`, '');
  out.push('Every baseline was measured in this same run with the same harness and process layout (see bench/README.md). Throughput and RTT: best of 3 interleaved rounds. HVR targets are judged per CPU-second of the server (one core), since on a shared machine the server process does not get a whole core.', '');
  out.push('| Measurement | puredtls | Baseline (same run) | Ratio | Target | Met | Notes |', '|---|---|---|---|---|---|---|', ...rows, '');
  out.push('## All figures', '', ...d, '');
  if (R.errors.length) out.push('## Errors', '', ...R.errors.map((e) => `- ${e.replace(/\n/g, ' ')}`), '');
  return `${out.join('\n')}\n`;
}
