/**
 * Compare two byte strings in time that depends only on their lengths, not
 * on where they differ. Different lengths compare unequal (lengths are not
 * secret).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
