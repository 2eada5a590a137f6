import type { CryptoProvider } from '../crypto/provider.js';
import { DEFAULT_REASSEMBLY_LIMITS, type ReassemblyLimits } from '../handshake/reassembler.js';
import type { FlightSettings } from './flight-sender.js';

/** Timing and resource settings of one association. */
export interface ConnectionSettings extends FlightSettings {
  readonly provider: CryptoProvider;
  readonly handshakeTimeout: number;
  readonly connectionTimeout: number;
  readonly reassembly: ReassemblyLimits;
  readonly replayWindow: number;
  /** Records from the next epoch buffered before it is installed (S-07, DOS-09). */
  readonly maxFutureRecords: number;
  /** Close after this many records fail authentication (0: never; S-41). */
  readonly maxBadRecords: number;
}

export const DEFAULT_SETTINGS: Omit<ConnectionSettings, 'provider'> = Object.freeze({
  mtu: 1452,
  handshakeTimeout: 30_000,
  connectionTimeout: 600_000,
  retransmitInitial: 1000,
  retransmitMax: 60_000,
  maxRetransmits: 10,
  reassembly: DEFAULT_REASSEMBLY_LIMITS,
  replayWindow: 64,
  maxFutureRecords: 32,
  maxBadRecords: 0,
  lastFlightLifetime: 240_000,
});

/** Forgery attempts tolerated on a CCM_8 connection (RFC 9147 §4.5.3). */
export const CCM8_INTEGRITY_LIMIT = 128;
