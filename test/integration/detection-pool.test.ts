/**
 * The pool of detector workers the agent grows under load, with real worker threads and the real model: it
 * starts with one worker, adds a second once the first is saturated, runs two frames at the same time, and
 * every worker finds exactly what one detector finds.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageRgb } from '../../agent/cli/commands/detect.js';
import { createWorkerDetector, DetectorPool, type RgbImage } from '../../agent/detection/index.js';
import { DATA_DIR, PROJECT_ROOT, imagePath } from '../helpers/data.js';

const options = { manifestPath: join(PROJECT_ROOT, 'models', 'manifest.json'), modelsDir: join(DATA_DIR, 'models'), modelName: 'yolox_nano_416', threads: 1 };

describe('detector pool (real workers)', () => {
  let pool: DetectorPool;
  let spawned = 0;
  let bus: RgbImage;
  let dog: RgbImage;

  beforeAll(async () => {
    [bus, dog] = await Promise.all([readImageRgb(imagePath('bus.jpg')), readImageRgb(imagePath('dog.jpg'))]);
    // A short settle time: the test saturates the first worker for 0.3 s, not the agent's 3 s.
    pool = new DetectorPool(await createWorkerDetector(options), { maxWorkers: 2, settleMs: 300, spawn: () => (spawned++, createWorkerDetector(options)) });
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('grows to two workers while saturated, and both find exactly what the first found alone', async () => {
    const alone = { bus: await pool.detect(bus), dog: await pool.detect(dog) };
    expect(alone.bus.map((d) => d.className)).toContain('bus');
    // Back to back, two in flight as the scheduler keeps them: the one worker is busy all the time.
    while (pool.parallelRuns < 2) await Promise.all([pool.detect(bus), pool.detect(dog)]);
    expect(spawned).toBe(1);
    const runsBefore = pool.stats().runs;
    const pairs = await Promise.all([pool.detect(bus), pool.detect(dog), pool.detect(bus), pool.detect(dog)]);
    expect(pairs).toEqual([alone.bus, alone.dog, alone.bus, alone.dog]);
    expect(pool.stats().runs).toBe(runsBefore + 4);
  });
});
