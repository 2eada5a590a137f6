/**
 * Typed errors. Every error thrown by puredtls is a {@link DtlsError} with a
 * stable `code`; handshake failures also carry the alert that was (or would
 * be) sent. `alertFor(err)` is the only place that picks an alert.
 */

/**
 * TLS alert descriptions (RFC 5246 §7.2, RFC 6347, RFC 7301, RFC 4279, RFC 8446 §6, RFC 9147 §9): alert
 * name → the number on the wire. {@link DtlsError.alert} holds the name.
 *
 * @example
 * ```ts
 * import { AlertDescription } from 'puredtls';
 *
 * AlertDescription.unknown_ca; // 48
 * ```
 */
export const AlertDescription = Object.freeze({
  /** The sender closes the connection (not an error). */
  close_notify: 0,
  /** A message arrived that the protocol state does not allow. */
  unexpected_message: 10,
  /** A record failed authentication. */
  bad_record_mac: 20,
  /** A record was longer than allowed. */
  record_overflow: 22,
  /** No acceptable set of security parameters, or another handshake failure. */
  handshake_failure: 40,
  /** A certificate was corrupt, or failed verification. */
  bad_certificate: 42,
  /** A certificate of an unsupported type, or whose key or usage does not fit. */
  unsupported_certificate: 43,
  /** A certificate was revoked by its signer. */
  certificate_revoked: 44,
  /** A certificate has expired or is not yet valid. */
  certificate_expired: 45,
  /** Another certificate problem made it unacceptable. */
  certificate_unknown: 46,
  /** A field of the handshake was out of range or inconsistent. */
  illegal_parameter: 47,
  /** The certificate chain does not lead to a trusted CA. */
  unknown_ca: 48,
  /** The peer is authenticated but not allowed in. */
  access_denied: 49,
  /** A message could not be decoded. */
  decode_error: 50,
  /** A handshake signature, Finished message or key did not verify. */
  decrypt_error: 51,
  /** DTLS 1.3: the peer asked for more connection IDs than we hand out (RFC 9147 §9). */
  too_many_cids_requested: 52,
  /** The protocol version offered is not supported. */
  protocol_version: 70,
  /** The peer requires stronger cipher suites than offered. */
  insufficient_security: 71,
  /** A local error unrelated to the peer. */
  internal_error: 80,
  /** The handshake is canceled by the application. */
  user_canceled: 90,
  /** Renegotiation is refused. */
  no_renegotiation: 100,
  /** (D)TLS 1.3: a mandatory extension is missing (RFC 8446 §4.2). */
  missing_extension: 109,
  /** An extension in a ServerHello that the client did not offer (RFC 5246 §7.4.1.4). */
  unsupported_extension: 110,
  /** The server name asked for (SNI) is not served (RFC 6066). */
  unrecognized_name: 112,
  /** The PSK identity is unknown (RFC 4279). */
  unknown_psk_identity: 115,
  /** (D)TLS 1.3: the server requires a client certificate and got none (RFC 8446 §4.4.2.4). */
  certificate_required: 116,
  /** No ALPN protocol in common (RFC 7301). */
  no_application_protocol: 120,
} as const);

/**
 * The name of a TLS alert, e.g. `'handshake_failure'`: the type of
 * {@link DtlsError.alert}.
 *
 * @example
 * ```ts
 * import { DtlsError, type AlertName } from 'puredtls';
 *
 * declare const err: unknown; // e.g. what a `catch` caught
 * const alert: AlertName | undefined = err instanceof DtlsError ? err.alert : undefined;
 * ```
 */
export type AlertName = keyof typeof AlertDescription;

const alertNames = new Map<number, AlertName>(
  (Object.entries(AlertDescription) as [AlertName, number][]).map(([k, v]) => [v, k]),
);

/** Name of an alert description, or its number in hex when unknown. */
export function alertName(value: number): string {
  return alertNames.get(value) ?? `alert(0x${value.toString(16).padStart(2, '0')})`;
}

/**
 * Base class of every error puredtls raises for a connection: a stable `code`
 * (`ERR_DTLS_...`, all listed in docs/errors.md) and, where there is one, the
 * TLS `alert` sent or received.
 *
 * @example
 * ```ts
 * import { DtlsError, type Server } from 'puredtls';
 *
 * declare const server: Server;
 * server.on('error', (err, info) => {
 *   if (err instanceof DtlsError) console.error(info, err.code, err.alert, err.message);
 * });
 * ```
 */
export class DtlsError extends Error {
  /**
   * `instanceof DtlsError` is also true for the `TypeError`s and `RangeError`s
   * that name a wrong option (code `ERR_DTLS_INVALID_OPTION`, or
   * `ERR_DTLS_NO_CIPHERS`): they keep the built-in class, as Node's own option
   * errors do, and are puredtls errors all the same.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value)
      || (this === DtlsError && typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[OPTION_ERROR] === true);
  }

  /** Stable machine-readable code, `ERR_DTLS_...`. */
  readonly code: string;
  /** The alert sent to (or received from) the peer, when there is one. */
  readonly alert?: AlertName;
  constructor(code: string, message: string, alert?: AlertName, options?: { cause?: unknown }) {
    super(message, options);
    // A literal, not new.target.name: minifiers rename classes (err.name must stay 'CertificateError').
    this.name = 'DtlsError';
    this.code = code;
    if (alert !== undefined) this.alert = alert;
  }
}

/**
 * Malformed wire data. Decoders throw only this. Code `ERR_DTLS_DECODE`,
 * alert `decode_error`.
 *
 * @example
 * ```ts
 * import { DecodeError, type ClientConnection } from 'puredtls';
 *
 * declare const client: ClientConnection;
 * client.on('error', (err) => { if (err instanceof DecodeError) console.error('the server sent garbage'); });
 * ```
 */
export class DecodeError extends DtlsError {
  constructor(message: string) {
    super('ERR_DTLS_DECODE', message, 'decode_error');
    this.name = 'DecodeError';
  }
}

/**
 * A handshake message arrived that the current state does not accept. Code
 * `ERR_DTLS_UNEXPECTED_MESSAGE`, alert `unexpected_message`.
 *
 * @example
 * ```ts
 * import { UnexpectedMessageError } from 'puredtls';
 *
 * declare const err: unknown; // e.g. from the `error` event
 * if (err instanceof UnexpectedMessageError) console.error(`got ${err.got}, expected ${err.expected.join(' or ')}`);
 * ```
 */
export class UnexpectedMessageError extends DtlsError {
  /** The handshake messages the state accepts, e.g. `['server_hello']` (may be empty). */
  readonly expected: readonly string[];
  /** The handshake message that arrived, e.g. `'certificate'`. */
  readonly got: string;
  constructor(expected: readonly string[], got: string) {
    super('ERR_DTLS_UNEXPECTED_MESSAGE', `unexpected ${got}, expected ${expected.join(' or ')}`, 'unexpected_message');
    this.name = 'UnexpectedMessageError';
    this.expected = expected;
    this.got = got;
  }
}

/**
 * The handshake failed locally: negotiation (no shared cipher, a missing
 * extension) or verification (a signature, a Finished message). Its `code`
 * says which; its `alert` is the alert sent to the peer.
 *
 * @example
 * ```ts
 * import { HandshakeError, connectAsync } from 'puredtls';
 *
 * declare const host: string, port: number, ca: Buffer;
 * try {
 *   await connectAsync({ host, port, ca });
 * } catch (err) {
 *   if (err instanceof HandshakeError && err.code === 'ERR_DTLS_NO_SHARED_CIPHER') console.error('check "ciphers"');
 * }
 * ```
 */
export class HandshakeError extends DtlsError {
  constructor(code: string, message: string, alert: AlertName, options?: { cause?: unknown }) {
    super(code, message, alert, options);
    this.name = 'HandshakeError';
  }
}

/**
 * The peer sent a fatal alert (or a warning alert during the handshake). Code
 * `ERR_DTLS_ALERT_RECEIVED`; `alert` is the alert's name.
 *
 * @example
 * ```ts
 * import { AlertReceivedError, connectAsync } from 'puredtls';
 *
 * declare const host: string, port: number, ca: Buffer, key: Buffer, cert: Buffer;
 * try {
 *   await connectAsync({ host, port, ca, key, cert });
 * } catch (err) {
 *   if (err instanceof AlertReceivedError && err.alert === 'unknown_ca') console.error('the server does not trust our certificate');
 * }
 * ```
 */
export class AlertReceivedError extends DtlsError {
  /** The alert level: 2 fatal, 1 warning. */
  readonly level: number;
  constructor(level: number, description: number) {
    const name = alertName(description);
    super('ERR_DTLS_ALERT_RECEIVED', `peer sent ${level === 2 ? 'fatal' : 'warning'} alert ${name}`,
      alertNames.get(description));
    this.name = 'AlertReceivedError';
    this.level = level;
  }
}

/**
 * The handshake did not finish within `handshakeTimeout`, or a flight went
 * unanswered `maxRetransmits` times. Code `ERR_DTLS_HANDSHAKE_TIMEOUT`; no alert.
 *
 * @example
 * ```ts
 * import { HandshakeTimeoutError, connectAsync } from 'puredtls';
 *
 * declare const host: string, port: number;
 * const c = await connectAsync({ host, port, handshakeTimeout: 5000 }).catch((err: unknown) => {
 *   if (err instanceof HandshakeTimeoutError) console.error('no answer from the server');
 *   throw err;
 * });
 * ```
 */
export class HandshakeTimeoutError extends DtlsError {
  constructor(ms: number) {
    super('ERR_DTLS_HANDSHAKE_TIMEOUT', `handshake did not complete within ${ms} ms`);
    this.name = 'HandshakeTimeoutError';
  }
}

/**
 * Certificate verification failed: `code` says why (`ERR_DTLS_CERT_UNTRUSTED`,
 * `ERR_DTLS_CERT_EXPIRED`, `ERR_DTLS_CERT_NAME_MISMATCH` ...), `alert` is the
 * alert sent. It is also what `authorizationError` holds when the application
 * chose not to reject unverified peers.
 *
 * @example
 * ```ts
 * import { CertificateError, type Server } from 'puredtls';
 *
 * declare const server: Server;
 * server.on('secureConnection', (peer) => {
 *   const err = peer.authorizationError; // with requestCert and rejectUnauthorized: false
 *   if (err instanceof CertificateError) console.log('unverified client:', err.code);
 * });
 * ```
 */
export class CertificateError extends DtlsError {
  constructor(code: string, message: string, alert: AlertName = 'bad_certificate') {
    super(code, message, alert);
    this.name = 'CertificateError';
  }
}

/**
 * Invalid key or certificate material given in the options (bad PEM or DER,
 * an unsupported key type, a key that does not match its certificate). Thrown
 * by `createServer` and `connect`. Code `ERR_DTLS_INVALID_KEY`; no alert.
 *
 * @example
 * ```ts
 * import { KeyError, createServer } from 'puredtls';
 *
 * declare const otherKey: Buffer, cert: Buffer;
 * try {
 *   createServer({ key: otherKey, cert });
 * } catch (err) {
 *   if (err instanceof KeyError) console.error(err.message); // '"key" does not match the certificate in "cert"'
 * }
 * ```
 */
export class KeyError extends DtlsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_DTLS_INVALID_KEY', message, undefined, options);
    this.name = 'KeyError';
  }
}

/**
 * Operation on a connection that is closed (or not established yet). Code
 * `ERR_DTLS_CLOSED`; no alert.
 *
 * @example
 * ```ts
 * import { ClosedError, type Peer } from 'puredtls';
 *
 * declare const peer: Peer;
 * try {
 *   peer.send('late');
 * } catch (err) {
 *   if (err instanceof ClosedError) console.log('the peer is gone');
 * }
 * ```
 */
export class ClosedError extends DtlsError {
  constructor(message = 'connection is closed') {
    super('ERR_DTLS_CLOSED', message);
    this.name = 'ClosedError';
  }
}

const OPTION_ERROR = Symbol.for('puredtls.optionError');

/**
 * Run the resolution of options: a `TypeError` or `RangeError` it throws is
 * marked as a puredtls error (`instanceof DtlsError`, code
 * `ERR_DTLS_INVALID_OPTION` unless it has a code) and rethrown.
 */
export function resolvingOptions<T>(resolve: () => T): T {
  try {
    return resolve();
  } catch (err) {
    if ((err instanceof TypeError || err instanceof RangeError) && !Object.hasOwn(err, OPTION_ERROR)) {
      Object.defineProperty(err, OPTION_ERROR, { value: true });
      if ((err as { code?: unknown }).code === undefined) Object.assign(err, { code: 'ERR_DTLS_INVALID_OPTION' });
    }
    throw err;
  }
}

/**
 * Any thrown value as a {@link DtlsError}: itself when it is one, else
 * `ERR_DTLS_INTERNAL` (alert `internal_error`) with the value as `cause` — an
 * exception of puredtls itself, of a crypto provider (a runtime whose
 * node:crypto lacks a cipher, a custom provider's bug) or of a callback.
 */
export function toDtlsError(err: unknown): DtlsError {
  if (err instanceof DtlsError) return err;
  return new DtlsError('ERR_DTLS_INTERNAL', String((err as Error)?.message ?? err), 'internal_error', { cause: err });
}

/** The alert to send for an error raised during a handshake. */
export function alertFor(err: unknown): AlertName {
  if (err instanceof DtlsError && err.alert !== undefined) return err.alert;
  return 'internal_error';
}
