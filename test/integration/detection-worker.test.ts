/**
 * The detector in a worker thread (what the agent runs) against the in-process one: the same detections
 * on real images with the real model, errors with their codes, logs through the caller's logger.
 */
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageRgb } from '../../agent/cli/commands/detect.js';
import { createDetector, createWorkerDetector, type OnnxDetector, type RgbImage } from '../../agent/detection/index.js';
import { isCamwatchError } from '../../agent/core/errors.js';
import { DATA_DIR, PROJECT_ROOT, imagePath } from '../helpers/data.js';

const options = { manifestPath: join(PROJECT_ROOT, 'models', 'manifest.json'), modelsDir: join(DATA_DIR, 'models'), modelName: 'yolox_nano_416', threads: 1 };

describe('worker detector', () => {
  const logLines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, new Writable({ write(chunk: Buffer, _e, done) { logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } }));
  let inProcess: OnnxDetector;
  let worker: OnnxDetector;
  let bus: RgbImage;
  let dog: RgbImage;

  beforeAll(async () => {
    [bus, dog] = await Promise.all([readImageRgb(imagePath('bus.jpg')), readImageRgb(imagePath('dog.jpg'))]);
    [inProcess, worker] = await Promise.all([createDetector(options), createWorkerDetector({ ...options, logger })]);
  });
  afterAll(async () => {
    await inProcess?.close();
    await worker?.close();
  });

  it('finds exactly what the in-process detector finds, calls in flight together each getting its own answer', async () => {
    const [wBus, wDog, wBus2] = await Promise.all([worker.detect(bus), worker.detect(dog), worker.detect(bus)]);
    expect(wBus).toEqual(await inProcess.detect(bus));
    expect(wDog).toEqual(await inProcess.detect(dog));
    expect(wBus2).toEqual(wBus);
    expect(wBus.map((d) => d.className)).toContain('bus');
    expect(wDog.map((d) => d.className)).toContain('dog');
    expect(await worker.detectBatch([dog, bus])).toEqual([wDog, wBus]);
    expect(worker.model).toEqual(inProcess.model);
    expect(worker.maxBatch).toBe(1);
    expect(worker.stats().images).toBeGreaterThanOrEqual(5);
  });

  it('leaves the caller\'s image intact (the worker gets a copy)', async () => {
    const before = Buffer.from(dog.data);
    await worker.detect(dog);
    expect(dog.data.equals(before)).toBe(true);
  });

  it('logs through the caller\'s logger', () => {
    expect(logLines.find((l) => l.msg === 'detector ready')).toMatchObject({ component: 'detector', model: 'yolox_nano_416', layout: 'yolox', threads: 1 });
  });

  it('reports start-up errors with their codes', async () => {
    const unknown = await createWorkerDetector({ ...options, modelName: 'yolox_nano_999' }).catch((e: unknown) => e);
    expect(isCamwatchError(unknown, 'MODEL_UNKNOWN')).toBe(true);
    const missing = await createWorkerDetector({ ...options, modelsDir: join(DATA_DIR, 'images') }).catch((e: unknown) => e);
    expect(isCamwatchError(missing, 'MODEL_NOT_FOUND')).toBe(true);
  });

  it('refuses work once closed; closing twice is fine', async () => {
    const d = await createWorkerDetector(options);
    await d.close();
    await d.close();
    await expect(d.detect(dog)).rejects.toThrow(/closed|exited/);
  });
});
