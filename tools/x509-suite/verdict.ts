/**
 * The verdict of one validation in a suite run, shared by the limbo and
 * PKITS runners: `verifyChain`'s result, or a failure when the
 * configuration itself (a CRL, a trust anchor, a PEM block) is refused when
 * loaded (`KeyError`). Anything else thrown is a bug and propagates.
 */
import { KeyError } from '../../src/errors.js';
import type { VerifyChainResult } from '../../src/x509/verify.js';

export interface Verdict {
  readonly actual: 'SUCCESS' | 'FAILURE';
  /** `valid path`, puredtls's error code and message, or why the configuration was refused. */
  readonly reason: string;
}

export function verdictOf(validate: () => VerifyChainResult): Verdict {
  try {
    const r = validate();
    return r.ok ? { actual: 'SUCCESS', reason: 'valid path' } : { actual: 'FAILURE', reason: `${r.error.code}: ${r.error.message}` };
  } catch (e) {
    if (!(e instanceof KeyError)) throw e;
    return { actual: 'FAILURE', reason: `refused when loaded: ${e.code}: ${e.message}` };
  }
}
