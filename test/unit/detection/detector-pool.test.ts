import { describe, expect, it, vi } from 'vitest';
import { DetectorPool } from '../../../agent/detection/detector-pool.js';
import type { ModelRunStats, OnnxDetector } from '../../../agent/detection/onnx-detector.js';
import type { Detection, RgbImage } from '../../../agent/detection/types.js';

const image: RgbImage = { width: 1, height: 1, data: Buffer.alloc(3) };

/** A worker whose runs finish when the test says so; each detection names the worker that made it. */
function fakeWorker(name: string) {
  const waiting: Array<() => void> = [];
  let runs = 0;
  let closed = false;
  const detector: OnnxDetector & { finishAll(): void; get waiting(): number; get closed(): boolean } = {
    model: { name: 'fake', layout: 'yolox', inputWidth: 416, inputHeight: 416, classNames: ['x'] },
    preprocess: { colorOrder: 'rgb', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], letterbox: 'none', padValue: 0 },
    binding: { layout: 'yolox', source: 'declared', reason: 'test' } as unknown as OnnxDetector['binding'],
    maxBatch: 1,
    detect: (img) => detector.detectBatch([img]).then((r) => r[0]!),
    detectBatch: (images) =>
      new Promise<Detection[][]>((resolve) => {
        waiting.push(() => {
          runs++;
          resolve(images.map(() => [{ classId: 0, className: name, score: 1, box: { x1: 0, y1: 0, x2: 1, y2: 1 } }]));
        });
      }),
    stats: (): ModelRunStats => ({ runs, images: runs, preprocessMs: runs, inferenceMs: 10 * runs, postprocessMs: runs, lastInferenceMs: 10, warmupMs: 5 }),
    close: async () => {
      closed = true;
    },
    finishAll: () => waiting.splice(0).forEach((f) => f()),
    get waiting() {
      return waiting.length;
    },
    get closed() {
      return closed;
    },
  };
  return detector;
}

const flush = () => new Promise((r) => setImmediate(r));

function harness(maxWorkers = 2, spawnFails = false, idleCheckMs?: number) {
  const clock = { now: 0 };
  const workers = [fakeWorker('w1')];
  const logs: string[] = [];
  const logger = { info: (_o: unknown, m: string) => logs.push(m), warn: (_o: unknown, m: string) => logs.push(m) } as never;
  const pool = new DetectorPool(workers[0]!, {
    maxWorkers,
    clock: () => clock.now,
    logger,
    ...(idleCheckMs !== undefined && { idleCheckMs }),
    spawn: async () => {
      if (spawnFails) throw new Error('no memory for another session');
      const w = fakeWorker(`w${workers.length + 1}`);
      workers.push(w);
      return w;
    },
  });
  /** Keeps worker 1 busy for `ms` of fake time with one run, finishing it at the end. */
  const busyFor = async (ms: number) => {
    const run = pool.detect(image);
    clock.now += ms;
    workers.forEach((w) => w.finishAll());
    await run;
    await flush();
  };
  return { clock, workers, pool, logs, busyFor };
}

describe('DetectorPool', () => {
  it('starts with one worker and adds the second only once the first has been saturated for the settle time', async () => {
    const h = harness();
    await h.busyFor(2_000);
    expect(h.pool.parallelRuns).toBe(1); // saturated, but for 2 s < 3 s
    await h.busyFor(1_500);
    expect(h.pool.parallelRuns).toBe(2);
    expect(h.logs.some((l) => /worker 2 of at most 2 started/.test(l))).toBe(true);
  });

  it('grows after the settle time of saturation even after a quiet start (cameras still connecting)', async () => {
    const h = harness();
    h.clock.now += 5_000; // idle: the pool waits for the cameras
    await h.busyFor(2_000);
    expect(h.pool.parallelRuns).toBe(1);
    await h.busyFor(1_500);
    expect(h.pool.parallelRuns).toBe(2);
  });

  it('does not grow while the worker has room', async () => {
    const h = harness();
    for (let i = 0; i < 10; i++) {
      await h.busyFor(500);
      h.clock.now += 500; // idle half of the time
    }
    expect(h.pool.parallelRuns).toBe(1);
  });

  it('sends each run to the worker with the fewest runs waiting', async () => {
    const h = harness();
    await h.busyFor(4_000);
    expect(h.pool.parallelRuns).toBe(2);
    const runs = [h.pool.detect(image), h.pool.detect(image), h.pool.detect(image)];
    expect(h.workers.map((w) => w.waiting)).toEqual([2, 1]);
    h.workers.forEach((w) => w.finishAll());
    expect((await Promise.all(runs)).map((d) => d[0]!.className).sort()).toEqual(['w1', 'w1', 'w2']);
  });

  it('closes the extra worker after a quiet minute, keeping its runs in the stats', async () => {
    const h = harness();
    await h.busyFor(4_000);
    await Promise.all([h.busyFor(100), h.busyFor(100)]);
    const runsBefore = h.pool.stats().runs;
    for (let t = 0; t < 75; t++) {
      h.clock.now += 1_000;
      await h.busyFor(10); // 1 % busy
    }
    expect(h.pool.parallelRuns).toBe(1);
    expect(h.workers[1]!.closed).toBe(true);
    expect(h.pool.stats().runs).toBe(runsBefore + 75);
    expect(h.logs.some((l) => /one closed, 1 left/.test(l))).toBe(true);
  });

  it('closes the extra worker after a quiet minute when no run comes at all (every camera offline)', async () => {
    // The pool's own check runs on an interval: faked here, stepped with the pool's fake clock.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const h = harness(2, false, 5_000);
      await h.busyFor(4_000);
      expect(h.pool.parallelRuns).toBe(2);
      // No run from here on: only the check sees the quiet start, then a minute of it.
      h.clock.now += 20_000;
      vi.advanceTimersByTime(5_000);
      expect(h.pool.parallelRuns).toBe(2);
      h.clock.now += 61_000;
      vi.advanceTimersByTime(5_000);
      expect(h.pool.parallelRuns).toBe(1);
      expect(h.workers[1]!.closed).toBe(true);
      expect(h.logs.some((l) => /one closed, 1 left/.test(l))).toBe(true);
      await h.pool.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('stays at its size and says why when another worker cannot start', async () => {
    const h = harness(2, true);
    await h.busyFor(4_000);
    await h.busyFor(4_000);
    expect(h.pool.parallelRuns).toBe(1);
    expect(h.logs.filter((l) => /could not start: staying at 1/.test(l))).toHaveLength(1);
  });

  it('closes every worker, and refuses runs after', async () => {
    const h = harness();
    await h.busyFor(4_000);
    await h.pool.close();
    expect(h.workers.every((w) => w.closed)).toBe(true);
    await expect(h.pool.detect(image)).rejects.toThrow(/closed/);
  });
});
