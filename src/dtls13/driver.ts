/**
 * The seam between a DTLS 1.3 handshake state machine and its association
 * (the 1.3 sibling of `src/handshake/driver.ts`). The machine decides what to
 * send and which keys to use; the association (`Connection13`) owns records,
 * epochs, flights, acknowledgements (RFC 9147 §7), timers and KeyUpdate.
 *
 * @module
 */
import type { CryptoProvider, GroupName, KemGroupName } from '../crypto/provider.js';
import type { HandshakeMessage } from '../handshake/reassembler.js';
import type { SessionSecrets } from '../handshake/key-schedule12.js';
import type { ClientHandshakeConfig } from '../handshake/client-handshake.js';
import type { ServerHandshakeConfig } from '../handshake/server-handshake.js';
import type { Negotiated } from '../handshake/common.js';
import type { Suite13 } from './suites.js';

/** What a DTLS 1.3 state machine may ask of its association. */
export interface HandshakeDriver13 {
  readonly provider: CryptoProvider;
  /** Current time, ms. */
  readonly now: number;
  /**
   * Queue a handshake message in the flight being prepared, protected in the
   * current write epoch. Its message_seq is the association's next (RFC 9147
   * §5.2: never reset, also across a HelloRetryRequest).
   */
  sendMessage(msgType: number, body: Uint8Array): void;
  /**
   * The prepared flight is complete: send it. It is retransmitted until the
   * peer acknowledges it (an ACK, or its next flight: RFC 9147 §5.8, §7).
   */
  flushFlight(): void;
  /**
   * Records the peer sends in `epoch` are protected with keys from `secret`
   * (RFC 8446 §7.3, RFC 9147 §4.2.3): epoch 2 with the handshake traffic
   * secret, epoch 3 with the first application traffic secret. The
   * association derives key, iv and sn from it and keeps the secret for
   * KeyUpdate (`traffic upd`). The caller may wipe `secret` afterwards.
   */
  setReadSecret(epoch: number, suite: Suite13, secret: Uint8Array): void;
  /** Our records from now on go in `epoch`, protected with keys from `secret` (see {@link setReadSecret}). */
  setWriteSecret(epoch: number, suite: Suite13, secret: Uint8Array): void;
  /**
   * Wait for an asynchronous result (a PSK lookup, an SNI certificate): input
   * is held until the promise settles, then `resume` runs with its value. A
   * rejection fails the handshake with an internal_error alert.
   */
  suspend<T>(work: Promise<T>, resume: (value: T) => void): void;
  /** The exporter and key log of the connection (RFC 8446 §7.5; the TLS 1.3 NSS key-log labels). */
  secretsReady(secrets: SessionSecrets): void;
  /** Connection IDs (RFC 9147 §9): `ours` in records to us, `peers` in records we send, from epoch 2. */
  setConnectionIds(ours: Uint8Array, peers: Uint8Array): void;
  /**
   * The handshake completed (client: the server's Finished verified and ours
   * queued; server: the client's Finished verified). Application data may
   * flow in epoch 3. `awaitAck` (a client that sent a certificate): the
   * association is established once the server acknowledged our Finished,
   * since until then it may still refuse the certificate.
   */
  complete(awaitAck?: boolean): void;
  /** A resumption ticket arrived (client, after the handshake): the `session` event. */
  sessionTicket?(session: Uint8Array): void;
}

/** A DTLS 1.3 key-exchange group: an (EC)DHE group, or the hybrid X25519MLKEM768 (a KEM). */
export type Group13 = GroupName | KemGroupName;

/** A DTLS 1.3 state machine: one per association, client or server. */
export interface HandshakeMachine13 {
  /** Name of the current state, for errors and traces. */
  readonly stateName: string;
  /** What was negotiated so far (and in the end). */
  readonly negotiated: Negotiated13 | undefined;
  /** The next in-order handshake message during the handshake. Throws a `DtlsError` on fatal errors. */
  handleMessage(msg: HandshakeMessage): void;
  /**
   * A handshake message after the handshake completed (RFC 8446 §4.6):
   * NewSessionTicket at the client, CertificateRequest is refused (no
   * post-handshake authentication), KeyUpdate is the association's. Throws
   * on a message the role must not receive.
   */
  handlePostHandshake(msg: HandshakeMessage): void;
  /** Free secrets and buffers. */
  wipe(): void;
}

/** What a 1.3 handshake negotiated: 1.2's facts (the `negotiated` of a Peer) and the protocol. */
export interface Negotiated13 extends Omit<Negotiated, 'suite' | 'extendedMasterSecret' | 'encryptThenMac'> {
  readonly protocol: 'DTLSv1.3';
  readonly suite13: Suite13;
  /** The key-exchange group (absent for psk_ke). */
  readonly group?: Group13;
  /** The PSK key exchange mode of a PSK handshake (RFC 8446 §4.2.9). */
  readonly pskMode?: 'psk_ke' | 'psk_dhe_ke';
}

/** The server's DTLS 1.3 configuration: 1.2's, plus what 1.3 adds. */
export interface Server13Config extends ServerHandshakeConfig {
  /** DTLS 1.3 suites allowed, in server preference order (empty: 1.3 is off). */
  readonly suites13: readonly Suite13[];
  /** Key-exchange groups for 1.3, in preference order (1.2's `groups`, plus the hybrid X25519MLKEM768 when configured). */
  readonly groups13: readonly Group13[];
  /** NewSessionTicket lifetime, seconds (RFC 8446 §4.6.1: at most 604800). */
  readonly ticketLifetime13: number;
}

/** The client's DTLS 1.3 configuration: 1.2's, plus what 1.3 adds. */
export interface Client13Config extends ClientHandshakeConfig {
  /** DTLS 1.3 suites offered, in preference order. */
  readonly suites13: readonly Suite13[];
  /** Key-exchange groups offered for 1.3, in preference order. */
  readonly groups13: readonly Group13[];
  /** Groups to send a key share for in the first ClientHello (the rest only after a HelloRetryRequest). */
  readonly keyShareGroups: readonly Group13[];
  /**
   * PSK key exchange modes offered with a PSK (RFC 8446 §4.2.9), default both:
   * `psk_dhe_ke` (forward secrecy, which a server prefers when it can) and
   * `psk_ke` (no (EC)DHE: cheaper, for constrained devices).
   */
  readonly pskModes?: readonly ('psk_ke' | 'psk_dhe_ke')[];
  /** Also offer DTLS 1.2 (supported_versions lists both; the downgrade sentinel is checked). */
  readonly offer12: boolean;
  /** A DTLS 1.3 session to resume (`decodeClientSession13` of an earlier `session` event). */
  readonly session13?: Uint8Array;
}

/**
 * What a stateless HelloRetryRequest cookie (RFC 9147 §5.1, RFC 8446 §4.2.2)
 * carries, so that the server can continue from the second ClientHello
 * without having kept anything: the hash of the first ClientHello (it is
 * replaced in the transcript by message_hash, RFC 8446 §4.4.1) and what the
 * HelloRetryRequest said. The front door seals it (HMAC over the client's
 * address, a time period and these fields) and verifies it.
 */
export interface HelloRetryState {
  readonly clientHello1Hash: Uint8Array;
  readonly suite: Suite13;
  /** The group the HelloRetryRequest asked a key share for, if it did. */
  readonly group?: Group13;
  /** The HelloRetryRequest's body as sent (rebuilt from the fields above and the cookie). */
  readonly helloRetryRequest: Uint8Array;
}
