/**
 * Cost per still of the privacy step, in-process as the agent runs it: each privacy model on real frames at
 * analysis size (640 px wide) and at the stream's full resolution (two streams), masks only, and the whole step
 * (detect + blur + masks). The bench's privacy scenario (scripts/bench/privacy.ts) on these stills.
 * Wall ms and process CPU ms (onnxruntime's threads included) per still, median of `runs` after a warm-up.
 *
 *   npx tsx scripts/measure/privacy-cost.ts [runs=15]
 *
 * Prints JSON. The 2-core box is shared: read CPU ms as the cost, wall ms as what the incident waits.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import type { RgbImage } from '../../agent/core/index.js';
import { videoPath } from '../../test/helpers/data.js';
import { runPrivacy } from '../bench/privacy.js';

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
const rows = await runPrivacy({ runs, stills, wholeStep: true });
process.stdout.write(`${JSON.stringify({ runs, cores: availableParallelism(), loadavg: loadavg().map((x) => Math.round(x * 10) / 10), rows }, null, 1)}\n`);
