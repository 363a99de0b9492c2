// "Did you mean …?": the candidate nearest to a name that matched nothing.

/** Levenshtein distance between two strings (by UTF-16 unit: names are short). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

/**
 * The candidate closest to `name`: the same letters in another case first, else the nearest at
 * most two edits away (one for names of four characters or fewer, where two edits is another
 * word). Ties go to the first in ordinal order, so the answer is the same on every machine.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const sorted = [...candidates].filter((c) => c !== name).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const sameLetters = sorted.find((c) => c.toLowerCase() === name.toLowerCase());
  if (sameLetters) return sameLetters;
  const limit = name.length <= 4 ? 1 : 2;
  let best: { name: string; distance: number } | undefined;
  for (const c of sorted) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d <= limit && (!best || d < best.distance)) best = { name: c, distance: d };
  }
  return best?.name;
}
