/**
 * Real batches (batch dim > 1) on a real model. No shipped model has a dynamic batch, so the test makes
 * one from YOLOX-nano (makeDynamicBatchModel) and loads it through the manifest like the agent would.
 * Batched results must match one-image runs: the batch path slices outputs per item, which a fixed-batch
 * model never exercises.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageRgb } from '../../agent/cli/commands/detect.js';
import { createDetector, DetectorScheduler, findModel, loadManifest, type Detection, type OnnxDetector, type RgbImage } from '../../agent/detection/index.js';
import { makeDynamicBatchModel } from '../helpers/dynamic-batch-model.js';
import { DATA_DIR, PROJECT_ROOT, imagePath, modelPath } from '../helpers/data.js';

const MANIFEST = join(PROJECT_ROOT, 'models', 'manifest.json');
const STOCK = 'yolox_nano_416';
const DYNAMIC = 'yolox_nano_416_dynbatch';
const options = { scoreThreshold: 0.3, nmsIouThreshold: 0.45, threads: 1 };

/** Same objects: same classes, boxes within 1 px, scores within 1e-3 (matched, not by position: near-equal scores may swap). */
function expectSameDetections(actual: readonly Detection[], expected: readonly Detection[], what: string): void {
  expect(actual.length, `${what}: count`).toBe(expected.length);
  const left = [...actual];
  for (const e of expected) {
    const i = left.findIndex((a) => a.classId === e.classId && Math.abs(a.score - e.score) <= 1e-3
      && Math.abs(a.box.x1 - e.box.x1) <= 1 && Math.abs(a.box.y1 - e.box.y1) <= 1 && Math.abs(a.box.x2 - e.box.x2) <= 1 && Math.abs(a.box.y2 - e.box.y2) <= 1);
    expect(i, `${what}: ${e.className} ${e.score.toFixed(3)} at [${Object.values(e.box).map((v) => v.toFixed(1)).join(',')}]`).toBeGreaterThanOrEqual(0);
    left.splice(i, 1);
  }
}

let dir: string;
let stock: OnnxDetector;
let dynamic: OnnxDetector;
let bus: RgbImage;
let dog: RgbImage;
/** detect() alone on each image: what every batched result must equal. */
const single = new Map<RgbImage, Detection[]>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'camwatch-batch-'));
  makeDynamicBatchModel(modelPath('yolox_nano_416.onnx'), join(dir, `${DYNAMIC}.onnx`));
  // The stock entry's preprocessing and layout, pointing at the generated file (no checksum: it differs).
  const { sha256: _sha, bytes: _bytes, url: _url, ...entry } = findModel(await loadManifest(MANIFEST), STOCK);
  const manifest = { models: [{ ...entry, name: DYNAMIC, file: `${DYNAMIC}.onnx`, classes: join(PROJECT_ROOT, 'models', entry.classes) }] };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));

  stock = await createDetector({ manifestPath: MANIFEST, modelsDir: join(DATA_DIR, 'models'), modelName: STOCK, ...options });
  dynamic = await createDetector({ manifestPath: join(dir, 'manifest.json'), modelsDir: dir, modelName: DYNAMIC, ...options });
  bus = await readImageRgb(imagePath('bus.jpg'));
  dog = await readImageRgb(imagePath('dog.jpg'));
  for (const img of [bus, dog]) single.set(img, await dynamic.detect(img));
});

afterAll(async () => {
  await stock?.close();
  await dynamic?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('dynamic-batch YOLOX-nano', () => {
  it('reports a batch above 1, the stock model a batch of 1', () => {
    expect(stock.maxBatch).toBe(1);
    expect(dynamic.maxBatch).toBeGreaterThan(1);
  });

  it('one-image runs match the stock model', async () => {
    // Guards the edit itself: the variant must be the same network, only with a free batch dimension.
    for (const [name, img] of [['bus', bus], ['dog', dog]] as const) {
      const dets = single.get(img)!;
      expect(dets.length, name).toBeGreaterThan(2);
      expectSameDetections(dets, await stock.detect(img), `${name} stock vs variant`);
    }
  });

  it('detectBatch of three images in one run equals detect on each', async () => {
    const before = dynamic.stats();
    const images = [bus, dog, bus];
    const results = await dynamic.detectBatch(images);
    const after = dynamic.stats();
    expect(after.runs - before.runs).toBe(1);
    expect(after.images - before.images).toBe(3);
    expect(results).toHaveLength(3);
    results.forEach((dets, i) => expectSameDetections(dets, single.get(images[i]!)!, `item ${i}`));
  });

  it('the scheduler batches cameras asking at once and gives each its own result', async () => {
    const scheduler = new DetectorScheduler();
    const now = Date.now();
    // The first request starts alone (nothing else is queued yet); the others wait and share the next run.
    const cameras = Array.from({ length: 5 }, (_, i) => ({ cameraId: `cam${i}`, image: i % 2 === 0 ? bus : dog }));
    const outcomes = await Promise.all(cameras.map((c) =>
      scheduler.detect({ cameraId: c.cameraId, detector: dynamic, frame: { ...c.image, capturedAtMs: now } })));
    const stats = scheduler.stats();
    expect(stats.images).toBe(5);
    expect(stats.runs).toBeLessThan(5);
    expect(stats.batchedImages).toBeGreaterThan(1);
    expect(Math.max(...outcomes.map((o) => o.batchSize))).toBeGreaterThan(1);
    outcomes.forEach((o, i) => {
      expect(o.frame.data).toBe(cameras[i]!.image.data);
      expectSameDetections(o.detections, single.get(cameras[i]!.image)!, cameras[i]!.cameraId);
    });
  });
});
