/**
 * "Did you mean …?" for keys, enum values and ids typed by hand over SSH. Comparison ignores case and
 * `_`/`-`, because the schema mixes camelCase fields (`passwordFile`) with snake_case values (`line_crossing`)
 * and technicians swap the two styles more often than they mistype letters.
 */

/** Largest edit distance still offered as a suggestion: about one typo per three characters, at least one. */
export const DEFAULT_MAX_DISTANCE_RATIO = 1 / 3;

/** Shorter prefixes ("in", "ca") relate to too many words to be a useful suggestion. */
const MIN_PREFIX_CHARS = 3;

function normalize(word: string): string {
  return word.toLowerCase().replace(/[_-]/g, '');
}

/** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions ("lien" → "line" is 1). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate within the typo budget, or undefined when nothing is plausibly meant. */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const wanted = normalize(input);
  let best: { word: string; distance: number } | undefined;
  for (const candidate of candidates) {
    if (candidate === input) continue;
    const distance = editDistance(wanted, normalize(candidate));
    if (best === undefined || distance < best.distance) best = { word: candidate, distance };
  }
  if (best === undefined) return undefined;
  const budget = Math.max(1, Math.floor(Math.max(wanted.length, 1) * DEFAULT_MAX_DISTANCE_RATIO));
  if (best.distance <= budget) return best.word;
  // Otherwise a whole word typed out or cut short: "warning" for "warn", "motor" for "motorcycle".
  const related = candidates
    .filter((c) => {
      const n = normalize(c);
      return Math.min(n.length, wanted.length) >= MIN_PREFIX_CHARS && (n.startsWith(wanted) || wanted.startsWith(n));
    })
    .sort((a, b) => Math.abs(normalize(a).length - wanted.length) - Math.abs(normalize(b).length - wanted.length));
  return related[0];
}


/** `; did you mean "x"?` or the empty string, for appending to a message. */
export function suggestionSuffix(input: string, candidates: readonly string[]): string {
  const match = didYouMean(input, candidates);
  return match === undefined ? '' : `; did you mean "${match}"?`;
}
