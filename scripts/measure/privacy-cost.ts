/**
 * Cost per still of the privacy step, in-process as the agent runs it: each privacy model on real frames at
 * analysis size (640 px wide) and at the stream's full resolution, and the whole step (detect + blur + masks).
 * Wall ms and process CPU ms (onnxruntime's threads included) per still, median of `runs` after a warm-up.
 *
 *   npx tsx scripts/measure/privacy-cost.ts [runs=15]
 *
 * Prints JSON. The 2-core box is shared: read CPU ms as the cost, wall ms as what the incident waits.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { RgbImage } from '../../agent/core/index.js';
import { createStillPrivacy, loadPrivacyModels, openRegionDetector, privacyDetectors, privacyModelFile } from '../../agent/privacy/index.js';
import { PROJECT_ROOT, videoPath } from '../../test/helpers/data.js';
import { timeMedian } from '../bench/privacy.js';

const runs = Number(process.argv[2] ?? 15);
function grab(video: string, t: number, width: number, height: number): RgbImage {
  const data = execFileSync('ffmpeg', ['-v', 'error', '-ss', String(t), '-i', videoPath(`${video}.mp4`), '-frames:v', '1', '-vf', `scale=${width}:${height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 64 << 20 });
  return { width, height, data };
}
const stills = [
  { name: 'saigon 640x452 (analysis)', image: grab('vn_saigon_intersection', 2, 640, 452) },
  { name: 'saigon 1018x720 (full)', image: grab('vn_saigon_intersection', 2, 1018, 720) },
  { name: 'stopline 1620x720 (full)', image: grab('vn_stopline_queue', 20, 1620, 720) },
];
const time = (fn: () => Promise<unknown>) => timeMedian(runs, fn);
const out: Record<string, unknown> = {};
const models = await loadPrivacyModels(join(PROJECT_ROOT, 'models', 'manifest.json'));
for (const m of models) {
  const d = await openRegionDetector(m, await privacyModelFile(m, join(PROJECT_ROOT, 'models')));
  for (const s of stills) out[`${m.name} on ${s.name}`] = await time(() => d.detect(s.image));
  await d.close();
}
const detectors = privacyDetectors(join(PROJECT_ROOT, 'models', 'manifest.json'), join(PROJECT_ROOT, 'models'));
const mask = [{ points: [[0, 0], [0.3, 0], [0.3, 0.3]] as Array<[number, number]> }];
for (const s of stills) {
  out[`masks only on ${s.name}`] = await time(() => createStillPrivacy({ masks: mask, blurFaces: false, blurPlates: false }).apply(s.image));
  out[`masks + faces + plates on ${s.name}`] = await time(() => createStillPrivacy({ masks: mask, blurFaces: true, blurPlates: true }, detectors).apply(s.image));
}
await detectors.close();
process.stdout.write(`${JSON.stringify({ runs, cores: (await import('node:os')).availableParallelism(), loadavg: (await import('node:os')).loadavg().map((x) => Math.round(x * 10) / 10), out }, null, 1)}\n`);
