/**
 * "Did you mean …?" suggestions for misspelt keys, step names, environment names and the like.
 * Kept free of any milvus-migrate specifics so every module that lists what is allowed can reuse it.
 */

/** Levenshtein edit distance (insertions, deletions and substitutions each cost 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // One rolling row: O(min) memory is plenty for key-sized strings.
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `input`, or `undefined` when none is close enough to be a likely typo.
 *
 * Close enough means an edit distance of at most 2, or at most a third of the input's length for
 * long inputs, and always fewer edits than the input has characters (so `"x"` does not "mean"
 * `"up"`). Case is ignored, so `StateCollection` suggests `stateCollection`; `state_collection`
 * is one edit away from `statecollection` and is suggested too. Ties go to the earlier candidate.
 * Failing that, an abbreviation of 3 or more characters suggests the only candidate it starts
 * (`prod` → `production`, but `p` or an ambiguous prefix suggests nothing).
 */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  const limit = Math.min(Math.max(2, Math.floor(needle.length / 3)), needle.length - 1);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(needle, candidate.toLowerCase());
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined || needle.length < 3) return best;
  const extensions = candidates.filter((c) => c.toLowerCase().startsWith(needle));
  return extensions.length === 1 ? extensions[0] : undefined;
}
