/**
 * Does batching pay on this box? YOLOX-nano with a dynamic batch (made on the fly, as the batch test
 * does), 60 real video frames through detect() one by one vs detectBatch in batches of 2 and 4, at the
 * agent's intra-op thread count. Frames per second include preprocessing and decoding, as the agent
 * pays them. Run: node --import tsx scripts/bench/batch.ts (one JSON document on stdout).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDetector, defaultIntraOpThreads, findModel, loadManifest, type OnnxDetector } from '../../agent/detection/index.js';
import type { RgbImage } from '../../agent/detection/types.js';
import { makeDynamicBatchModel } from '../../test/helpers/dynamic-batch-model.js';
import { dataFile, decodeFrames, progress, ROOT } from './common.js';

const FRAMES = 60;
/** Each mode is timed this many times, interleaved, and the median kept: one pass is at the mercy of other load. */
const ROUNDS = 3;

async function fps(detector: OnnxDetector, frames: readonly RgbImage[], batch: number): Promise<number> {
  const t0 = performance.now();
  if (batch === 1) for (const f of frames) await detector.detect(f);
  else for (let i = 0; i < frames.length; i += batch) await detector.detectBatch(frames.slice(i, i + batch));
  return frames.length / ((performance.now() - t0) / 1000);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits: number): number => Number(x.toFixed(digits));

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'camwatch-bench-batch-'));
  try {
    const name = 'yolox_nano_416_dynbatch';
    makeDynamicBatchModel(dataFile('models', 'yolox_nano_416.onnx'), join(dir, `${name}.onnx`));
    const { sha256: _sha, bytes: _bytes, url: _url, ...entry } = findModel(await loadManifest(join(ROOT, 'models', 'manifest.json')), 'yolox_nano_416');
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ models: [{ ...entry, name, file: `${name}.onnx`, classes: join(ROOT, 'models', entry.classes) }] }));
    const threads = defaultIntraOpThreads(availableParallelism());
    const detector = await createDetector({ manifestPath: join(dir, 'manifest.json'), modelsDir: dir, modelName: name, threads });
    try {
      const frames = await decodeFrames(dataFile('video', 'vn_saigon_intersection.mp4'), 640, FRAMES);
      progress(`batch: ${frames.length} frames, ${threads} intra-op thread(s), maxBatch ${detector.maxBatch}`);
      const sizes = [1, 2, 4];
      for (const b of sizes) await fps(detector, frames.slice(0, 8), b); // warm-up: first runs of each batch shape allocate
      const runs = new Map<number, number[]>(sizes.map((b) => [b, []]));
      for (let r = 0; r < ROUNDS; r++) {
        for (const b of sizes) {
          const v = await fps(detector, frames, b);
          runs.get(b)!.push(v);
          progress(`batch: round ${r + 1}, batch ${b}: ${v.toFixed(1)} fps`);
        }
      }
      const [single, batch2, batch4] = sizes.map((b) => median(runs.get(b)!)) as [number, number, number];
      process.stdout.write(`${JSON.stringify({ singleFps: round(single, 1), batch2Fps: round(batch2, 1), batch4Fps: round(batch4, 1),
        ratio2: round(batch2 / single, 3), ratio4: round(batch4 / single, 3) })}\n`);
    } finally {
      await detector.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
