/**
 * Policy processing (src/x509/policy.ts, RFC 5280 §6.1) on paths described
 * by their policy fields only: which path has a valid policy when one is
 * required, counted certificate by certificate (skipCerts of
 * requireExplicitPolicy, inhibitPolicyMapping and inhibitAnyPolicy, with
 * self-issued certificates not counted), and the failure messages. The
 * verdicts are worked out from the RFC's algorithm in each comment.
 * validation-rules.test.ts has the same rules on real certificates.
 */
import { describe, expect, it } from 'vitest';
import type { ParsedCertificate } from '../../src/x509/certificate.js';
import { policyFailure } from '../../src/x509/policy.js';

const ANY = '2.5.29.32.0';
const P1 = '1.3.6.1.4.1.55738.1.1';
const P2 = '1.3.6.1.4.1.55738.1.2';
const P3 = '1.3.6.1.4.1.55738.1.3';

interface Fields { policies?: string[]; maps?: [string, string][]; req?: number; inh?: number; anyInhibit?: number; self?: boolean }
/** A certificate with these policy fields (the only ones policyFailure reads). */
const cert = (f: Fields = {}): ParsedCertificate => ({
  certificatePolicies: f.policies,
  policyMappings: f.maps,
  policyConstraints: f.req === undefined && f.inh === undefined ? undefined : { requireExplicitPolicy: f.req, inhibitPolicyMapping: f.inh },
  inhibitAnyPolicy: f.anyInhibit,
  selfIssued: f.self ?? false,
}) as unknown as ParsedCertificate;
const ANCHOR = cert();
/** policyFailure of the path given from the top CA down to the leaf (the anchor added above). */
const run = (...topDown: Fields[]): string | undefined => policyFailure([...topDown.map(cert)].reverse().concat(ANCHOR));
const atCert = (i: number) => `no valid policy at certificate ${i} of the path while an explicit policy is required (RFC 5280 §6.1.3 (f))`;
const WRAP_UP = 'the path has no valid policy while an explicit policy is required (RFC 5280 §6.1.5 (g))';

describe('policyFailure', () => {
  it('a pinned certificate alone has nothing to process', () => {
    expect(policyFailure([cert({ req: 0 })])).toBeUndefined();
  });

  it('anyPolicy in the end entity stands for the policies above it (inhibitAnyPolicy starts at n + 1)', () => {
    expect(run({ policies: [P1], req: 0 }, { policies: [ANY] })).toBeUndefined();
    expect(run({ policies: [P1], req: 0 }, { policies: [P2] })).toBe(atCert(2));
  });

  it('a policy is valid when it is in any of the expected policy sets', () => {
    expect(run({ policies: [P1, P2], req: 0 }, { policies: [P1] })).toBeUndefined();
    expect(run({ policies: [P1, P2], req: 0 }, { policies: [P2] })).toBeUndefined();
  });

  it('anyPolicy in a CA expands to the policies above it, each expecting itself', () => {
    expect(run({ policies: [P1], req: 0 }, { policies: [ANY] }, { policies: [P1] })).toBeUndefined();
    expect(run({ policies: [P1], req: 0 }, { policies: [ANY] }, { policies: [P2] })).toBe(atCert(3));
  });

  it('inhibitAnyPolicy 0: anyPolicy still counts in a self-issued CA below, not in another CA nor in the end entity', () => {
    expect(run({ policies: [P1], req: 0, anyInhibit: 0 }, { policies: [ANY], self: true }, { policies: [P1] })).toBeUndefined();
    expect(run({ policies: [P1], req: 0, anyInhibit: 0 }, { policies: [ANY] }, { policies: [P1] })).toBe(atCert(2));
    expect(run({ policies: [P1], req: 0, anyInhibit: 0 }, { policies: [ANY], self: true })).toBe(atCert(2));
    // inhibitAnyPolicy 1 skips one certificate: the next CA's anyPolicy counts, the one after does not.
    expect(run({ policies: [P1], req: 0, anyInhibit: 1 }, { policies: [ANY] }, { policies: [P1] })).toBeUndefined();
    expect(run({ policies: [P1], req: 0, anyInhibit: 1 }, { policies: [P1] }, { policies: [ANY] }, { policies: [P1] })).toBe(atCert(3));
    // ...unless the certificate between is self-issued (not counted).
    expect(run({ policies: [P1], req: 0, anyInhibit: 1 }, { policies: [P1], self: true }, { policies: [ANY] }, { policies: [P1] })).toBeUndefined();
  });

  it('a mapping applies to the issuer-domain policy in the tree only; never from or to anyPolicy', () => {
    expect(run({ policies: [P1], req: 0, maps: [[P1, P2]] }, { policies: [P2] })).toBeUndefined();
    expect(run({ policies: [P1], req: 0, maps: [[P3, P2]] }, { policies: [P2] })).toBe(atCert(2));
    expect(run({ policies: [P1], maps: [[ANY, P2]] }, { policies: [P2] })).toBe('a policy mapping maps from or to anyPolicy (RFC 5280 §6.1.4 (a))');
    expect(run({ policies: [P1], maps: [[P1, ANY]] }, { policies: [P1] })).toBe('a policy mapping maps from or to anyPolicy (RFC 5280 §6.1.4 (a))');
    // Mappings under a NULL tree are ignored (nothing requires a policy here).
    expect(run({}, { maps: [[P1, P2]] }, {})).toBeUndefined();
  });

  it('inhibitPolicyMapping 0 deletes the mapped policy below; 1 lets one more CA map', () => {
    expect(run({ policies: [P1], req: 0, inh: 0 }, { policies: [P1], maps: [[P1, P2]] }, { policies: [P1] })).toBe(atCert(3));
    expect(run({ policies: [P1], req: 0, inh: 0 }, { policies: [P1], maps: [[P1, P2]] }, { policies: [P2] })).toBe(atCert(3));
    expect(run({ policies: [P1], req: 0, inh: 1 }, { policies: [P1], maps: [[P1, P2]] }, { policies: [P2] })).toBeUndefined();
    expect(run({ policies: [P1], req: 0, inh: 1 }, { policies: [P1] }, { policies: [P1], maps: [[P1, P2]] }, { policies: [P1] })).toBe(atCert(4));
    expect(run({ policies: [P1], req: 0, inh: 1 }, { policies: [P1] }, { policies: [P1], maps: [[P1, P2]] }, { policies: [P2] })).toBe(atCert(4));
    expect(run({ policies: [P1], req: 0, inh: 1 }, { policies: [P1], self: true }, { policies: [P1], maps: [[P1, P2]] }, { policies: [P2] })).toBeUndefined();
  });

  it('requireExplicitPolicy skipCerts counts the non-self-issued certificates below', () => {
    // skipCerts 2 from CA1: CA2 and CA3 count, the leaf needs a policy.
    expect(run({ policies: [P1], req: 2 }, { policies: [P1] }, { policies: [P1] }, {})).toBe(atCert(4));
    expect(run({ policies: [P1], req: 2 }, { policies: [P1] }, { policies: [P1] }, { policies: [P1] })).toBeUndefined();
    // Two self-issued CAs do not count: the count ends at the wrap-up, still 1 → 0 there is not reached.
    expect(run({ policies: [P1], req: 2 }, { policies: [P1], self: true }, { policies: [P1], self: true }, {})).toBeUndefined();
    // skipCerts 1 and no policy in the leaf: the wrap-up's decrement reaches 0.
    expect(run({ policies: [P1], req: 1 }, {})).toBe(WRAP_UP);
    expect(run({ policies: [P1], req: 2 }, {})).toBeUndefined();
  });

  it("the end entity's own requireExplicitPolicy 0 applies at the wrap-up", () => {
    expect(run({ policies: [P1] }, { req: 0 })).toBe(WRAP_UP);
    expect(run({ policies: [P1] }, { req: 0, policies: [P1] })).toBeUndefined();
    expect(run({ policies: [P1] }, { req: 1 })).toBeUndefined();
  });
});
