/**
 * The event log of the {@link VirtualNetwork}: its entries and their one-line format.
 *
 * @module
 */
import type { ImpairmentEvent } from './impairments.js';

/**
 * Kinds of {@link LogEntry}: the network's own events (a node attached, sent,
 * received, timed out; a datagram injected by {@link VirtualNetwork.inject})
 * and the impairment pipeline's decisions ({@link ImpairmentEvent}).
 *
 * @example
 * ```ts
 * import type { LogEvent, VirtualNetwork } from 'puredtls/testing';
 *
 * declare const net: VirtualNetwork; // made with { log: true }
 * const losses: readonly LogEvent[] = ['drop', 'mtu-drop', 'filter-drop'];
 * const lost = net.log.filter((e) => losses.includes(e.event)).map((e) => e.label); // e.g. ['#2', '#5']
 * ```
 */
export type LogEvent = 'attach' | 'detach' | 'send' | 'inject' | 'deliver' | 'undeliverable' | 'timeout' | ImpairmentEvent;

/**
 * One line of the event log ({@link VirtualNetwork.log}).
 *
 * @example
 * ```ts
 * import type { LogEntry, VirtualNetwork } from 'puredtls/testing';
 *
 * declare const net: VirtualNetwork; // made with { log: true }
 * const timeouts: LogEntry[] = net.log.filter((e) => e.event === 'timeout');
 * const retransmitters = new Set(timeouts.map((e) => e.from));
 * ```
 */
export interface LogEntry {
  /** Virtual time of the event, ms. */
  time: number;
  /** What happened. */
  event: LogEvent;
  /**
   * Datagram label: `#i` is the i-th datagram sent on its direction; `#i'` a
   * duplicate; `#i/rk` the k-th replacement from a filter; `#i/ik` the k-th
   * datagram the `inject` impairment crafted after it; `#i+#j` a pack;
   * `inj:n` a datagram from {@link VirtualNetwork.inject}.
   */
  label?: string;
  /** Sender (or, for timeouts/attach/detach, the node) name. */
  from?: string;
  /** Destination name. */
  to?: string;
  /** Datagram size in bytes. */
  size?: number;
  /** Free-form details (records, flight, bit index, ...). */
  detail?: string;
}

/**
 * One log entry as a line of text (as in {@link VirtualNetwork.formatLog}).
 *
 * @example
 * ```ts
 * import { formatLogEntry, type VirtualNetwork } from 'puredtls/testing';
 *
 * declare const net: VirtualNetwork; // made with { log: true }
 * const drops = net.log.filter((e) => e.event === 'drop').map(formatLogEntry);
 * // ['       3.000 drop           #2      server -> client 105B', ...]
 * ```
 */
export function formatLogEntry(e: LogEntry): string {
  let s = `${e.time.toFixed(3).padStart(12)} ${e.event.padEnd(14)}`;
  if (e.label !== undefined) s += ` ${e.label.padEnd(7)}`;
  if (e.from !== undefined) s += ` ${e.from}`;
  if (e.to !== undefined) s += ` -> ${e.to}`;
  if (e.size !== undefined) s += ` ${e.size}B`;
  if (e.detail) s += ` ${e.detail}`;
  return s;
}
