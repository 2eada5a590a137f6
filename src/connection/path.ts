/**
 * Return routability checks for Connection IDs (RFC 9853 over RFC 9146 §6):
 * a path_challenge to a candidate address of the peer, and the answers to
 * the peer's challenges. Pure: the association seals and sends.
 *
 * @module
 */
import { constantTimeEqual } from '../crypto/ct.js';
import type { CryptoProvider } from '../crypto/provider.js';

/** return_routability_check message types (RFC 9853 §5). */
export const RrcMessageType = Object.freeze({ path_challenge: 0, path_response: 1, path_drop: 2 });

/** What an incoming return_routability_check record asks for. */
export type RrcVerdict =
  | { readonly kind: 'respond'; readonly body: Uint8Array }
  | { readonly kind: 'validated' }
  /** Not for this check (a stale or foreign path_response, or a type we do not send): ignored. */
  | { readonly kind: 'ignore' }
  /** Malformed, or the check was not negotiated: dropped and counted. */
  | { readonly kind: 'drop' };

/** One association's side of the return routability check. */
export class PathValidator {
  /** Both sides negotiated the check (the `rrc` extension). */
  enabled = false;
  private cookie: Uint8Array | undefined;

  /** A path_challenge body with a fresh 8-byte cookie; the previous challenge is forgotten. */
  challenge(provider: CryptoProvider): Uint8Array {
    this.cookie = provider.randomBytes(8);
    return message(RrcMessageType.path_challenge, this.cookie);
  }

  /** An authenticated return_routability_check record's content. */
  onMessage(data: Uint8Array): RrcVerdict {
    if (!this.enabled || data.length !== 9) return { kind: 'drop' };
    const type = data[0]!;
    const cookie = data.subarray(1);
    if (type === RrcMessageType.path_challenge) return { kind: 'respond', body: message(RrcMessageType.path_response, cookie) };
    if (type === RrcMessageType.path_response && this.cookie && constantTimeEqual(cookie, this.cookie)) {
      this.cookie = undefined;
      return { kind: 'validated' };
    }
    return { kind: 'ignore' };
  }
}

function message(type: number, cookie: Uint8Array): Uint8Array {
  const body = new Uint8Array(1 + cookie.length);
  body[0] = type;
  body.set(cookie, 1);
  return body;
}
