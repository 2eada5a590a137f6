/**
 * Misbehaving peers without seams in the handshake code: a genuine state
 * machine drives a connection through a driver that lets a test rewrite,
 * drop, insert or reorder what the machine sends. What the wrapper lets
 * through goes into the transcript as sent, so a Finished the machine
 * computes afterwards covers what the peer actually received (as a
 * hand-scripted peer would compute it).
 */
import type { Connection } from '../../src/connection/connection.js';
import type { HandshakeDriver } from '../../src/handshake/driver.js';

/** What an interceptor may do besides returning a message: send more, send the held ChangeCipherSpec, read the transcript. */
export interface Outbox {
  /** Queue a handshake message (it goes into the transcript). */
  send(type: number, body: Uint8Array): void;
  /** Queue our ChangeCipherSpec now (and switch the write epoch). */
  changeCipherSpec(): void;
  /** The transcript so far: what a CertificateVerify signs. */
  transcript(): Uint8Array;
}

export interface Interceptor {
  /** A handshake message the machine sends: the body to send instead, or `null` to send nothing. */
  message?(type: number, body: Uint8Array, out: Outbox): Uint8Array | null;
  /** The machine sends its ChangeCipherSpec: return false to hold it back (send it later with `out.changeCipherSpec()`). */
  changeCipherSpec?(out: Outbox): boolean;
}

/** A driver for a genuine machine whose outgoing messages `i` rewrites. */
export function intercept(d: Connection, i: Interceptor): HandshakeDriver {
  const out: Outbox = {
    send: (type, body) => d.sendMessage(type, body),
    changeCipherSpec: () => d.sendChangeCipherSpec(),
    transcript: () => d.transcript.bytes(),
  };
  return {
    get provider() {
      return d.provider;
    },
    get now() {
      return d.now;
    },
    get transcript() {
      return d.transcript;
    },
    sendMessage(type, body) {
      const b = i.message ? i.message(type, body, out) : body;
      if (b !== null) d.sendMessage(type, b);
    },
    sendUntracked: (type, body) => d.sendUntracked(type, body),
    sendChangeCipherSpec() {
      if (!i.changeCipherSpec || i.changeCipherSpec(out)) d.sendChangeCipherSpec();
    },
    installPendingKeys: (keys) => d.installPendingKeys(keys),
    flushFlight: (last) => d.flushFlight(last),
    suspend: (work, resume) => d.suspend(work, resume),
    secretsReady: (secrets) => d.secretsReady(secrets),
    setConnectionIds: (ours, peers, rrc) => d.setConnectionIds(ours, peers, rrc),
    complete: () => d.complete(),
  };
}
