/**
 * Typed errors. Every error thrown by puredtls is a {@link DtlsError} with a
 * stable `code`; handshake failures also carry the alert that was (or would
 * be) sent. `alertFor(err)` is the only place that picks an alert.
 */

/** TLS alert descriptions (RFC 5246 §7.2, RFC 6347, RFC 7301, RFC 4279). */
export const AlertDescription = Object.freeze({
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  user_canceled: 90,
  no_renegotiation: 100,
  unsupported_extension: 110,
  unrecognized_name: 112,
  unknown_psk_identity: 115,
  no_application_protocol: 120,
} as const);

export type AlertName = keyof typeof AlertDescription;

const alertNames = new Map<number, AlertName>(
  (Object.entries(AlertDescription) as [AlertName, number][]).map(([k, v]) => [v, k]),
);

/** Name of an alert description, or its number in hex when unknown. */
export function alertName(value: number): string {
  return alertNames.get(value) ?? `alert(0x${value.toString(16).padStart(2, '0')})`;
}

/** Base class of every error puredtls raises. */
export class DtlsError extends Error {
  /** Stable machine-readable code, `ERR_DTLS_...`. */
  readonly code: string;
  /** The alert sent to (or received from) the peer, when there is one. */
  readonly alert?: AlertName;
  constructor(code: string, message: string, alert?: AlertName, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    if (alert !== undefined) this.alert = alert;
  }
}

/** Malformed wire data. Decoders throw only this. */
export class DecodeError extends DtlsError {
  constructor(message: string) {
    super('ERR_DTLS_DECODE', message, 'decode_error');
  }
}

/** A handshake message arrived that the current state does not accept. */
export class UnexpectedMessageError extends DtlsError {
  readonly expected: readonly string[];
  readonly got: string;
  constructor(expected: readonly string[], got: string) {
    super('ERR_DTLS_UNEXPECTED_MESSAGE', `unexpected ${got}, expected ${expected.join(' or ')}`, 'unexpected_message');
    this.expected = expected;
    this.got = got;
  }
}

/** The handshake failed locally (negotiation, verification). */
export class HandshakeError extends DtlsError {
  constructor(code: string, message: string, alert: AlertName, options?: { cause?: unknown }) {
    super(code, message, alert, options);
  }
}

/** The peer sent a fatal alert. */
export class AlertReceivedError extends DtlsError {
  readonly level: number;
  constructor(level: number, description: number) {
    const name = alertName(description);
    super('ERR_DTLS_ALERT_RECEIVED', `peer sent ${level === 2 ? 'fatal' : 'warning'} alert ${name}`,
      alertNames.get(description));
    this.level = level;
  }
}

/** The handshake did not finish within `handshakeTimeout`. */
export class HandshakeTimeoutError extends DtlsError {
  constructor(ms: number) {
    super('ERR_DTLS_HANDSHAKE_TIMEOUT', `handshake did not complete within ${ms} ms`);
  }
}

/** Certificate verification failed. */
export class CertificateError extends DtlsError {
  constructor(code: string, message: string, alert: AlertName = 'bad_certificate') {
    super(code, message, alert);
  }
}

/** Invalid key or certificate material given in the options. */
export class KeyError extends DtlsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_DTLS_INVALID_KEY', message, undefined, options);
  }
}

/** Operation on a connection that is closed. */
export class ClosedError extends DtlsError {
  constructor(message = 'connection is closed') {
    super('ERR_DTLS_CLOSED', message);
  }
}

/** The alert to send for an error raised during a handshake. */
export function alertFor(err: unknown): AlertName {
  if (err instanceof DtlsError && err.alert !== undefined) return err.alert;
  return 'internal_error';
}
