import type { CryptoProvider } from '../crypto/provider.js';
import type { EpochKeys, SessionSecrets } from './key-schedule12.js';
import type { HandshakeMessage } from './reassembler.js';
import type { Transcript } from './transcript.js';

/**
 * What a handshake state machine may ask of its connection. The state
 * machines decide what to send and when; the connection owns records,
 * epochs, flights and timers.
 */
export interface HandshakeDriver {
  readonly provider: CryptoProvider;
  /** Current time, ms. */
  readonly now: number;
  readonly transcript: Transcript;
  /** Queue a handshake message in the flight being prepared, in the current write epoch, and add it to the transcript. */
  sendMessage(msgType: number, body: Uint8Array): void;
  /** Queue a message outside the transcript (the client's ClientHello, added once the server answers it); returns its message_seq. */
  sendUntracked(msgType: number, body: Uint8Array): number;
  /** Queue ChangeCipherSpec and switch the write epoch to the derived keys (S-33). */
  sendChangeCipherSpec(): void;
  /** The next epoch's keys (RFC 5246 §6.3): they take effect with the ChangeCipherSpecs (S-33). */
  installPendingKeys(keys: EpochKeys): void;
  /** The flight is complete: send it. `last` flights are not retransmitted by timer, only on the peer's retransmission. */
  flushFlight(last: boolean): void;
  /**
   * Wait for an asynchronous result (a PSK lookup): input is held until the
   * promise settles, then `resume` runs with its value. A rejection fails the
   * handshake with an internal_error alert.
   */
  suspend<T>(work: Promise<T>, resume: (value: T) => void): void;
  /**
   * The session's secrets are known: kept for `exportKeyingMaterial` and
   * reported as NSS key-log lines.
   */
  secretsReady(secrets: SessionSecrets): void;
  /**
   * Connection IDs were negotiated (RFC 9146): `ours` for records to us,
   * `peers` for records to the peer, from epoch 1; `rrc` when both support
   * the return routability check (RFC 9853).
   */
  setConnectionIds(ours: Uint8Array, peers: Uint8Array, rrc: boolean): void;
  /** The handshake finished: the peer's Finished verified. */
  complete(): void;
}

/** A handshake state machine: one per connection, client or server. */
export interface HandshakeMachine {
  /** Name of the current state, for errors and traces. */
  readonly stateName: string;
  /** Message types the current state accepts (the transition table). */
  readonly accepts: readonly number[];
  /** Message types the peer's role can ever send: others are dropped as misdirected. */
  readonly peerMessageTypes: readonly number[];
  /** Is ChangeCipherSpec expected now (S-35)? */
  readonly expectsChangeCipherSpec: boolean;
  /** Handle the next in-order message. Throws a `DtlsError` on fatal errors. */
  handleMessage(msg: HandshakeMessage): void;
  /** The peer's ChangeCipherSpec arrived (only called when `expectsChangeCipherSpec`). */
  handleChangeCipherSpec(): void;
  /** Free secrets and buffers. */
  wipe(): void;
}
