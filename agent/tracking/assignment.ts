/**
 * Optimal one-to-one assignment (Hungarian algorithm, shortest augmenting paths with potentials,
 * O(n²·m)) with a cost limit: pairs costing more than `maxCost` are never matched.
 *
 * Why optimal rather than greedy: in a queue of motorbikes at a red light, boxes overlap heavily and a
 * greedy "best pair first" choice can steal the detection that a neighbouring track needed, swapping
 * ids; the optimal assignment maximises total overlap instead. With at most a few dozen tracks per
 * frame the cost is tens of microseconds.
 */

/** Added to forbidden pairs: larger than any sum of allowed costs, so the solver matches as many allowed pairs as it can first. */
const FORBIDDEN = 1e9;

/**
 * `cost[i][j]`: cost of giving column j to row i (rows and columns may differ in number). Returns the
 * matched [row, column] pairs whose cost is at most `maxCost`, in row order.
 */
export function linearAssignment(cost: readonly (readonly number[])[], maxCost: number): Array<[number, number]> {
  const rows = cost.length;
  const cols = rows === 0 ? 0 : (cost[0]?.length ?? 0);
  if (rows === 0 || cols === 0) return [];
  // The solver needs rows ≤ columns: transpose when there are more rows.
  const transposed = rows > cols;
  const n = transposed ? cols : rows;
  const m = transposed ? rows : cols;
  const at = (i: number, j: number): number => {
    const c = transposed ? cost[j]![i]! : cost[i]![j]!;
    return Number.isFinite(c) && c <= maxCost ? c : FORBIDDEN;
  };

  // 1-based arrays as in the classic formulation; p[j] = row matched to column j (0 = none).
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = at(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!] = u[p[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else {
          minv[j] = minv[j]! - delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }

  const pairs: Array<[number, number]> = [];
  for (let j = 1; j <= m; j++) {
    const i = p[j]!;
    if (i === 0 || at(i - 1, j - 1) >= FORBIDDEN) continue;
    pairs.push(transposed ? [j - 1, i - 1] : [i - 1, j - 1]);
  }
  return pairs.sort((a, b) => a[0] - b[0]);
}
