/**
 * The impairment pipeline: one core behind the in-memory
 * {@link VirtualNetwork} and the real-socket {@link startUdpProxy}. It is
 * pure: a datagram, the time, the direction's seeded {@link Prng} and the
 * resolved impairments go in; what to deliver when (and what to note in a
 * log) comes out. The adapters own the sockets, the clocks and the queues.
 *
 * Per datagram, in this order:
 * 1. the hooks, on the datagram exactly as its sender emitted it, with its
 *    per-direction `index`: `inject` crafts datagrams that go out at once,
 *    without any impairment, right after the datagram's own deliveries of
 *    that instant; `filter` decides the datagram's fate (pass, drop, hold
 *    back, replace);
 * 2. `mtu`: drop a larger datagram, or cut it with `truncate`;
 * 3. `pack`: coalesce with the following datagrams of the window (never above
 *    `mtu`, or {@link MAX_DATAGRAM});
 * 4. on the wire: `drop`, then `duplicate`, then per copy `bitflip`, `delay`
 *    and `reorder`.
 *
 * Random draws come from the direction's stream in that order: `inject` (a
 * probability: one draw, plus the forged record's), then per datagram on the
 * wire drop, duplicate, and per copy bitflip (and the bit), delay (a range),
 * reorder. A probability of 0 or 1 draws nothing, so adding an impairment
 * at 0 does not shift the stream.
 *
 * @module
 */
import { concatBytes } from '../codec/bytes.js';
import { Reader } from '../codec/reader.js';
import { RECORD_HEADER_LENGTH } from '../record/content-type.js';
import { encodeRecord, readRecordHeader } from '../record/record.js';
import { type NetAddress, formatAddress } from './address.js';
import { Prng, hashString, seedToUint32, type Seed } from './prng.js';

// ---------------------------------------------------------------------------
// Options and defaults
// ---------------------------------------------------------------------------

/**
 * Default one-way latency, ms: the delay of every datagram when
 * {@link ImpairmentOptions.delay} is not set, on the {@link VirtualNetwork}
 * and through {@link startUdpProxy} alike. Not 0: on the virtual network a
 * datagram then never arrives at the instant it was sent, and both keep the
 * order of datagrams unless `reorder` (or a delay range) says otherwise.
 *
 * @example
 * ```ts
 * import { DEFAULT_DELAY } from 'puredtls/testing';
 *
 * const roundTrip = 2 * DEFAULT_DELAY; // ms, on a network without impairments
 * ```
 */
export const DEFAULT_DELAY = 1;

/**
 * Default extra delay of a reordered datagram, ms (the default
 * {@link ImpairmentOptions.reorderDelay}).
 *
 * @example
 * ```ts
 * import { DEFAULT_REORDER_DELAY, VirtualNetwork } from 'puredtls/testing';
 *
 * // Reordered datagrams arrive 40 ms late instead of 10
 * const net = new VirtualNetwork({ impairments: { reorder: 0.1, reorderDelay: 4 * DEFAULT_REORDER_DELAY } });
 * ```
 */
export const DEFAULT_REORDER_DELAY = 10;

/** Largest UDP payload over IPv4: the largest `mtu`, and the limit of a pack without one. */
export const MAX_DATAGRAM = 65_507;

/** Largest random body of a forged record (`inject` as a probability). */
const FORGED_BODY_MAX = 64;

/**
 * A uniform latency range in ms (integers → integer delays, inclusive).
 *
 * @example
 * ```ts
 * import { VirtualNetwork, type DelayRange } from 'puredtls/testing';
 *
 * const jitter: DelayRange = { min: 20, max: 80 }; // 20, 21, ..., 80 ms
 * const net = new VirtualNetwork({ impairments: { delay: jitter } });
 * ```
 */
export interface DelayRange {
  min: number;
  max: number;
}

/**
 * What a `filter` ({@link ImpairmentOptions.filter}, e.g. a
 * {@link DatagramFilter}) decides for a datagram:
 * - `'pass'`: continue through the other impairments;
 * - `'drop'`: discard it (counted in `dropped`);
 * - `{ delay }`: hold it for `delay` ms, then continue through the other impairments;
 * - `{ replace }`: send these datagrams instead (each continues through the
 *   other impairments; an empty array drops, counted in `dropped`).
 *
 * @example
 * ```ts
 * import type { DatagramInfo, FilterVerdict } from 'puredtls/testing';
 *
 * function verdict(dg: DatagramInfo): FilterVerdict {
 *   if (dg.flight === 1 && dg.flightTransmission === 0) return 'drop'; // lose the first ClientHello once
 *   if (dg.flight === 4) return { delay: 250 };                         // a slow server flight
 *   if (dg.index === 10) return { replace: [dg.data, dg.data] };        // datagram #10 twice
 *   return 'pass';
 * }
 * ```
 */
export type FilterVerdict = 'pass' | 'drop' | { delay: number } | { replace: Uint8Array[] };

/**
 * The impairments of one direction, common to the {@link VirtualNetwork}
 * ({@link Impairments}: the hooks see a {@link DatagramInfo}) and to
 * {@link startUdpProxy} ({@link ProxyImpairments}: the hooks see a
 * {@link ProxyDatagramInfo}). Probabilities are in [0, 1], times in ms.
 *
 * Applied in this order: `inject` and `filter` on the datagram as sent, then
 * `mtu` (drop, or cut with `truncate`), `pack`, then on the wire `drop`,
 * `duplicate`, and per copy `bitflip`, `delay`, `reorder`.
 *
 * @typeParam Info - what the `filter` and `inject` hooks see of a datagram.
 *
 * @example The same impairments on the virtual network and through the proxy
 * ```ts
 * import { startUdpProxy, VirtualNetwork, type ImpairmentOptions } from 'puredtls/testing';
 *
 * const lossy: ImpairmentOptions<unknown> = { drop: 0.2, duplicate: 0.05, reorder: 0.1, delay: { min: 1, max: 20 } };
 * const net = new VirtualNetwork({ seed: 9, impairments: lossy });
 * const proxy = await startUdpProxy({ listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: 4433 }, seed: 9, ...lossy });
 * ```
 */
export interface ImpairmentOptions<Info> {
  /** Probability that a datagram is lost. */
  drop?: number;
  /** Probability that a datagram is delivered twice (the copy gets its own delay). */
  duplicate?: number;
  /**
   * One-way latency: a fixed number of ms, or a uniform {@link DelayRange}.
   * Default {@link DEFAULT_DELAY} (1 ms), so order is preserved unless
   * `reorder` (or a range) says otherwise. `0` delivers at the instant of sending.
   */
  delay?: number | DelayRange;
  /** Probability that a datagram is held back by an extra `reorderDelay` ms. */
  reorder?: number;
  /** Extra hold-back of a reordered datagram, default {@link DEFAULT_REORDER_DELAY} ms. */
  reorderDelay?: number;
  /** Largest datagram in bytes (1 to 65 507, the largest UDP payload); larger ones are dropped (or cut, with `truncate`). */
  mtu?: number;
  /** Cut datagrams larger than `mtu` to `mtu` bytes instead of dropping them. */
  truncate?: boolean;
  /**
   * Coalescing window in ms: datagrams of this direction within `pack` ms of
   * the first one are concatenated into one datagram (never above `mtu`, or
   * 65 507 bytes), sent when the window closes. `0` packs what is
   * sent at the same instant.
   */
  pack?: number;
  /** Probability of flipping one uniformly chosen bit of a datagram. */
  bitflip?: number;
  /**
   * A programmable impairment, called once per datagram in send order, on the
   * datagram as sent (before `mtu`, `pack` and the wire): see {@link FilterVerdict}.
   */
  filter?: (dg: Info) => FilterVerdict;
  /**
   * Injection of crafted datagrams, decided on the datagram as sent (before
   * the `filter`); they go out at once, with no impairment, after the
   * datagram's own deliveries of that instant, counted in `injected`.
   * A probability `p`: with probability `p`, a forged DTLS record that
   * copies the first record's header (type, version, epoch, sequence number)
   * over a random body of 1 to 64 bytes — a record the peer must drop without
   * harm (ROBUSTNESS S-03, S-19, S-62). Or a function returning the
   * datagrams to inject (`undefined` or `[]`: none).
   */
  inject?: number | ((dg: Info) => readonly Uint8Array[] | undefined);
}

/**
 * The impairment counters of one direction, shared by the
 * {@link VirtualNetwork}'s {@link DirectionStats} and the proxy's
 * {@link ProxyDirectionStats}: the pipeline counts its decisions into them.
 *
 * @example
 * ```ts
 * import type { ImpairmentCounters, ProxyStats, VirtualNetwork } from 'puredtls/testing';
 *
 * declare const net: VirtualNetwork, proxy: { stats: ProxyStats };
 * const lost = (c: ImpairmentCounters): number => c.dropped;
 * console.log(lost(net.stats()), lost(proxy.stats.clientToServer));
 * ```
 */
export interface ImpairmentCounters {
  /** Datagrams lost: by `drop`, by `mtu` (without `truncate`), or by a `filter`. */
  dropped: number;
  /** Extra copies made by `duplicate`. */
  duplicated: number;
  /** Datagrams held back by `reorder`. */
  reordered: number;
  /** Datagrams with a flipped bit. */
  corrupted: number;
  /** Datagrams cut to the MTU. */
  truncated: number;
  /** Datagrams merged into a preceding one by `pack` (a pack of 3 counts 2). */
  packed: number;
  /** Crafted datagrams injected: by `inject`, or by the adapter's own `inject()`. */
  injected: number;
}

/** {@link ImpairmentOptions} checked, with the defaults applied. */
export interface ResolvedImpairments<Info> {
  readonly drop: number;
  readonly duplicate: number;
  readonly delay: number | Readonly<DelayRange>;
  readonly reorder: number;
  readonly reorderDelay: number;
  readonly mtu: number | undefined;
  readonly truncate: boolean;
  readonly pack: number | undefined;
  readonly bitflip: number;
  readonly filter: ((dg: Info) => FilterVerdict) | undefined;
  /** A probability (0: none) or a function. */
  readonly inject: number | ((dg: Info) => readonly Uint8Array[] | undefined);
}

/** A probability in [0, 1] (undefined: 0). @throws RangeError naming the option */
export function checkProbability(where: string, name: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
    throw new RangeError(`${where}: ${name} must be a probability in [0, 1], got ${String(v)}`);
  }
  return v;
}

/** A finite number of ms ≥ 0, or undefined. @throws RangeError naming the option */
export function checkMs(where: string, name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new RangeError(`${where}: ${name} must be a finite number ≥ 0, got ${String(v)}`);
  }
  return v;
}

/** An integer in [min, max] (undefined: `dflt`). @throws RangeError naming the option */
export function checkInt(where: string, name: string, v: unknown, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${where}: ${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

/**
 * Check impairment options and apply the defaults. `where` prefixes the
 * errors (e.g. `link`, `startUdpProxy clientToServer`).
 *
 * @throws RangeError for a value out of range, TypeError for a hook or flag
 *   of the wrong type; each names the option.
 */
export function resolveImpairments<Info>(o: ImpairmentOptions<Info>, where: string): ResolvedImpairments<Info> {
  if (o === null || typeof o !== 'object') throw new TypeError(`${where}: impairments must be an object`);
  let delay: number | DelayRange = DEFAULT_DELAY;
  if (typeof o.delay === 'object' && o.delay !== null) {
    const min = checkMs(where, 'delay.min', o.delay.min);
    const max = checkMs(where, 'delay.max', o.delay.max);
    if (min === undefined || max === undefined) throw new RangeError(`${where}: delay needs { min, max }`);
    if (min > max) throw new RangeError(`${where}: delay needs min ≤ max, got delay.min ${min} > delay.max ${max}`);
    delay = Object.freeze({ min, max });
  } else if (o.delay !== undefined) delay = checkMs(where, 'delay', o.delay) as number;
  if (o.filter !== undefined && typeof o.filter !== 'function') throw new TypeError(`${where}: filter must be a function`);
  if (o.truncate !== undefined && typeof o.truncate !== 'boolean') throw new TypeError(`${where}: truncate must be a boolean`);
  return Object.freeze({
    drop: checkProbability(where, 'drop', o.drop),
    duplicate: checkProbability(where, 'duplicate', o.duplicate),
    delay,
    reorder: checkProbability(where, 'reorder', o.reorder),
    reorderDelay: checkMs(where, 'reorderDelay', o.reorderDelay) ?? DEFAULT_REORDER_DELAY,
    mtu: o.mtu === undefined ? undefined : checkInt(where, 'mtu', o.mtu, 0, 1, MAX_DATAGRAM),
    truncate: o.truncate === true,
    pack: checkMs(where, 'pack', o.pack),
    bitflip: checkProbability(where, 'bitflip', o.bitflip),
    filter: o.filter,
    inject: typeof o.inject === 'function' ? o.inject : checkProbability(where, 'inject', o.inject),
  });
}

// ---------------------------------------------------------------------------
// Random streams
// ---------------------------------------------------------------------------

/** The name of the direction `from → to`: `from > to`, each as {@link formatAddress}. */
export function directionKey(from: NetAddress, to: NetAddress): string {
  return `${formatAddress(from)} > ${formatAddress(to)}`;
}

/**
 * The random stream of the direction `from → to` under `seed`. Both adapters
 * draw a direction's decisions from it, so equal seeds, addresses and
 * datagrams give equal decisions in both.
 */
export function directionStream(seed: Seed, from: NetAddress, to: NetAddress): Prng {
  return new Prng(hashString(directionKey(from, to), seedToUint32(seed)));
}

/**
 * A forged DTLS record: the first record's header (type, version, epoch,
 * sequence number) over 1 to 64 random bytes, with a consistent length
 * field. For a datagram too short to hold a header, random bytes of its size.
 */
export function forgeRecord(data: Uint8Array, rng: Prng): Uint8Array {
  if (data.length < RECORD_HEADER_LENGTH) return rng.bytes(Math.max(1, data.length));
  const { type, version, epoch, seq } = readRecordHeader(new Reader(data), 0);
  return encodeRecord(type, version, epoch, seq, rng.bytes(1 + rng.int(FORGED_BODY_MAX)));
}

// ---------------------------------------------------------------------------
// The pipeline of one direction
// ---------------------------------------------------------------------------

/**
 * A datagram inside the pipeline. `label` names it in logs: `#i` the i-th
 * datagram of the direction, `#i'` a duplicate, `#i/rk` the k-th replacement
 * from a filter, `#i/ik` the k-th injected after it, `#i+#j` a pack.
 */
export interface LaneDatagram {
  readonly data: Uint8Array;
  readonly label: string;
}

/**
 * The decisions of the impairment pipeline, as the logs name them: the
 * {@link VirtualNetwork}'s {@link LogEntry} events and the lines of the
 * proxy's `log` option.
 *
 * @example
 * ```ts
 * import type { ImpairmentEvent, VirtualNetwork } from 'puredtls/testing';
 *
 * declare const net: VirtualNetwork; // made with { log: true }
 * const losses: readonly ImpairmentEvent[] = ['drop', 'mtu-drop', 'filter-drop'];
 * const lost = net.log.filter((e) => (losses as readonly string[]).includes(e.event)).length;
 * ```
 */
export type ImpairmentEvent =
  | 'inject'
  | 'filter-drop'
  | 'filter-delay'
  | 'filter-replace'
  | 'mtu-drop'
  | 'truncate'
  | 'pack'
  | 'drop'
  | 'duplicate'
  | 'bitflip'
  | 'reorder';

/**
 * What a lane decided, in order:
 * - `deliver`: hand `datagram` to its destination at `at` (≥ now);
 * - `release`: a filter held `datagram` back: call {@link ImpairmentLane.resume} at `at`;
 * - `flush`: a pack window closes: call {@link ImpairmentLane.flush} with `gen` at `at`;
 * - `note`: a decision, for a log (only with `notes: true`).
 */
export type ImpairmentStep =
  | { readonly kind: 'deliver'; readonly at: number; readonly datagram: LaneDatagram }
  | { readonly kind: 'release'; readonly at: number; readonly datagram: LaneDatagram }
  | { readonly kind: 'flush'; readonly at: number; readonly gen: number }
  | { readonly kind: 'note'; readonly event: ImpairmentEvent; readonly datagram: LaneDatagram; readonly detail: string | undefined };

/** Options of an {@link ImpairmentLane}. */
export interface LaneOptions {
  /** Emit `note` steps (default false). */
  notes?: boolean;
  /** The error to throw when a hook returns something invalid (default a TypeError). */
  fail?: (message: string) => Error;
}

/**
 * The pipeline of one direction: its datagram counter, its pack window, its
 * random stream and its counters. Each call takes the time and the resolved
 * impairments (they may change between calls) and returns the decisions as
 * {@link ImpairmentStep}s; nothing else leaves it.
 */
export class ImpairmentLane<Info> {
  private sentCount = 0;
  private pack: { items: LaneDatagram[]; size: number; gen: number } | undefined;
  private packGen = 0;
  private readonly notes: boolean;
  private readonly fail: (message: string) => Error;

  /**
   * @param rng - the direction's random stream (see {@link directionStream}).
   * @param counters - where decisions are counted (e.g. a {@link DirectionStats}).
   */
  constructor(
    private readonly rng: Prng,
    private readonly counters: ImpairmentCounters,
    options: LaneOptions = {},
  ) {
    this.notes = options.notes === true;
    this.fail = options.fail ?? ((message) => new TypeError(message));
  }

  /** Datagrams sent into the lane so far: the `index` of the next one. */
  get index(): number {
    return this.sentCount;
  }

  /**
   * A datagram sent at `now`. The lane takes `data` (it may flip bits in it).
   * `describe(index, data)` builds what the hooks see; it is called at most
   * once, and only when a hook is set.
   *
   * @throws the `fail` error when a hook returns an invalid verdict or datagram.
   */
  send(data: Uint8Array, now: number, imp: ResolvedImpairments<Info>, describe: (index: number, data: Uint8Array) => Info): ImpairmentStep[] {
    const index = this.sentCount++;
    const out: ImpairmentStep[] = [];
    const dg: LaneDatagram = { data, label: `#${index}` };
    if (imp.filter === undefined && imp.inject === 0) {
      this.afterFilter(out, dg, now, imp);
      return out;
    }
    let info: Info | undefined;
    const seen = (): Info => (info ??= describe(index, data));
    const crafted = this.craft(dg, imp, seen);
    if (imp.filter === undefined) this.afterFilter(out, dg, now, imp);
    else this.obey(out, dg, imp.filter(seen()), now, imp);
    crafted.forEach((data, k) => {
      this.counters.injected++;
      const injected: LaneDatagram = { data, label: `${dg.label}/i${k}` };
      this.note(out, 'inject', injected);
      out.push({ kind: 'deliver', at: now, datagram: injected });
    });
    return out;
  }

  /** A datagram a filter held back comes due: it continues with `mtu`, `pack` and the wire. */
  resume(datagram: LaneDatagram, now: number, imp: ResolvedImpairments<Info>): ImpairmentStep[] {
    const out: ImpairmentStep[] = [];
    this.afterFilter(out, datagram, now, imp);
    return out;
  }

  /** The pack window `gen` closes (nothing if it was already flushed). */
  flush(gen: number, now: number, imp: ResolvedImpairments<Info>): ImpairmentStep[] {
    const out: ImpairmentStep[] = [];
    if (this.pack?.gen === gen) this.flushPack(out, now, imp);
    return out;
  }

  /** Whether the pack window `gen` is still open (a `flush` step for it is still due). */
  packOpen(gen: number): boolean {
    return this.pack?.gen === gen;
  }

  private craft(dg: LaneDatagram, imp: ResolvedImpairments<Info>, seen: () => Info): Uint8Array[] {
    const inject = imp.inject;
    if (typeof inject === 'number') return this.rng.chance(inject) ? [forgeRecord(dg.data, this.rng)] : [];
    const crafted = inject(seen());
    if (crafted === undefined) return [];
    if (!Array.isArray(crafted) || !crafted.every((d) => d instanceof Uint8Array)) {
      throw this.fail('inject returned something other than an array of Uint8Array');
    }
    return crafted.map((d) => d.slice());
  }

  private obey(out: ImpairmentStep[], dg: LaneDatagram, v: FilterVerdict, now: number, imp: ResolvedImpairments<Info>): void {
    if (v === 'pass') return this.afterFilter(out, dg, now, imp);
    if (v === 'drop') {
      this.counters.dropped++;
      return this.note(out, 'filter-drop', dg);
    }
    if (typeof v === 'object' && v !== null && 'delay' in v && typeof v.delay === 'number') {
      if (!(v.delay >= 0) || !Number.isFinite(v.delay)) throw this.fail(`filter returned an invalid delay ${v.delay}`);
      this.note(out, 'filter-delay', dg, `${v.delay}ms`);
      out.push({ kind: 'release', at: now + v.delay, datagram: dg });
      return;
    }
    if (typeof v === 'object' && v !== null && 'replace' in v && Array.isArray(v.replace)) {
      this.note(out, 'filter-replace', dg, `with ${v.replace.length} datagram(s)`);
      if (v.replace.length === 0) this.counters.dropped++;
      v.replace.forEach((d, k) => {
        if (!(d instanceof Uint8Array)) throw this.fail('filter returned a non-Uint8Array replacement');
        this.afterFilter(out, { data: d.slice(), label: `${dg.label}/r${k}` }, now, imp);
      });
      return;
    }
    throw this.fail(`filter returned an invalid verdict ${JSON.stringify(v)}`);
  }

  /** `mtu`, then the pack window or straight to the wire. */
  private afterFilter(out: ImpairmentStep[], dg: LaneDatagram, now: number, imp: ResolvedImpairments<Info>): void {
    const mtu = imp.mtu;
    if (mtu !== undefined && dg.data.length > mtu) {
      if (!imp.truncate) {
        this.counters.dropped++;
        return this.note(out, 'mtu-drop', dg, `mtu ${mtu}`);
      }
      this.counters.truncated++;
      this.note(out, 'truncate', dg, `${dg.data.length} → ${mtu} bytes`);
      dg = { data: dg.data.slice(0, mtu), label: dg.label };
    }
    if (imp.pack === undefined) return this.wire(out, dg, now, imp);
    let p = this.pack;
    if (p !== undefined && p.size + dg.data.length > (mtu ?? MAX_DATAGRAM)) {
      this.flushPack(out, now, imp);
      p = undefined;
    }
    if (p === undefined) {
      p = { items: [], size: 0, gen: ++this.packGen };
      this.pack = p;
      out.push({ kind: 'flush', at: now + imp.pack, gen: p.gen });
    }
    p.items.push(dg);
    p.size += dg.data.length;
  }

  private flushPack(out: ImpairmentStep[], now: number, imp: ResolvedImpairments<Info>): void {
    const p = this.pack;
    this.pack = undefined;
    if (p === undefined || p.items.length === 0) return;
    if (p.items.length === 1) return this.wire(out, p.items[0]!, now, imp);
    this.counters.packed += p.items.length - 1;
    const packed: LaneDatagram = {
      data: concatBytes(...p.items.map((i) => i.data)),
      label: this.notes ? p.items.map((i) => i.label).join('+') : '',
    };
    this.note(out, 'pack', packed, `${p.items.length} datagrams`);
    this.wire(out, packed, now, imp);
  }

  /** On the wire: drop, duplicate, then per copy bitflip, delay, reorder. */
  private wire(out: ImpairmentStep[], dg: LaneDatagram, now: number, imp: ResolvedImpairments<Info>): void {
    const rng = this.rng;
    if (rng.chance(imp.drop)) {
      this.counters.dropped++;
      return this.note(out, 'drop', dg);
    }
    const copies = [dg];
    if (rng.chance(imp.duplicate)) {
      this.counters.duplicated++;
      const dup: LaneDatagram = { data: dg.data.slice(), label: `${dg.label}'` };
      copies.push(dup);
      this.note(out, 'duplicate', dup);
    }
    for (const c of copies) {
      if (c.data.length > 0 && rng.chance(imp.bitflip)) {
        const bit = rng.int(c.data.length * 8);
        c.data[bit >>> 3] = c.data[bit >>> 3]! ^ (1 << (bit & 7));
        this.counters.corrupted++;
        this.note(out, 'bitflip', c, `byte ${bit >>> 3} bit ${bit & 7}`);
      }
      let delay = drawDelay(imp.delay, rng);
      if (rng.chance(imp.reorder)) {
        delay += imp.reorderDelay;
        this.counters.reordered++;
        this.note(out, 'reorder', c, `+${imp.reorderDelay}ms`);
      }
      out.push({ kind: 'deliver', at: now + delay, datagram: c });
    }
  }

  private note(out: ImpairmentStep[], event: ImpairmentEvent, datagram: LaneDatagram, detail?: string): void {
    if (this.notes) out.push({ kind: 'note', event, datagram, detail });
  }
}

/** A fixed delay, or a draw from a range (integers: uniform over the integers, inclusive). */
function drawDelay(d: number | Readonly<DelayRange>, rng: Prng): number {
  if (typeof d === 'number') return d;
  if (Number.isInteger(d.min) && Number.isInteger(d.max)) return d.min + rng.int(d.max - d.min + 1);
  return rng.range(d.min, d.max);
}
