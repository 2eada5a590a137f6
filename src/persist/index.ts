/**
 * Restarts that keep connections: a server endpoint's established
 * associations saved into an encrypted, authenticated blob, and loaded into
 * another endpoint (a new process) that continues them without a handshake.
 *
 * - `saveAssociations` takes every established association that can be saved
 *   out of the endpoint without a word to its peer (no close_notify: the
 *   client must not notice), so this endpoint never seals another record
 *   under those keys. Handshakes in progress are not saved (they stay, and
 *   `close()` ends them); nor is a DTLS 1.3 association whose own KeyUpdate
 *   waits for its acknowledgement (a round trip's window), which stays too.
 * - `loadAssociations` refuses the whole blob, restoring nothing, when it is
 *   malformed, of another format version, altered or sealed with another
 *   key, older than `maxAge`, or does not fit this endpoint (another CID
 *   length, an address or CID already in use, the connection limit).
 *   Restored associations write ahead of the saved sequence numbers
 *   (`SEQUENCE_MARGIN_12`, `SEQUENCE_MARGIN_13`), their replay windows and
 *   idle timers continue, and each is reported as `secure` with `restored`
 *   set (no `connection` event: no handshake started).
 *
 * A blob must be loaded once: two endpoints continuing the same association
 * would seal records with the same keys and sequence numbers.
 *
 * @module
 */
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import type { ServerAssociation, ServerEndpoint } from '../endpoint/server-endpoint.js';
import { DecodeError, DtlsError } from '../errors.js';
import { openState, sealState } from './blob.js';
import { type Snapshot, readSnapshot, restoreSnapshot, writeSnapshot } from './snapshot.js';

export { MIN_STATE_KEY_LENGTH, STATE_FORMAT_VERSION } from './blob.js';
export { SEQUENCE_MARGIN_12, SEQUENCE_MARGIN_13 } from './snapshot.js';

/** Default `maxAge` of a blob: 5 minutes. */
export const DEFAULT_STATE_MAX_AGE = 5 * 60_000;

/** What `saveAssociations` did. */
export interface SavedAssociations {
  /** The encrypted, authenticated blob. */
  readonly blob: Uint8Array;
  /** Associations saved (and released from the endpoint). */
  readonly saved: number;
  /** Established associations left in place: a DTLS 1.3 KeyUpdate of ours awaiting its ACK. */
  readonly skipped: number;
}

/**
 * Save the endpoint's established associations under `key` (≥ 32 bytes) and
 * release them. All or nothing: when sealing throws, nothing is released.
 */
export function saveAssociations(ep: ServerEndpoint, key: Uint8Array, now: number): SavedAssociations {
  const w = new Writer(4096);
  const taken: ServerAssociation[] = [];
  let skipped = 0;
  const body = new Writer(4096);
  for (const assoc of ep.associations()) {
    if (!assoc.established || assoc.conn.isClosed) continue;
    if (writeSnapshot(body, assoc)) taken.push(assoc);
    else skipped++;
  }
  w.u48(taken.length).bytes(body.finish());
  const blob = sealState(ep.config.settings.provider, key, w.finish(), now);
  for (const assoc of taken) ep.release(assoc);
  return { blob, saved: taken.length, skipped };
}

/** `loadAssociations` options. */
export interface LoadOptions {
  /** Refuse a blob older than this, ms (default {@link DEFAULT_STATE_MAX_AGE}). */
  readonly maxAge?: number;
}

/**
 * Restore the associations of a blob into the endpoint, all or none. Returns
 * them (already indexed; their `secure` events queued).
 * Throws a `DtlsError`: `ERR_DTLS_STATE_MALFORMED`, `ERR_DTLS_STATE_VERSION`,
 * `ERR_DTLS_STATE_AUTH`, `ERR_DTLS_STATE_EXPIRED`,
 * `ERR_DTLS_STATE_INCOMPATIBLE` (a CID length or suite this endpoint does not
 * have), `ERR_DTLS_STATE_CONFLICT` (an address or CID in use, or the
 * connection limit).
 */
export function loadAssociations(ep: ServerEndpoint, blob: Uint8Array, key: Uint8Array, now: number, options: LoadOptions = {}): ServerAssociation[] {
  const maxAge = options.maxAge ?? DEFAULT_STATE_MAX_AGE;
  if (typeof maxAge !== 'number' || !(maxAge >= 0)) throw new RangeError('The "maxAge" option must be a number of milliseconds ≥ 0');
  const cfg = ep.config;
  const { plaintext } = openState(cfg.settings.provider, blob, key, now, maxAge);
  try {
    const snapshots = parse(plaintext);
    check(ep, snapshots);
    // Build every association before adopting any: a failure leaves the endpoint as it was.
    const built: ServerAssociation[] = [];
    try {
      for (const s of snapshots) built.push(restoreSnapshot(s, cfg.settings, now));
    } catch (e) {
      for (const assoc of built) assoc.conn.destroy(); // their keys wiped; never indexed
      throw e;
    }
    for (const assoc of built) ep.adopt(assoc);
    return built;
  } catch (e) {
    if (e instanceof DecodeError) throw new DtlsError('ERR_DTLS_STATE_MALFORMED', `the saved associations do not parse: ${e.message}`, undefined, { cause: e });
    throw e;
  } finally {
    plaintext.fill(0);
  }
}

function parse(plaintext: Uint8Array): Snapshot[] {
  const r = new Reader(plaintext);
  const count = r.u48('count');
  const out: Snapshot[] = [];
  for (let i = 0; i < count; i++) out.push(readSnapshot(r));
  r.end('saved associations');
  return out;
}

/** Does the blob fit this endpoint? (Nothing is built yet.) */
function check(ep: ServerEndpoint, snapshots: readonly Snapshot[]): void {
  const cidLength = ep.config.cidLength ?? 0;
  const addresses = new Set<string>();
  const cids = new Set<string>();
  for (const s of snapshots) {
    if (s.cidLength !== 0 && s.cidLength !== cidLength) {
      throw new DtlsError('ERR_DTLS_STATE_INCOMPATIBLE', `an association uses ${s.cidLength}-byte connection IDs; this server's "connectionId" length is ${cidLength}`);
    }
    const where = `${s.address}|${s.port}`;
    if (addresses.has(where) || ep.get(s.address, s.port)) throw new DtlsError('ERR_DTLS_STATE_CONFLICT', `an association with ${where.replace('|', ' port ')} exists already`);
    addresses.add(where);
    if (s.cidKey !== '') {
      if (cids.has(s.cidKey) || ep.byConnectionId(s.cidKey)) throw new DtlsError('ERR_DTLS_STATE_CONFLICT', `connection ID ${s.cidKey} is in use already`);
      cids.add(s.cidKey);
    }
  }
  let established = 0;
  for (const a of ep.associations()) if (a.established) established++;
  if (established + snapshots.length > ep.config.limits.maxConnections) {
    throw new DtlsError('ERR_DTLS_STATE_CONFLICT', `${snapshots.length} associations would exceed maxConnections (${ep.config.limits.maxConnections}, ${established} in use)`);
  }
}
