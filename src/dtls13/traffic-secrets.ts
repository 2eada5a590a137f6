/**
 * The application traffic secrets of each direction, kept for KeyUpdate
 * (RFC 8446 §7.2, RFC 9147 §8): epoch N+1's secret is derived from epoch N's,
 * so the current one is held (and wiped when replaced or closed).
 */
import { Reader } from '../codec/reader.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { DtlsError, HandshakeError } from '../errors.js';
import type { HandshakeMessage } from '../handshake/reassembler.js';
import { KeyUpdateRequest, decodeKeyUpdate } from './messages/key-update.js';
import { keyScheduleParams, nextTrafficSecret } from './key-schedule.js';
import type { Suite13 } from './suites.js';

/** Largest epoch a KeyUpdate moves to: the numbers stay exact (RFC 9147 §4.2.1: epochs never wrap). */
const MAX_EPOCH = 2 ** 48 - 1;

/** One direction's traffic secret and its epoch. */
export interface Traffic {
  readonly epoch: number;
  readonly suite: Suite13;
  readonly secret: Uint8Array;
}

export class TrafficSecrets {
  private current: { read?: Traffic; write?: Traffic } = {};

  /** Keep a copy of an application epoch's secret (epochs 3 and up); the handshake epochs are never updated. */
  keep(direction: 'read' | 'write', epoch: number, suite: Suite13, secret: Uint8Array): void {
    if (epoch < 3) return;
    this.current[direction]?.secret.fill(0);
    this.current[direction] = { epoch, suite, secret: Uint8Array.from(secret) };
  }

  /** The current application epoch and secret of a direction (src/persist saves them; the caller must not change the secret). */
  secretOf(direction: 'read' | 'write'): Traffic | undefined {
    return this.current[direction];
  }

  /** The current application epoch of a direction, if there is one. */
  epoch(direction: 'read' | 'write'): number | undefined {
    return this.current[direction]?.epoch;
  }

  /** The next epoch's secret of a direction (the caller installs it, then wipes it), or `undefined` before the application epoch. */
  next(direction: 'read' | 'write', provider: CryptoProvider): Traffic | undefined {
    const t = this.current[direction];
    if (!t) return undefined;
    return { epoch: t.epoch + 1, suite: t.suite, secret: nextTrafficSecret(keyScheduleParams(provider, t.suite.hash), t.secret) };
  }

  /** Move a direction to its next epoch: `install` gets the new secret (wiped after); returns the new epoch. */
  advance(direction: 'read' | 'write', provider: CryptoProvider, install: (epoch: number, suite: Suite13, secret: Uint8Array) => void): number {
    const next = this.next(direction, provider)!;
    install(next.epoch, next.suite, next.secret);
    next.secret.fill(0);
    return next.epoch;
  }

  /**
   * The peer's KeyUpdate (RFC 9147 §8): it must come in the current read
   * epoch (a second one before our ACK of the first is refused) and leave an
   * epoch to move to. Returns whether it asks us to update too.
   */
  checkKeyUpdate(msg: HandshakeMessage): boolean {
    const r = new Reader(msg.body);
    const ku = decodeKeyUpdate(r);
    r.end('KeyUpdate');
    if (msg.epoch !== this.epoch('read')) throw new HandshakeError('ERR_DTLS_BAD_KEY_UPDATE', 'KeyUpdate outside the current read epoch', 'unexpected_message');
    if (msg.epoch + 1 > MAX_EPOCH) throw new DtlsError('ERR_DTLS_EPOCH_EXHAUSTED', 'no epoch left for a KeyUpdate', 'internal_error');
    return ku.requestUpdate === KeyUpdateRequest.update_requested;
  }

  wipe(): void {
    this.current.read?.secret.fill(0);
    this.current.write?.secret.fill(0);
    this.current = {};
  }
}
