/**
 * What the probes share while a scan runs: the context, the options, what
 * was learned so far (the baseline exchange, the accepted suites, how fast
 * the server answers), and notes about probes that could not run.
 */
import type { Exchange, ScanContext } from './exchange.js';
import type { HelloSpec } from './hello.js';
import type { Psk } from './handshake.js';
import { type IanaSuite, preferenceOrder } from './iana-suites.js';
import type { Answer } from './report.js';

/** Options of a scan after defaults were applied. */
export interface ScanSettings {
  /** SNI name to send (`undefined`: none, as for an IP address without `--servername`). */
  readonly servername: string | undefined;
  /** Trust anchors for the chain check (DER). */
  readonly ca: readonly Uint8Array[] | undefined;
  readonly psk: Psk | undefined;
  /** ALPN names offered by the ALPN probe. */
  readonly alpn: readonly string[];
  /** How long to stay silent for the retransmission probe, ms. */
  readonly timerWindow: number;
  /** How long to count answers to a spoofed ClientHello, ms. */
  readonly spoofWindow: number;
  /** Fragment size (body bytes) of the fragmented-ClientHello probe. */
  readonly fragmentSize: number;
}

export class ScanState {
  /** A DTLS 1.2 exchange that got a ServerHello with every catalogue suite offered. */
  baseline: Exchange | undefined;
  accepted: IanaSuite[] = [];
  /** The named group of the server certificate's curve (ECDSA), once seen. */
  certificateCurve: number | undefined;
  /** Time from our ClientHello (with cookie) to the server's first flight, ms. */
  serverTime = 0;
  readonly notes: string[] = [];
  /** The probe after which the server stopped answering anyone, if one did that. */
  deadAfter: string | undefined;

  get dead(): string | undefined {
    return this.deadAfter === undefined ? undefined : `the server stopped answering after ${this.deadAfter}`;
  }

  constructor(readonly ctx: ScanContext, readonly settings: ScanSettings) {}

  /**
   * How long to wait for a ServerHello the server would send: a few times
   * what the baseline took, never less than 80 ms nor more than 300 ms (or
   * the reply timeout). A suite that misses it is tried again with the full timeout
   * ({@link enumerate}), so a slow answer is never taken for a refusal.
   */
  get fastTimeout(): number {
    return Math.min(this.ctx.replyTimeout, 300, Math.max(80, Math.round(3 * this.serverTime + 30)));
  }

  /** The ClientHello a typical client would send, offering `suites`. */
  spec(suites: readonly number[], more: Partial<HelloSpec> = {}): HelloSpec {
    const sni = this.settings.servername;
    return {
      suites, ...(sni !== undefined && { sni }), ems: true, etm: true, reneg: 'extension',
      ...more,
    };
  }

  /** The accepted suites' code points, in the order a careful client offers them. */
  acceptedIds(): number[] {
    return preferenceOrder(this.accepted).map((s) => s.id);
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }
}

/** A probe's verdict on one offer: the item the server chose, or how it refused. */
export interface OfferResult<T> {
  readonly chosen?: T;
  readonly answer: Answer;
}

/**
 * Try each item alone with the fast timeout; then offer the ones met with
 * silence together, with the full timeout, until the server refuses them
 * all (each pick is accepted and taken out). One probe per item, plus one
 * per late acceptance, plus one.
 */
export async function enumerate<T>(items: readonly T[], probe: (offer: readonly T[], timeout: number) => Promise<OfferResult<T>>,
  fast: number, slow: number): Promise<{ accepted: T[]; byAlert: number; bySilence: number }> {
  const accepted: T[] = [];
  const silent: T[] = [];
  let byAlert = 0;
  for (const item of items) {
    const r = await probe([item], fast);
    if (r.chosen !== undefined) accepted.push(item);
    else if (r.answer === 'alert') byAlert++;
    else silent.push(item);
  }
  while (silent.length > 0 && fast < slow) {
    const r = await probe(silent, slow);
    if (r.chosen === undefined || !silent.includes(r.chosen)) break;
    accepted.push(r.chosen);
    silent.splice(silent.indexOf(r.chosen), 1);
  }
  const order = new Map(items.map((x, i) => [x, i]));
  accepted.sort((a, b) => order.get(a)! - order.get(b)!);
  return { accepted, byAlert, bySilence: silent.length };
}
