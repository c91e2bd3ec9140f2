import { describe, expect, it } from 'vitest';
import { DetectorScheduler, type SchedulableDetector, type TimedImage } from '../../../agent/detection/scheduler.js';
import type { Detection, RgbImage } from '../../../agent/detection/types.js';

/** A frame whose identity travels through the fake detector (in the detection's class name). */
interface FakeFrame extends TimedImage {
  label: string;
}
const frame = (label: string, capturedAtMs = 0): FakeFrame => ({ label, capturedAtMs, width: 1, height: 1, data: Buffer.alloc(3) });
const echo = (image: RgbImage): Detection[] => [{ classId: 0, className: (image as FakeFrame).label, score: 1, box: { x1: 0, y1: 0, x2: 1, y2: 1 } }];
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A detector that runs one image per call, taking `costMs` of a fake clock (and one macrotask of real time). */
function fakeDetector(clock: { now: number }, costMs = 10, options: { maxBatch?: number } = {}) {
  const runs: string[][] = [];
  let running = 0;
  const run = async (images: readonly RgbImage[]) => {
    running++;
    if (running > 1) throw new Error('two runs at once');
    runs.push(images.map((i) => (i as FakeFrame).label));
    await new Promise((r) => setImmediate(r));
    clock.now += costMs;
    running--;
    return images.map(echo);
  };
  const detector: SchedulableDetector & { runs: string[][] } = {
    runs,
    detect: async (image) => (await run([image]))[0]!,
    ...(options.maxBatch ? { maxBatch: options.maxBatch, detectBatch: (images: readonly RgbImage[]) => run(images) } : {}),
  };
  return detector;
}

describe('DetectorScheduler: turns', () => {
  it('runs one inference at a time, cameras in the order they asked', async () => {
    const clock = { now: 0 };
    const s = new DetectorScheduler({ clock: () => clock.now });
    const d = fakeDetector(clock);
    const out = await Promise.all(['a', 'b', 'c'].map((id) => s.detect({ cameraId: id, detector: d, frame: frame(id) })));
    expect(out.map((o) => o.detections[0]!.className)).toEqual(['a', 'b', 'c']);
    expect(d.runs).toEqual([['a'], ['b'], ['c']]);
    expect(out.map((o) => o.waitMs)).toEqual([0, 10, 20]);
  });

  it('analyses the newest frame the camera has when its turn starts, and measures lag on the frame it asked with', async () => {
    const clock = { now: 1_000 };
    const s = new DetectorScheduler({ clock: () => clock.now });
    const d = fakeDetector(clock, 50);
    let newest: FakeFrame | undefined;
    const first = s.detect({ cameraId: 'a', detector: d, frame: frame('a1', 1_000) });
    const second = s.detect({ cameraId: 'b', detector: d, frame: frame('b1', 990), newer: () => newest });
    newest = frame('b2', 1_040); // arrived while camera b waited behind a
    await first;
    const b = await second;
    expect(b.frame.label).toBe('b2');
    expect(b.detections[0]!.className).toBe('b2');
    expect(b).toMatchObject({ waitMs: 50, lagMs: 60, batchSize: 1 });
  });

  it('keeps serving after a failed run', async () => {
    const s = new DetectorScheduler();
    const failing: SchedulableDetector = { detect: () => Promise.reject(new Error('model failed')) };
    const ok: SchedulableDetector = { detect: async (i) => echo(i) };
    const bad = s.detect({ cameraId: 'a', detector: failing, frame: frame('a') });
    const good = s.detect({ cameraId: 'b', detector: ok, frame: frame('b') });
    await expect(bad).rejects.toThrow('model failed');
    expect((await good).detections[0]!.className).toBe('b');
  });
});

describe('DetectorScheduler: fairness', () => {
  it('never lets a busy camera starve the others: cameras producing at different rates each wait at most one turn per other camera', async () => {
    const s = new DetectorScheduler();
    let runCount = 0;
    const detector: SchedulableDetector = {
      detect: async (image) => {
        runCount++;
        await tick(2);
        return echo(image);
      },
    };
    // Three cameras: a frame every 1 ms (always fresh), every 7 ms, every 25 ms; each analyses when it has a new frame.
    const periods = { fast: 1, medium: 7, slow: 25 };
    const cameraIds = Object.keys(periods) as Array<keyof typeof periods>;
    const produced = { fast: 0, medium: 0, slow: 0 };
    const served = { fast: 0, medium: 0, slow: 0 };
    const runsWaited: number[] = [];
    const timers = cameraIds.map((id) => setInterval(() => produced[id]++, periods[id]));
    let stop = false;
    const camera = async (id: keyof typeof periods) => {
      let analysed = -1;
      while (!stop) {
        if (produced[id] === analysed) {
          await tick(1);
          continue;
        }
        const queuedAtRun = runCount;
        let dispatchedAtRun = -1;
        const out = await s.detect({
          cameraId: id,
          detector,
          frame: { ...frame(`${id}:${produced[id]}`), capturedAtMs: Date.now() },
          newer: () => {
            dispatchedAtRun = runCount;
            return frame(`${id}:${produced[id]}`);
          },
        });
        runsWaited.push(dispatchedAtRun - queuedAtRun);
        analysed = Number(out.frame.label.split(':')[1]);
        served[id]++;
      }
    };
    const loops = cameraIds.map(camera);
    await tick(400);
    stop = true;
    await Promise.all(loops);
    timers.forEach(clearInterval);

    // Round robin: between asking and its turn, a camera sees at most one run of each other camera (+ the one running).
    expect(Math.max(...runsWaited)).toBeLessThanOrEqual(cameraIds.length);
    // Every camera got turns; the fast one, never short of frames, used the runs the others left free.
    expect(served.slow).toBeGreaterThan(0);
    expect(served.medium).toBeGreaterThan(0);
    expect(served.fast).toBeGreaterThan(served.slow);
  });

  it('a camera that asks many times at once is served once per round: another camera asking later waits at most two runs', async () => {
    const clock = { now: 0 };
    const s = new DetectorScheduler({ clock: () => clock.now });
    const d = fakeDetector(clock);
    const flood = Array.from({ length: 20 }, (_, i) => s.detect({ cameraId: 'greedy', detector: d, frame: frame(`g${i}`) }));
    const polite = s.detect({ cameraId: 'polite', detector: d, frame: frame('p') });
    expect(s.queued).toBe(20); // g0 is running; 19 + p wait
    await Promise.all([...flood, polite]);
    const order = d.runs.map((r) => r[0]);
    expect(order.indexOf('p')).toBeLessThanOrEqual(2);
    expect(order.filter((l) => l!.startsWith('g'))).toEqual(Array.from({ length: 20 }, (_, i) => `g${i}`));
  });
});

describe('DetectorScheduler: batching', () => {
  it('batches the cameras waiting in line when the model takes batches, each getting its own detections', async () => {
    const clock = { now: 0 };
    const s = new DetectorScheduler({ clock: () => clock.now });
    const d = fakeDetector(clock, 10, { maxBatch: 4 });
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const out = await Promise.all(ids.map((id) => s.detect({ cameraId: id, detector: d, frame: frame(id) })));
    // 'a' found the detector idle and ran at once: a batch is never waited for.
    expect(d.runs).toEqual([['a'], ['b', 'c', 'd', 'e'], ['f', 'g']]);
    expect(out.map((o) => o.detections[0]!.className)).toEqual(ids);
    expect(out.map((o) => o.batchSize)).toEqual([1, 4, 4, 4, 4, 2, 2]);
    expect(s.stats()).toMatchObject({ runs: 3, images: 7, batchedImages: 6, queued: 0 });
  });

  it('never puts two requests of one camera in a batch, nor requests for different detectors (a model swapped on reload)', async () => {
    const clock = { now: 0 };
    const s = new DetectorScheduler({ clock: () => clock.now });
    const oldModel = fakeDetector(clock, 10, { maxBatch: 8 });
    const newModel = fakeDetector(clock, 10, { maxBatch: 8 });
    await Promise.all([
      s.detect({ cameraId: 'x', detector: oldModel, frame: frame('x0') }),
      s.detect({ cameraId: 'a', detector: oldModel, frame: frame('a1') }),
      s.detect({ cameraId: 'a', detector: oldModel, frame: frame('a2') }),
      s.detect({ cameraId: 'b', detector: newModel, frame: frame('b1') }),
      s.detect({ cameraId: 'c', detector: oldModel, frame: frame('c1') }),
    ]);
    expect(oldModel.runs).toEqual([['x0'], ['a1', 'c1'], ['a2']]);
    expect(newModel.runs).toEqual([['b1']]);
  });

  it('runs a batch-1 model one image at a time even when several cameras wait', async () => {
    const clock = { now: 0 };
    const s = new DetectorScheduler({ clock: () => clock.now });
    const d = fakeDetector(clock, 10, { maxBatch: 1 });
    await Promise.all(['a', 'b', 'c'].map((id) => s.detect({ cameraId: id, detector: d, frame: frame(id) })));
    expect(d.runs).toEqual([['a'], ['b'], ['c']]);
  });
});

describe('DetectorScheduler: runs in flight', () => {
  it('hands the detector the next image before the previous returns when allowed two in flight, each picked at its dispatch', async () => {
    const s = new DetectorScheduler({ maxInFlight: 2 });
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const detector: SchedulableDetector = {
      detect: async (image) => {
        most = Math.max(most, ++running);
        order.push((image as FakeFrame).label);
        await tick(2);
        running--;
        return echo(image);
      },
    };
    const picked: string[] = [];
    const ask = (id: string) => s.detect({ cameraId: id, detector, frame: frame(id), newer: () => (picked.push(id), undefined) });
    await Promise.all(['a', 'b', 'c', 'd'].map(ask));
    expect(most).toBe(2);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    // c was picked when a returned, not when it queued.
    expect(picked).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('DetectorScheduler: busy share', () => {
  it('is the share of the recent window the detector ran', async () => {
    const clock = { now: 0 };
    const s = new DetectorScheduler({ clock: () => clock.now, busyWindowMs: 1_000 });
    const d = fakeDetector(clock, 80);
    await s.detect({ cameraId: 'a', detector: d, frame: frame('a') });
    clock.now += 20;
    expect(s.busyFraction).toBeCloseTo(0.8, 5);
    clock.now = 2_000; // idle for a whole window
    expect(s.busyFraction).toBe(0);
    expect(s.stats().busyFractionLifetime).toBeCloseTo(0.04, 5);
  });

  it('counts overlapping runs once: busy while any run is out', async () => {
    const clock = { now: 0 };
    const s = new DetectorScheduler({ clock: () => clock.now, busyWindowMs: 1_000, maxInFlight: 2 });
    // Like the worker detector: calls queue inside it and run one after the other, 30 ms each.
    let tail = Promise.resolve();
    const d: SchedulableDetector = {
      detect: (image) => {
        const run = tail.then(async () => {
          await new Promise((r) => setImmediate(r));
          clock.now += 30;
          return echo(image);
        });
        tail = run.then(() => undefined);
        return run;
      },
    };
    await Promise.all(['a', 'b'].map((id) => s.detect({ cameraId: id, detector: d, frame: frame(id) })));
    expect(clock.now).toBe(60);
    clock.now = 100;
    expect(s.busyFraction).toBeCloseTo(0.6, 5);
  });

  it('with a pool of lanes, keeps that many runs going and counts each lane busy as its share', async () => {
    const clock = { now: 0 };
    const s = new DetectorScheduler({ clock: () => clock.now, busyWindowMs: 1_000, maxInFlight: 1 });
    const started: string[] = [];
    const finish: Array<() => void> = [];
    const d: SchedulableDetector = {
      parallelRuns: 2,
      detect: (image) =>
        new Promise((resolve) => {
          started.push((image as FakeFrame).label);
          finish.push(() => resolve(echo(image)));
        }),
    };
    const runs = ['a', 'b', 'c'].map((id) => s.detect({ cameraId: id, detector: d, frame: frame(id) }));
    expect(started).toEqual(['a', 'b']); // two lanes, one run each; c waits
    clock.now = 100;
    finish.shift()!(); // a ends: c starts, both lanes busy again
    await runs[0];
    expect(started).toEqual(['a', 'b', 'c']);
    clock.now = 200;
    finish.shift()!(); // b ends: one lane of two busy from here
    await runs[1];
    clock.now = 400;
    finish.shift()!();
    await runs[2];
    clock.now = 1_000;
    // Both lanes 0-200 ms (200), one lane 200-400 ms (100 of 200), then idle: 300 / 1000.
    expect(s.busyFraction).toBeCloseTo(0.3, 5);
  });
});
