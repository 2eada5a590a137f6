import type { RecordTrace } from '../trace.js';
import { nodeBuiltin } from '../node-builtin.js';

type Listener = (message: unknown) => void;
interface DC {
  subscribe(name: string, fn: Listener): void;
  unsubscribe(name: string, fn: Listener): void;
}

const NAMES: Record<string, string> = {
  client_hello: 'ClientHello', server_hello: 'ServerHello', hello_verify_request: 'HelloVerifyRequest',
  certificate: 'Certificate', server_key_exchange: 'ServerKeyExchange', certificate_request: 'CertificateRequest',
  server_hello_done: 'ServerHelloDone', certificate_verify: 'CertificateVerify', client_key_exchange: 'ClientKeyExchange',
  finished: 'Finished', new_session_ticket: 'NewSessionTicket', hello_request: 'HelloRequest',
};

function describe(r: RecordTrace): string {
  if (r.type === 'handshake' && r.fragments && r.fragments.length > 0) {
    return r.fragments.map((f) => {
      const name = NAMES[f.message] ?? f.message;
      const whole = f.offset === 0 && f.length === f.total;
      return `${name} m${f.messageSeq}${whole ? ` (${f.total} B)` : ` [${f.offset}..${f.offset + f.length}) of ${f.total}`}`;
    }).join(', ');
  }
  if (r.type === 'handshake') return `Handshake (encrypted, ${r.length} B)`;
  if (r.type === 'change_cipher_spec') return 'ChangeCipherSpec';
  if (r.type === 'application_data') return `ApplicationData (${r.length} B)`;
  if (r.type === 'alert') return 'Alert';
  return `${r.type} (${r.length} B)`;
}

/**
 * Print a ladder of every record, flight, retransmission, alert and drop
 * from the `puredtls:*` diagnostics channels (the `--trace` flag).
 * Returns a function that stops tracing.
 */
export function startTrace(print: (line: string) => void): () => void {
  const dc = nodeBuiltin<DC>('node:diagnostics_channel');
  if (!dc) return () => {};
  const t0 = Date.now();
  const stamp = () => `${((Date.now() - t0) / 1000).toFixed(3).padStart(8)}s`;
  const arrow = (dir: 'in' | 'out') => (dir === 'in' ? '<-' : '->');
  const subs: [string, Listener][] = [
    ['puredtls:record:in', (m) => {
      const r = m as RecordTrace;
      print(`${stamp()} ${r.connection}  ${arrow('in')} e${r.epoch}/${String(r.seq).padEnd(4)} ${describe(r)}`);
    }],
    ['puredtls:record:out', (m) => {
      const r = m as RecordTrace;
      print(`${stamp()} ${r.connection}  ${arrow('out')} e${r.epoch}/${String(r.seq).padEnd(4)} ${describe(r)}`);
    }],
    ['puredtls:handshake:flight', (m) => {
      const f = m as { connection: string; messages: string[]; last: boolean };
      print(`${stamp()} ${f.connection}  == flight: ${f.messages.map((x) => NAMES[x] ?? x).join(', ')}${f.last ? ' (last)' : ''}`);
    }],
    ['puredtls:handshake:retransmit', (m) => {
      const f = m as { connection: string; reason: string; attempt?: number; timeout?: number };
      print(`${stamp()} ${f.connection}  !! retransmit (${f.reason}${f.attempt ? `, attempt ${f.attempt}, next timeout ${f.timeout} ms` : ''})`);
    }],
    ['puredtls:alert:sent', (m) => {
      const a = m as { connection: string; level: string; name: string };
      print(`${stamp()} ${a.connection}  -> alert ${a.level} ${a.name}`);
    }],
    ['puredtls:alert:received', (m) => {
      const a = m as { connection: string; level: string; name: string };
      print(`${stamp()} ${a.connection}  <- alert ${a.level} ${a.name}`);
    }],
    ['puredtls:record:dropped', (m) => {
      const d = m as { connection: string; reason: string; epoch?: number; seq?: number };
      print(`${stamp()} ${d.connection}  xx dropped${d.epoch !== undefined ? ` e${d.epoch}/${d.seq}` : ''}: ${d.reason}`);
    }],
    ['puredtls:handshake:complete', (m) => {
      const d = m as { connection: string };
      print(`${stamp()} ${d.connection}  == handshake complete`);
    }],
  ];
  for (const [name, fn] of subs) dc.subscribe(name, fn);
  return () => {
    for (const [name, fn] of subs) dc.unsubscribe(name, fn);
  };
}
