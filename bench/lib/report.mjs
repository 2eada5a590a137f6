// Markdown report: a summary table against the targets of issues 6 and 13, then every figure measured.
import { SUITES } from './config.mjs';

/** Issue 13: a DTLS 1.3 full handshake costs the server at most this much more CPU than 1.2's (same group, key, provider). */
export const V13_HANDSHAKE_TARGET = 1.2;

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

  // --- handshakes: each DTLS 1.2 configuration, then the DTLS 1.3 one compared with it
  const v13 = Object.keys(SUITES).filter((s) => SUITES[s].version === 13);
  const rows13 = (suite) => {
    const s = SUITES[suite];
    for (const crypto of ['node', 'noble']) {
      if (!s.vs12 && !H[`ours/${suite}/${crypto}`]) continue;
      const x = H[`ours/${suite}/${crypto}`]?.usPerHandshake;
      const base = s.vs12 && H[`ours/${s.vs12}/${crypto}`]?.usPerHandshake;
      const r = fin(x, base) ? x / base : NaN;
      row(`Server CPU / handshake, ${s.label}, crypto '${crypto}'`, us(x),
        s.vs12 ? `DTLS 1.2 ${SUITES[s.vs12].label}: ${us(base)}` : '—',
        Number.isFinite(r) ? `${num(r, 2)}× DTLS 1.2` : s.vs12 ? NA : '—',
        s.vs12 ? `≤ ${V13_HANDSHAKE_TARGET}× DTLS 1.2` : '—', Number.isFinite(r) ? ok(r <= V13_HANDSHAKE_TARGET) : '—',
        s.vs12 ? '' : 'no DTLS 1.2 counterpart (1.2\'s ECDHE-PSK suites have no AES-GCM)');
    }
  };
  for (const suite of Object.keys(SUITES).filter((s) => SUITES[s].version !== 13)) {
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
    const pair = v13.find((s) => SUITES[s].vs12 === suite);
    if (pair) rows13(pair);
  }
  for (const suite of v13.filter((s) => !SUITES[s].vs12)) rows13(suite);

  // --- sequential handshakes (issue 15): server CPU with one client, one handshake at a time
  for (const suite of ['ecdsa-p256', 'ecdsa-p256-v13']) {
    const seq = H[`ours/${suite}/node/sequential`];
    const conc = H[`ours/${suite}/node`];
    if (!seq && !conc) continue;
    const x = seq?.usPerHandshake;
    const c = conc?.usPerHandshake;
    row(`Server CPU / handshake, sequential (one client, one handshake at a time, new port each), ${SUITES[suite].label}, crypto 'node'`, us(x),
      `the same, ${conc?.concurrency ?? 32} concurrent clients: ${us(c)}`, fin(x, c) ? `${num(x / c, 2)}× concurrent` : NA, '—', '—',
      seq ? `${num(seq.handshakes, 0)} handshakes (${num(seq.perSecond, 0)}/s), server CPU ${pct(seq.serverCpuUtil)} (${pct(seq.systemShare)} of it system time); vs OpenSSL's C server: ../shared/bench/vs-openssl.sh` : '');
  }
  const floorHs = H['floor/ecdsa-p256/node/sequential'];
  if (floorHs) {
    const x = H['ours/ecdsa-p256/node/sequential']?.usPerHandshake;
    row("Floor: node:crypto + dgram's share of a sequential ECDHE-ECDSA P-256 handshake (no DTLS: bench/lib/floor.mjs)", us(floorHs.usPerHandshake),
      `ours, sequential: ${us(x)}`, fin(x, floorHs.usPerHandshake) ? `ours ${num(x / floorHs.usPerHandshake, 2)}× the floor` : NA, '—', '—',
      `4 datagrams in and 4 out, a P-256 key pair, ECDH, an ECDSA signature, 17 HMACs, 3 hashes, 2 AEAD opens and 2 seals per handshake; ${pct(floorHs.systemShare)} system time`);
  }

  // --- latency
  const lo = R.latency.ours;
  const lx = R.latency.openssl;
  row('Sequential handshake latency (median), our client ↔ our server, ECDHE-ECDSA P-256', msf(lo?.median),
    `our client → openssl s_server -dtls1_2 -listen: ${msf(lx?.median)}`, fin(lo?.median, lx?.median) ? `${num(lo.median / lx.median, 2)}×` : NA, '—', '—',
    `means ${msf(lo?.mean)} / ${msf(lx?.mean)}; n = ${lo?.n ?? 0} / ${lx?.n ?? 0}`);
  const l3 = R.latency.ours13;
  row('Sequential handshake latency (median), our client ↔ our server, DTLS 1.3 ECDSA P-256', msf(l3?.median),
    `DTLS 1.2 ECDHE-ECDSA P-256: ${msf(lo?.median)}`, fin(l3?.median, lo?.median) ? `${num(l3.median / lo.median, 2)}×` : NA, '—', '—',
    `means ${msf(l3?.mean)} / ${msf(lo?.mean)}; n = ${l3?.n ?? 0} / ${lo?.n ?? 0}`);

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
    const f = bestEcho(R.echo[`floor/${size}`]); // only with BENCH_ECHO=…,floor,… (bench/README.md)
    if (f) {
      row(`Echo ${num(size)} B, 64 records in flight: floor (dgram + node:crypto AES-128-GCM open and seal per record, no DTLS)`, `${num(f.perSecond)} rec/s`,
        `ours: ${num(o?.perSecond)} rec/s`, fin(o?.perSecond, f.perSecond) ? `ours ${num(o.perSecond / f.perSecond, 2)}× the floor` : NA, '—', '—',
        `server CPU per echoed record (best round): floor ${us(cpuRec(`floor/${size}`))}, ours ${us(cpuRec(`ours/${size}`))}, raw ${us(cpuRec(`raw/${size}`))}`);
    }
    row(`Echo ${num(size)} B, 64 records in flight, vs werift`, `${num(o?.perSecond)} rec/s`,
      `werift-dtls: ${num(w?.perSecond)} rec/s`, Number.isFinite(vw) ? `${num(vw, 2)}× werift` : NA,
      big ? '≥ 1.4× werift' : '—', big && Number.isFinite(vw) ? ok(vw >= 1.4) : '—', '');
    const o3 = bestEcho(R.echo[`ours13/${size}`]);
    const v3 = fin(o3?.perSecond, o?.perSecond) ? o3.perSecond / o.perSecond : NaN;
    row(`Echo ${num(size)} B, 64 records in flight, DTLS 1.3 (TLS_AES_128_GCM_SHA256)`, `${num(o3?.perSecond)} rec/s (${num(o3?.mbPerSecond, 1)} MB/s)`,
      `DTLS 1.2 (ECDHE-ECDSA-AES128-GCM-SHA256): ${num(o?.perSecond)} rec/s`, Number.isFinite(v3) ? `${num(v3, 2)}× DTLS 1.2` : NA, '—', '—',
      `${fin(o3?.perSecond, r?.perSecond) ? `${num(o3.perSecond / r.perSecond, 2)}× raw; ` : ''}server CPU per echoed record (best round): ${us(cpuRec(`ours13/${size}`))}`);
  }

  // --- rtt
  const ro = bestRtt(R.rtt.ours);
  const rr = bestRtt(R.rtt.raw);
  const oMed = ro ? ro.rtt.median * 1000 : NaN;
  const rMed = rr ? rr.rtt.median * 1000 : NaN;
  row('Ping-pong round trip, 1,200 B (median)', us(oMed), `raw dgram: ${us(rMed)}`,
    fin(oMed, rMed) ? `+${num(oMed - rMed, 1)} µs` : NA, '≤ raw dgram + 15 µs', fin(oMed, rMed) ? ok(oMed - rMed <= 15) : '—',
    ro && rr ? `means ${us(ro.rtt.mean * 1000)} / ${us(rr.rtt.mean * 1000)}` : '');
  const r3 = bestRtt(R.rtt.ours13);
  const o3Med = r3 ? r3.rtt.median * 1000 : NaN;
  row('Ping-pong round trip, 1,200 B (median), DTLS 1.3', us(o3Med), `raw dgram: ${us(rMed)}; DTLS 1.2: ${us(oMed)}`,
    fin(o3Med, rMed) ? `+${num(o3Med - rMed, 1)} µs` : NA, '—', '—', r3 ? `mean ${us(r3.rtt.mean * 1000)}` : '');

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
    if (v) d.push(`| latency ${k} | median ${msf(v.median)} | mean ${msf(v.mean)}, p10 ${msf(v.p10)}, p90 ${msf(v.p90)}, min ${msf(v.min)}, max ${msf(v.max)}, n = ${v.n}; ${v.protocol ?? ''} ${v.cipher} ${v.group} |`);
  }
  for (const [k, list] of Object.entries(R.echo)) {
    list.forEach((v, i) => d.push(`| echo ${k} round ${i + 1} | ${num(v.perSecond)} rec/s | ${num(v.mbPerSecond, 2)} MB/s echoed payload, ${num(v.records)} records in ${num(v.seconds, 2)} s, lost ${v.lost}; server ${us(v.serverUsPerRecord)} CPU / record, server CPU ${pct(v.serverCpuUtil)}${v.info?.cipher ? `; ${v.info.protocol ?? ''} ${v.info.cipher} ${v.info.group ?? ''}` : ''} |`));
  }
  for (const [k, list] of Object.entries(R.rtt)) {
    list.forEach((v, i) => d.push(`| rtt ${k} round ${i + 1} | median ${us(v.rtt.median * 1000)} | mean ${us(v.rtt.mean * 1000)}, p10 ${us(v.rtt.p10 * 1000)}, p90 ${us(v.rtt.p90 * 1000)}, p99 ${us(v.rtt.p99 * 1000)}, n = ${num(v.rtt.n)}, lost ${v.lost}; server ${us(v.serverUsPerRecord)} CPU / record |`));
  }
  if (M) {
    d.push(`| memory | ${bytes(perConn)} / connection | ${num(M.established)} established of ${num(M.requested)} requested in ${num(M.ms / 1000, 1)} s; heapUsed+external after GC: before ${mib(M.before.total)}, after ${mib(M.after.total)} (heapUsed ${mib(M.after.heapUsed)}, external ${mib(M.after.external)}), after last-flight expiry ${mib(M.afterExpiry.total)} with ${num(M.stillEstablished)} still established |`);
  }
  if (hi) d.push(`| hvr in-process | ${num(hi.rate)} HVR/s | ${num(hi.hvr)} HVRs in ${num(hi.seconds, 2)} s, ${us(1e6 / hi.ratePerCpuSecond)} CPU / HVR; ClientHello ${hi.helloBytes} B → HVR ${hi.hvrBytes} B; dropped ${hi.dropped}; associations ${hi.associations}; heapUsed after GC ${mib(hi.before.heapUsed)} → ${mib(hi.after.heapUsed)}, peak without GC ${mib(hi.peakHeapUsed)}; external ${mib(hi.before.external)} → ${mib(hi.after.external)} |`);
  if (hu) d.push(`| hvr udp | ${num(hu.rate)} HVR/s | ${num(hu.hvr)} HVRs in ${num(hu.seconds, 2)} s; ${us(hu.serverUsPerHvr)} server CPU / HVR, server CPU ${pct(hu.serverCpuUtil)}; flooder ${hu.sockets} sockets, sent ${num(hu.sentPerSecond)}/s, got back ${num(hu.receivedPerSecond)}/s; heapUsed after GC ${mib(hu.heapBefore.heapUsed)} → ${mib(hu.heapAfter.heapUsed)}, peak without GC ${mib(hu.heapAfter.peakHeapUsed)}; handshakes started ${hu.handshakes} |`);

  // --- DTLS 1.3 beside 1.2, one line per group/key and provider
  const v = ['| DTLS 1.3 configuration | crypto | DTLS 1.2 (same group and key) | DTLS 1.3 | 1.3 / 1.2 | server datagrams in/out per handshake, 1.2 → 1.3 |', '|---|---|---|---|---|---|'];
  for (const suite of v13) {
    const s = SUITES[suite];
    for (const crypto of ['node', 'noble']) {
      const a = s.vs12 ? H[`ours/${s.vs12}/${crypto}`] : undefined;
      const b = H[`ours/${suite}/${crypto}`];
      if (!a && !b) continue;
      const io = (x) => (x ? `${num(x.datagramsInPerHandshake, 2)}/${num(x.datagramsOutPerHandshake, 2)}` : NA);
      v.push(`| ${s.label} | ${crypto} | ${s.vs12 ? us(a?.usPerHandshake) : '—'} | ${us(b?.usPerHandshake)} | ${fin(a?.usPerHandshake, b?.usPerHandshake) ? `${num(b.usPerHandshake / a.usPerHandshake, 2)}×` : '—'} | ${s.vs12 ? `${io(a)} → ${io(b)}` : io(b)} |`);
    }
  }

  const out = [];
  out.push('# puredtls benchmark results', '');
  out.push(`Machine: ${m.nproc} × ${m.cpu} (nproc ${m.nproc}), ${m.memory}, ${m.kernel}; Node ${m.node}; ${m.openssl}; werift-dtls ${m.werift}.`);
  out.push(`Code: ${m.build ?? '?'}, commit ${m.commit}. Run ${m.date}, ${num(R.totalSeconds, 0)} s. Load average (1/5/15 min) at start ${m.loadStart}, at end ${m.loadEnd}: other work shared the machine, so figures carry that noise.`, '');
  out.push('Every baseline was measured in this same run with the same harness and process layout (see bench/README.md). Throughput and RTT: best of 3 interleaved rounds. HVR targets are judged per CPU-second of the server (one core), since on a shared machine the server process does not get a whole core. DTLS 1.3 rows are compared with the DTLS 1.2 run of the same group, server key and provider, measured just before them.', '');
  out.push('| Measurement | puredtls | Baseline (same run) | Ratio | Target | Met | Notes |', '|---|---|---|---|---|---|---|', ...rows, '');
  if (v.length > 2) out.push('## DTLS 1.3 beside DTLS 1.2: server CPU per full handshake', '', `Target (issue 13): DTLS 1.3 within ${V13_HANDSHAKE_TARGET}× of DTLS 1.2 for the same group and server key.`, '', ...v, '');
  out.push('## All figures', '', ...d, '');
  if (R.errors.length) out.push('## Errors', '', ...R.errors.map((e) => `- ${e.replace(/\n/g, ' ')}`), '');
  return `${out.join('\n')}\n`;
}
