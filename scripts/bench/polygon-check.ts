/**
 * How long validating one zone polygon takes, by corner count: the outline check alone (polygonProblem)
 * and a whole config load with that zone (parseConfigText: schema, then geometry). Prints one JSON object.
 *
 *   npx tsx scripts/bench/polygon-check.ts
 *
 * Before the cap and the bounding-box rejection (issue 16): 256 corners 37 ms, 1,000 corners 235 ms, 3,000
 * corners 2.1 s (a reload with it froze the agent for seconds). The config now refuses more than
 * MAX_POLYGON_POINTS corners at the schema, before the outline check runs.
 */
import { parseConfigText } from '../../agent/config/load.js';
import { MAX_POLYGON_POINTS, polygonProblem, type Point } from '../../agent/config/polygon.js';

/** A simple (non-crossing) star-shaped outline: the worst case, every pair of edges is compared. */
export function starPolygon(n: number): Point[] {
  return Array.from({ length: n }, (_, i) => {
    const a = (2 * Math.PI * i) / n;
    const r = 0.4 + (0.05 * ((i * 7919) % 13)) / 13;
    return [0.5 + r * Math.cos(a), 0.5 + r * Math.sin(a)] as Point;
  });
}

function medianMs(run: () => void, repeats = 5): number {
  const times: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const t = performance.now();
    run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(repeats / 2)]! * 100) / 100;
}

const result: Record<string, unknown> = { maxPolygonPoints: MAX_POLYGON_POINTS, outlineCheckMs: {}, configLoadMs: {} };
for (const n of [64, MAX_POLYGON_POINTS, 1_000, 3_000]) {
  const points = starPolygon(n);
  (result.outlineCheckMs as Record<number, number>)[n] = medianMs(() => polygonProblem(points));
  const text = `agent: { id: bench }\ncameras:\n  - id: c\n    source: { file: video.mp4 }\n    zones: [{ id: z, points: ${JSON.stringify(points)} }]\n`;
  let outcome = 'accepted';
  (result.configLoadMs as Record<number, number>)[n] = medianMs(() => {
    try {
      parseConfigText(text, 'bench.yaml', { resolveSecrets: false });
    } catch {
      outcome = 'refused';
    }
  });
  (result as Record<string, unknown>)[`config${n}`] = outcome;
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
