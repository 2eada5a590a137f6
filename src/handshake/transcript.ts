import type { CryptoProvider, HashAlg } from '../crypto/provider.js';
import { fullMessage } from './header.js';

/**
 * The handshake transcript: each message as if it had been sent unfragmented
 * (S-25). The initial ClientHello and HelloVerifyRequest are never added
 * (S-17). Kept as bytes because the hash is only known after the ServerHello
 * and CertificateVerify signs the messages themselves.
 */
export class Transcript {
  private chunks: Uint8Array[] = [];
  private total = 0;

  add(msgType: number, messageSeq: number, body: Uint8Array): void {
    const m = fullMessage(msgType, messageSeq, body);
    this.chunks.push(m);
    this.total += m.length;
  }

  /** All messages so far, concatenated. */
  bytes(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.total);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    this.chunks = [out];
    return out;
  }

  hash(provider: CryptoProvider, alg: HashAlg): Uint8Array {
    return provider.hash(alg, this.bytes());
  }

  /** Free the messages once the handshake is over. */
  clear(): void {
    this.chunks = [];
    this.total = 0;
  }
}
