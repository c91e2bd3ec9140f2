/**
 * Cost of the static-object detector (dumping / object_left with `detector: static-pixels | both`) per
 * analysed frame: the shared 320-px grey copy (paid once per frame by whichever pixel rule runs first) and
 * the dual background + blobs on top, on real 640-px frames of the lobby clip. Run alone with
 * `npx tsx scripts/bench/static-objects.ts [frames]`, or as part of `npm run bench`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { computeFrameStats } from '../../agent/rules/frame-stats.js';
import { StaticObjects } from '../../agent/rules/static-objects.js';
import { dataFile, decodeFrames, progress } from './common.js';

export interface StaticObjectsBench {
  video: string;
  width: number;
  height: number;
  frames: number;
  /** The grey copy alone (shared with the camera health rules). */
  greyMsPerFrame: number;
  /** Grey copy + dual background + blobs + objects: what one pixel rule adds when no other pixel rule runs. */
  totalMsPerFrame: number;
}

export async function runStaticObjects(options: { frames: number }): Promise<StaticObjectsBench> {
  const video = 'lobby_abandoned_bag.mp4';
  progress(`static objects: ${options.frames} frames of ${video} at 640 px`);
  // Every 0.2 s, as analysed at 5 fps (the bag is put down and stays within the first 40 s).
  const frames = await decodeFrames(dataFile('video', video), 640, options.frames, 0.2);
  const t0 = performance.now();
  for (const f of frames) computeFrameStats(f);
  const greyMs = (performance.now() - t0) / frames.length;
  // Fresh copies of the buffers so frameStats' per-buffer cache cannot serve the grey copy computed above.
  const copies = frames.map((f) => ({ ...f, data: Buffer.from(f.data) }));
  const so = new StaticObjects({ minAreaPx: 150, maxAreaPx: 25_000, relearnMs: 600_000, explainClasses: new Set(['person']) });
  const t1 = performance.now();
  copies.forEach((f, k) => so.update(f, [], k * 200));
  const totalMs = (performance.now() - t1) / copies.length;
  const round = (v: number) => Math.round(v * 100) / 100;
  return { video, width: frames[0]!.width, height: frames[0]!.height, frames: frames.length, greyMsPerFrame: round(greyMs), totalMsPerFrame: round(totalMs) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${JSON.stringify(await runStaticObjects({ frames: Number(process.argv[2] ?? 200) }), null, 2)}\n`);
}
