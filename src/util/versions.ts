/**
 * True when the version `have` (its numbers, most significant first) is `min` or newer. Parts
 * are compared in order; a part `have` lacks counts as 0, and a part that is not a number
 * (NaN) is never enough. The one comparison behind every "needs tool X.Y or newer" check.
 */
export function versionAtLeast(have: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    const part = have[i] ?? 0;
    if (part !== min[i]) return part > min[i]!;
  }
  return true;
}
