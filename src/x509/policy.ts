/**
 * Certificate policy processing (RFC 5280 §6.1.2 (a), (d)-(f), §6.1.3 (d)-(f),
 * §6.1.4 (a)-(b), (h)-(j), §6.1.5 (a)-(b), (g)) with the inputs a TLS peer
 * uses: user-initial-policy-set = {anyPolicy}, initial-explicit-policy,
 * initial-policy-mapping-inhibit and initial-any-policy-inhibit all false
 * (OpenSSL's defaults). Policies only decide validity when a certificate's
 * policyConstraints requires an explicit policy; then the valid_policy_tree
 * must not become empty. This computes exactly that, keeping per depth the
 * valid policies and their expected policy sets (the tree's nodes of one
 * depth with the same valid_policy are interchangeable for that question),
 * so its size stays linear in the number of policies.
 */
import type { ParsedCertificate } from './certificate.js';

const ANY_POLICY = '2.5.29.32.0';

/**
 * Why `path` (leaf first, anchor last) fails policy processing, or
 * `undefined`. The trust anchor is input, not processed (RFC 5280 §6.1).
 */
export function policyFailure(path: readonly ParsedCertificate[]): string | undefined {
  const n = path.length - 1; // certificates 1..n below the anchor; certificate i is path[n - i]
  // Stryker disable next-line ConditionalExpression,EqualityOperator: with n = 0 the loop does not run and the initial tree (anyPolicy) is never empty
  if (n <= 0) return undefined;
  let explicitPolicy = n + 1;
  // Stryker disable next-line ArithmeticOperator: policyMapping is only read for certificates 1..n-1 (mappings of the last one are not processed), where n - 1 - (i - 1) is still > 0
  let policyMapping = n + 1;
  let inhibitAnyPolicy = n + 1;
  // valid policy → expected policy set, for the nodes of the current depth; undefined = NULL tree
  let tree: Map<string, Set<string>> | undefined = new Map([[ANY_POLICY, new Set([ANY_POLICY])]]);
  for (let i = 1; i <= n; i++) {
    const c = path[n - i]!;
    const last = i === n;
    const policies = c.certificatePolicies;
    if (tree !== undefined && policies !== undefined) {
      const next = new Map<string, Set<string>>();
      const hasAnyNode = tree.has(ANY_POLICY);
      for (const p of policies) {
        if (p === ANY_POLICY) continue;
        if ([...tree.values()].some((expected) => expected.has(p)) || hasAnyNode) next.set(p, new Set([p]));
      }
      if (policies.includes(ANY_POLICY) && (inhibitAnyPolicy > 0 || (!last && c.selfIssued))) {
        // A node already there has the same expected set {e}: setting it again changes nothing.
        for (const expected of tree.values()) for (const e of expected) next.set(e, new Set([e]));
      }
      tree = next.size > 0 ? next : undefined;
    } else {
      tree = undefined; // §6.1.3 (e)
    }
    if (explicitPolicy <= 0 && tree === undefined) return `no valid policy at certificate ${i} of the path while an explicit policy is required (RFC 5280 §6.1.3 (f))`;
    if (last) break;
    // Preparation for the next certificate (§6.1.4).
    // Stryker disable next-line ArrayDeclaration: a string's characters are no anyPolicy
    for (const [from, to] of c.policyMappings ?? []) {
      if (from === ANY_POLICY || to === ANY_POLICY) return 'a policy mapping maps from or to anyPolicy (RFC 5280 §6.1.4 (a))';
    }
    if (tree !== undefined && c.policyMappings !== undefined) {
      const mapped = new Map<string, Set<string>>();
      for (const [from, to] of c.policyMappings) mapped.set(from, (mapped.get(from) ?? new Set()).add(to));
      for (const [from, targets] of mapped) {
        if (policyMapping > 0) {
          if (tree.has(from)) {
            tree.set(from, targets);
          } else {
            // Stryker disable next-line ConditionalExpression,CallExpression: §6.1.4 (b)(1) kept as written, but it never changes the verdict: the anyPolicy node it hangs from stays in the tree and accepts every policy of the next certificate (§6.1.3 (d)(1)(ii))
            if (tree.has(ANY_POLICY)) tree.set(from, targets);
          }
        } else {
          tree.delete(from);
        }
      }
      // Stryker disable next-line ConditionalExpression: an empty tree becomes undefined at the next certificate, before anything reads it
      if (tree.size === 0) tree = undefined;
    }
    // §6.1.4 (h): "if not 0, decrement by 1"; the counters are only ever compared with 0 (and the
    // minimum taken with a non-negative value), so below 0 they act as 0 and need no floor.
    if (!c.selfIssued) {
      explicitPolicy--;
      policyMapping--;
      inhibitAnyPolicy--;
    }
    const pc = c.policyConstraints;
    if (pc?.requireExplicitPolicy !== undefined) explicitPolicy = Math.min(explicitPolicy, pc.requireExplicitPolicy);
    if (pc?.inhibitPolicyMapping !== undefined) policyMapping = Math.min(policyMapping, pc.inhibitPolicyMapping);
    if (c.inhibitAnyPolicy !== undefined) inhibitAnyPolicy = Math.min(inhibitAnyPolicy, c.inhibitAnyPolicy);
  }
  // Wrap-up (§6.1.5).
  explicitPolicy--; // §6.1.5 (a), as above
  if (path[0]!.policyConstraints?.requireExplicitPolicy === 0) explicitPolicy = 0;
  if (explicitPolicy <= 0 && tree === undefined) return 'the path has no valid policy while an explicit policy is required (RFC 5280 §6.1.5 (g))';
  return undefined;
}
