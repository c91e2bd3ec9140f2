/**
 * Scores the privacy detectors' finds (privacy-detectors.ts results.json) against the hand labels
 * (privacy-labels.json): recall (true finds / faces or plates a person sees), false blurs, ms per still.
 *
 *   npx tsx scripts/measure/privacy-score.ts [outDir=/tmp/camwatch-privacy-measure]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '/tmp/camwatch-privacy-measure';
const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Array<{ frame: number; model: string; variant: string; ms: number; finds: unknown[] }>;
const labels = JSON.parse(readFileSync(new URL('./privacy-labels.json', import.meta.url), 'utf8')) as {
  frames: Array<{ faces: number; plates: number }>;
  true: Record<string, Record<string, number[]>>;
};
const rows: Record<string, unknown>[] = [];
for (const key of [...new Set(results.map((r) => `${r.model}/${r.variant}`))]) {
  const rs = results.filter((r) => `${r.model}/${r.variant}` === key);
  const plate = key.startsWith('plate');
  const visible = labels.frames.reduce((n, f) => n + (plate ? f.plates : f.faces), 0);
  const truth = labels.true[key] ?? {};
  const found = rs.reduce((n, r) => n + r.finds.length, 0);
  const right = Object.values(truth).reduce((n, ids) => n + ids.length, 0);
  const ms = rs.map((r) => r.ms).sort((a, b) => a - b);
  rows.push({ model: key, visible, found, true: right, recall: Math.round((100 * right) / visible) / 100, falseBlurs: found - right, framesWithFalseBlur: rs.filter((r) => r.finds.length > (truth[String(r.frame)]?.length ?? 0)).length, msMedian: ms[ms.length >> 1], msP90: ms[Math.floor(ms.length * 0.9)] });
}
process.stdout.write(`${JSON.stringify({ frames: labels.frames.length, rows }, null, 1)}\n`);
