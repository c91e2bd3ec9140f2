/** Lines of context around each change, as `diff -u` shows by default. */
export const DEFAULT_DIFF_CONTEXT_LINES = 3;

type Op = { kind: ' ' | '-' | '+'; text: string };

/** Line edits from `a` to `b` by longest common subsequence (config files are a few hundred lines: O(n·m) is fine). */
function lineOps(a: readonly string[], b: readonly string[]): Op[] {
  // Common head and tail first: an edit of one camera leaves the rest of the file out of the table.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  const n = x.length;
  const m = y.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: Op[] = a.slice(0, head).map((text) => ({ kind: ' ', text }));
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      ops.push({ kind: ' ', text: x[i]! });
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) ops.push({ kind: '-', text: x[i++]! }); // removals first, as diff -u
    else ops.push({ kind: '+', text: y[j++]! });
  }
  for (const text of a.slice(a.length - tail)) ops.push({ kind: ' ', text });
  return ops;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** `diff -u` of two texts ('' when equal), with `--- name` / `+++ name` headers and @@ hunks. */
export function unifiedDiff(before: string, after: string, name: string, context = DEFAULT_DIFF_CONTEXT_LINES): string {
  if (before === after) return '';
  const ops = lineOps(splitLines(before), splitLines(after));
  const out = [`--- ${name}`, `+++ ${name}`];
  let k = 0;
  // Line numbers (1-based) in a and b at op index k.
  const aLine = new Array<number>(ops.length + 1);
  const bLine = new Array<number>(ops.length + 1);
  aLine[0] = 1;
  bLine[0] = 1;
  ops.forEach((op, idx) => {
    aLine[idx + 1] = aLine[idx]! + (op.kind === '+' ? 0 : 1);
    bLine[idx + 1] = bLine[idx]! + (op.kind === '-' ? 0 : 1);
  });
  while (k < ops.length) {
    if (ops[k]!.kind === ' ') {
      k++;
      continue;
    }
    const start = Math.max(0, k - context);
    let end = k;
    // Extend while the next change is within 2·context lines of unchanged text.
    for (;;) {
      while (end < ops.length && ops[end]!.kind !== ' ') end++;
      let next = end;
      while (next < ops.length && ops[next]!.kind === ' ') next++;
      if (next < ops.length && next - end <= 2 * context) end = next;
      else {
        end = Math.min(ops.length, end + context);
        break;
      }
    }
    const hunk = ops.slice(start, end);
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${aCount === 0 ? aLine[start]! - 1 : aLine[start]},${aCount} +${bCount === 0 ? bLine[start]! - 1 : bLine[start]},${bCount} @@`);
    for (const op of hunk) out.push(`${op.kind}${op.text}`);
    k = end;
  }
  return `${out.join('\n')}\n`;
}
