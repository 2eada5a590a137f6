/**
 * The illustrated handshake as one self-contained HTML page: inline CSS, no
 * script, no external resource; every part is a `<details>` element, so the
 * page reads (and folds) without JavaScript. Each datagram is a hex dump in
 * which every field is a coloured span (its name and value in the tooltip)
 * followed by the table of its fields; protected records also show their
 * decrypted plaintext.
 */
import { PAGE_CSS, escapeHtml as esc } from '../scan/render-html.js';
import type { ByteBlock, DatagramView, Field, Illustration, MessageView } from './model.js';

const PALETTE = 8;

const CSS = `${PAGE_CSS}
.hex{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px;line-height:1.55;white-space:pre;overflow-x:auto;background:#fbfcfd;border:1px solid #eef1f5;border-radius:4px;padding:6px 8px}
.hex .off{color:#9aa5b1;user-select:none}
.c0{background:#dbeafe}.c1{background:#dcfce7}.c2{background:#fef3c7}.c3{background:#fce7f3}.c4{background:#e0e7ff}.c5{background:#ccfbf1}.c6{background:#fee2e2}.c7{background:#ede9fe}
table.fields td,table.fields th{font-size:13px}table.fields td.range{font-family:ui-monospace,monospace;color:#5f6b7a;white-space:nowrap;width:1%}
table.fields td.name{white-space:nowrap;font-family:ui-monospace,monospace}table.fields td.rfc{white-space:nowrap;color:#5f6b7a;font-size:12px}
table.fields td.value{font-family:ui-monospace,monospace;word-break:break-all;min-width:13em}
.client{color:#1d4ed8}.server{color:#047857}.badge{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;background:#fde68a;color:#6b4f00;margin-left:6px}
table.ladder td{font-size:13px}table.ladder td.arrow{font-family:ui-monospace,monospace;white-space:nowrap}
h2{font-size:17px;margin:22px 0 6px}h3{font-size:15px;margin:14px 0 4px}.note{color:#38465a}`;

/** The leaves of a field tree, in byte order, for colouring the hex dump. */
function leaves(fields: readonly Field[], out: Field[] = []): Field[] {
  for (const f of fields) {
    if (f.children && f.children.length) leaves(f.children, out);
    else if (f.end > f.start) out.push(f);
  }
  return out;
}

function hexDump(block: ByteBlock): string {
  const bytes = Buffer.from(block.hex, 'hex');
  const owner = new Int32Array(bytes.length).fill(-1);
  const ls = leaves(block.fields);
  ls.forEach((f, i) => {
    for (let k = f.start; k < f.end && k < bytes.length; k++) owner[k] = i;
  });
  const lines: string[] = [];
  for (let line = 0; line < bytes.length; line += 16) {
    let html = `<span class="off">${line.toString(16).padStart(4, '0')}  </span>`;
    let k = line;
    const end = Math.min(line + 16, bytes.length);
    while (k < end) {
      const o = owner[k]!;
      let j = k;
      while (j < end && owner[j] === o) j++;
      const text = Array.from(bytes.subarray(k, j), (b) => b.toString(16).padStart(2, '0')).join(' ');
      const f = o >= 0 ? ls[o] : undefined;
      html += f ? `<span class="c${o % PALETTE}" title="${esc(`${f.name}${f.value !== undefined ? ` = ${f.value}` : ''}`)}">${text}</span>` : text;
      html += j < end ? ' ' : '';
      k = j;
    }
    lines.push(html);
  }
  return `<div class="hex">${lines.join('\n')}</div>`;
}

function fieldRows(fields: readonly Field[], depth: number, leafIndex: { n: number }): string {
  let out = '';
  for (const f of fields) {
    const leaf = !(f.children && f.children.length) && f.end > f.start;
    const swatch = leaf ? ` class="c${leafIndex.n++ % PALETTE}"` : '';
    out += `<tr><td class="range">[${f.start}, ${f.end})</td><td class="name" style="padding-left:${8 + depth * 16}px"><span${swatch}>${esc(f.name)}</span></td>`
      + `<td class="value">${esc(f.value ?? '')}</td><td class="note">${esc(f.note ?? '')}</td><td class="rfc">${esc(f.rfc ?? '')}</td></tr>`;
    if (f.children && f.children.length) out += fieldRows(f.children, depth + 1, leafIndex);
  }
  return out;
}

function blockHtml(block: ByteBlock): string {
  return `${hexDump(block)}<table class="fields"><tr><th>bytes</th><th>field</th><th>value</th><th>meaning</th><th>defined in</th></tr>${fieldRows(block.fields, 0, { n: 0 })}</table>`;
}

const arrow = (d: DatagramView) => (d.from === 'client' ? '<span class="client">client → server</span>' : '<span class="server">client ← server</span>');

function datagramHtml(d: DatagramView): string {
  const what = d.records.map((r) => r.summary).join('; ');
  const retransmission = d.retransmissionOf !== undefined ? `<span class="badge">retransmission of #${d.retransmissionOf}</span>` : '';
  const decrypted = d.records.map((r, i) => (r.decrypted
    ? `<h3>Record ${i + 1}, decrypted: ${esc(r.summary)}</h3>${blockHtml(r.decrypted)}`
    : r.undecryptable ? `<p class="note">Record ${i + 1} stays encrypted: ${esc(r.undecryptable)}.</p>` : '')).join('');
  return `<details open id="d${d.index}" class="datagram"><summary>#${d.index} · ${d.atMs.toFixed(1)} ms · ${arrow(d)} · ${d.block.hex.length / 2} bytes: ${esc(what)}${retransmission}</summary>`
    + `${blockHtml(d.block)}${decrypted}</details>`;
}

function messageHtml(m: MessageView): string {
  return `<details class="message" data-type="${esc(m.type)}"><summary>${esc(m.type)} (message_seq ${m.messageSeq}${m.fragments > 1 ? `, ${m.fragments} fragments` : ''}, datagram #${m.datagram})`
    + `${m.retransmission ? '<span class="badge">retransmitted</span>' : ''} · ${esc(m.rfc)}</summary>${blockHtml(m.body)}</details>`;
}

export function renderIllustration(il: Illustration): string {
  const first = il.datagrams[0];
  const last = il.datagrams[il.datagrams.length - 1];
  const parts: string[] = [];
  parts.push(`<h1>${esc(`The illustrated ${il.protocol} handshake`)}</h1><p class="sub">${esc(`${il.title}; ${il.startedAt}; ${il.suite ?? 'no suite negotiated'}; `
    + `${il.datagrams.length} datagrams in ${first && last ? (last.atMs - first.atMs).toFixed(1) : 0} ms`)}</p>`);
  parts.push('<p class="note">Every byte that crossed the network, in order. Each datagram is shown in hex with each field in its own colour (hover for its name and value), '
    + 'then field by field: where it sits, its value, what it means and the RFC section that defines it. Records of epoch 1 are encrypted; '
    + 'this page holds the keys (from the client\'s key log) and shows them decrypted below the bytes as sent.</p>');
  if (il.notes.length) parts.push(`<ul>${il.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  parts.push(`<h2>The exchange</h2><table class="ladder"><tr><th>#</th><td><strong>time</strong></td><td><strong>direction</strong></td><td><strong>records</strong></td></tr>${il.datagrams.map((d) => `<tr><th><a href="#d${d.index}">#${d.index}</a></th><td>${d.atMs.toFixed(1)} ms</td><td class="arrow">${arrow(d)}</td><td>${esc(d.records.map((r) => r.summary).join('; '))}${d.retransmissionOf !== undefined ? ' <span class="badge">retransmission</span>' : ''}</td></tr>`).join('')}</table>`);
  parts.push(`<h2>Key schedule</h2><details open><summary>From the randoms to the record keys (RFC 5246 §6.3, §8.1)</summary><table class="fields"><tr><th>value</th><th>bytes</th><th>how it is made</th><th>defined in</th></tr>${il.keySchedule.map((k) => `<tr><td class="name">${esc(k.name)}</td><td class="value">${esc(k.hex ?? '—')}</td><td class="note">${esc(k.note)}</td><td class="rfc">${esc(k.rfc ?? '')}</td></tr>`).join('')}</table></details>`);
  parts.push(`<h2>Datagrams</h2>${il.datagrams.map(datagramHtml).join('\n')}`);
  parts.push(`<h2>Handshake messages, whole</h2><p class="note">Each message once complete: reassembled from its fragments, or decrypted.</p>${il.messages.map(messageHtml).join('\n')}`);
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`
    + `<title>${esc(`Illustrated ${il.protocol}: ${il.title}`)}</title><style>${CSS}</style></head><body>${parts.join('\n')}</body></html>\n`;
}
