/**
 * What records that fail authentication mean (S-41, RFC 9147 §4.5.3): one
 * is a corrupted datagram and is dropped; the same during the handshake a
 * retransmission later means the keys differ (a wrong pre-shared key: fail
 * fast with decrypt_error rather than time out); and past the integrity
 * limit of the suite (2^7 for 8-byte tags) or `maxBadRecords`, someone is
 * forging records and the association closes.
 *
 * @module
 */
import { DtlsError, HandshakeError } from '../errors.js';

/** The authentication failures of one association. */
export class IntegrityGuard {
  /** Failures tolerated before closing; 0: no limit. */
  private limit = 0;
  private firstBadAt: number | undefined;

  constructor(private readonly maxBadRecords: number, private readonly retransmitInitial: number) {}

  /** New keys: the suite's integrity limit applies, unless `maxBadRecords` is set. */
  setSuiteLimit(suiteLimit: number): void {
    this.limit = this.maxBadRecords > 0 ? this.maxBadRecords : suiteLimit;
  }

  /**
   * A record failed authentication: the error to close with, if any.
   * `peerFlight` says it was in the epoch of the peer's Finished flight,
   * during the handshake.
   */
  onBadRecord(now: number, peerFlight: boolean, badRecords: number): DtlsError | undefined {
    if (peerFlight) {
      // A burst (a flood, or buffered records replayed at the CCS) counts once: the
      // second failure must come a retransmission later.
      if (this.firstBadAt === undefined) this.firstBadAt = now;
      else if (now - this.firstBadAt >= this.retransmitInitial / 2) {
        return new HandshakeError('ERR_DTLS_BAD_FINISHED', 'the peer\'s Finished flight does not authenticate: the keys differ (wrong pre-shared key?)', 'decrypt_error');
      }
    }
    if (this.limit > 0 && badRecords >= this.limit) {
      return new DtlsError('ERR_DTLS_TOO_MANY_BAD_RECORDS', `${badRecords} records failed authentication`, 'bad_record_mac');
    }
    return undefined;
  }
}
