/**
 * The handshake machine of an association restored from a saved state
 * (src/persist): there is no handshake to run, only what it negotiated to
 * tell. Every handshake message is unexpected (DTLS 1.2's connection refuses
 * a renegotiating ClientHello before asking it; DTLS 1.3's handles KeyUpdate
 * itself).
 *
 * @module
 */
import type { Negotiated13 } from '../dtls13/driver.js';
import { UnexpectedMessageError } from '../errors.js';
import type { Negotiated } from '../handshake/common.js';
import type { HandshakeMessage } from '../handshake/reassembler.js';
import { HandshakeTypes } from '../handshake/registry.js';

/** A machine in its final state, holding what the saved handshake negotiated. */
export class RestoredMachine<N extends Negotiated | Negotiated13 = Negotiated | Negotiated13> {
  readonly stateName = 'restored';
  readonly accepts: readonly number[] = [];
  readonly peerMessageTypes: readonly number[] = [];
  readonly expectsChangeCipherSpec = false;

  constructor(readonly negotiated: N) {}

  handleMessage(msg: HandshakeMessage): void {
    throw new UnexpectedMessageError([], HandshakeTypes.nameOf(msg.msgType));
  }

  handlePostHandshake(msg: HandshakeMessage): void {
    throw new UnexpectedMessageError([], HandshakeTypes.nameOf(msg.msgType));
  }

  handleChangeCipherSpec(): void {
    throw new UnexpectedMessageError([], 'change_cipher_spec');
  }

  wipe(): void {}
}
