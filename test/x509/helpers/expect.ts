/** Assertions on `verifyChain` results. */
import { expect } from 'vitest';
import { CertificateError } from '../../../src/errors.js';
import type { VerifyChainResult } from '../../../src/x509/verify.js';

/** The result is a failure with `code` (and `alert`, when given); returns the error. */
export function expectError(r: VerifyChainResult, code: string, alert?: string): CertificateError {
  if (r.ok) throw new Error(`expected ${code}, the chain verified`);
  expect(r.error).toBeInstanceOf(CertificateError);
  expect(r.error.code, r.error.message).toBe(code);
  if (alert !== undefined) expect(r.error.alert).toBe(alert);
  return r.error;
}

/** The result is a success (with a path of `length`, when given). */
export function expectOk(r: VerifyChainResult, length?: number): void {
  if (!r.ok) throw new Error(`expected success, got ${r.error.code}: ${r.error.message}`);
  if (length !== undefined) expect(r.chain).toHaveLength(length);
}
