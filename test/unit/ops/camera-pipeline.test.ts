import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DetectorScheduler } from '../../../agent/detection/scheduler.js';
import type { Detection, Detector, RgbImage } from '../../../agent/detection/types.js';
import type { Frame, FrameSource, FrameSourceStats } from '../../../agent/frames/types.js';
import { InferenceGate, MotionCropper, MotionDetector } from '../../../agent/motion/index.js';
import { TrackCoaster } from '../../../agent/tracking/index.js';
import { AdaptiveRate } from '../../../agent/ops/adaptive-rate.js';
import { CameraPipeline, type CameraPipelineDeps } from '../../../agent/ops/camera-pipeline.js';
import { TileFocus } from '../../../agent/ops/tile-focus.js';
import type { Rule, RuleHit } from '../../../agent/rules/types.js';
import type { Track, Tracker } from '../../../agent/tracking/types.js';

const W = 640;
const H = 480;
type Block = { x: number; y: number; w: number; h: number };

/** A dark gray frame with bright blocks (frame pixels). */
function frame(seq: number, capturedAtMs: number, blocks: Block[] = []): Frame {
  const data = Buffer.alloc(W * H * 3, 60);
  for (const b of blocks) for (let y = b.y; y < b.y + b.h; y++) data.fill(230, (y * W + b.x) * 3, (y * W + b.x + b.w) * 3);
  return { cameraId: 'cam', seq, capturedAtMs, width: W, height: H, data };
}

/** Frames handed out in order; `newer` holds frames that "arrive" while the camera waits for the detector. */
class FakeSource implements FrameSource {
  readonly cameraId = 'cam';
  newer: Frame[] = [];
  /** Frames handed back with release() (skipped by load shedding). */
  released: Frame[] = [];
  private i = 0;
  constructor(private readonly frames: Frame[]) {}
  start(): void {}
  async next(): Promise<Frame | null> {
    return this.frames[this.i++] ?? null;
  }
  takeNewer(): Frame | undefined {
    return this.newer.shift();
  }
  release(frame: Frame): void {
    this.released.push(frame);
  }
  stats(): FrameSourceStats {
    return { state: 'online', framesDecoded: this.i, framesDropped: 0, framesDelivered: this.i, reconnects: 0 };
  }
  async stop(): Promise<void> {}
}

/** "Detects" the bounding box of bright pixels in whatever image it is given; records the images' sizes. */
function brightDetector(): Detector & { seen: Array<{ width: number; height: number }> } {
  const seen: Array<{ width: number; height: number }> = [];
  return {
    seen,
    model: { name: 'fake', layout: 'yolox', inputWidth: 416, inputHeight: 416, classNames: ['thing'] },
    async detect(image: RgbImage): Promise<Detection[]> {
      seen.push({ width: image.width, height: image.height });
      let x1 = image.width;
      let y1 = image.height;
      let x2 = -1;
      let y2 = -1;
      for (let y = 0; y < image.height; y++) {
        for (let x = 0; x < image.width; x++) {
          if (image.data[(y * image.width + x) * 3]! < 200) continue;
          x1 = Math.min(x1, x);
          y1 = Math.min(y1, y);
          x2 = Math.max(x2, x + 1);
          y2 = Math.max(y2, y + 1);
        }
      }
      return x2 < 0 ? [] : [{ classId: 0, className: 'thing', score: 0.9, box: { x1, y1, x2, y2 } }];
    },
    async close() {},
  };
}

/** A tracker that remembers what it was given and reports every detection as a still track. */
function recordingTracker(log: Array<{ tMs: number; detections: Detection[] }>): Tracker {
  return {
    update(detections, tMs): Track[] {
      log.push({ tMs, detections });
      return detections.map((d, i) => ({ id: i + 1, classId: 0, className: d.className, score: d.score, box: d.box, firstSeenMs: tMs, lastSeenMs: tMs, hits: 3, history: [], speedPxPerS: 0 }));
    },
  };
}

function logCollector() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

function pipeline(source: FakeSource, detector: Detector, over: Partial<CameraPipelineDeps> = {}) {
  const tracked: Array<{ tMs: number; detections: Detection[] }> = [];
  const log = logCollector();
  const p = new CameraPipeline({
    cameraId: 'cam',
    source,
    detector,
    makeTracker: () => recordingTracker(tracked),
    makeRules: () => [],
    onHits: async () => {},
    logger: log.logger,
    ...over,
  });
  return { p, tracked, log };
}

const run = (p: CameraPipeline) => p.run(new AbortController().signal);
const motion = (options: { cropper?: MotionCropper } = {}) => ({ detector: new MotionDetector(), gate: new InferenceGate({ keepAliveSeconds: 1 }), ...options });

describe('CameraPipeline: motion gating', () => {
  it('infers on motion and on the keep-alive only; still frames reuse the previous detections', async () => {
    // 5 fps: 0–1.8 s still (a parked block), then a second block moves in for 3 frames.
    const parked = { x: 40, y: 40, w: 30, h: 30 };
    const frames = Array.from({ length: 10 }, (_, i) => frame(i, i * 200, [parked]));
    for (let i = 10; i < 13; i++) frames.push(frame(i, i * 200, [parked, { x: 300 + 20 * (i - 10), y: 200, w: 40, h: 40 }]));
    const detector = brightDetector();
    const { p, tracked } = pipeline(new FakeSource(frames), detector, { motion: motion() });
    await run(p);

    expect(p.stats).toMatchObject({ framesDecoded: 13, framesAnalysed: 13, framesWithMotion: 4, inferencesRun: 5, inferencesSkipped: 8 });
    // Inferred: the first frame, the keep-alive at 1.0 s, then the three frames with motion.
    expect(detector.seen).toHaveLength(5);
    // A skipped frame still reached the tracker, with the parked block's previous detection.
    expect(tracked[3]!.detections.map((d) => d.box)).toEqual([{ x1: 40, y1: 40, x2: 70, y2: 70 }]);
  });

  it('coasts every other frame while all that moves is a tracked object, on its predicted path', async () => {
    // A block walking right at 4 px a frame (20 px/s at 5 fps), tracked with that velocity.
    const frames = Array.from({ length: 12 }, (_, i) => frame(i, i * 200, [{ x: 200 + 4 * i, y: 200, w: 40, h: 40 }]));
    const detector = brightDetector();
    const tracked: Array<{ tMs: number; detections: Detection[] }> = [];
    const walking: Tracker = {
      update(detections, tMs) {
        tracked.push({ tMs, detections });
        return detections.map((d) => ({ id: 1, classId: 0, className: d.className, score: d.score, box: d.box, firstSeenMs: 0, lastSeenMs: tMs, hits: 5, history: [], speedPxPerS: 20, velocityPxPerS: { x: 20, y: 0 } }));
      },
    };
    const { p } = pipeline(new FakeSource(frames), detector, { motion: { ...motion(), coaster: new TrackCoaster(0.35) }, makeTracker: () => walking });
    await run(p);
    expect(p.stats.inferencesCoasted).toBeGreaterThanOrEqual(3);
    expect(p.stats.inferencesRun + p.stats.inferencesCoasted + p.stats.inferencesSkipped).toBe(12);
    // Never two coasted frames in a row: each follows an inference.
    expect(p.stats.inferencesCoasted).toBeLessThanOrEqual(p.stats.inferencesRun);
    // A coasted frame's box is where the block really is (20 px/s × 0.2 s = 4 px on from the last one).
    for (const t of tracked) {
      const i = t.tMs / 200;
      expect(t.detections[0]!.box.x1).toBeCloseTo(200 + 4 * i, 0);
    }
  });

  it('infers every frame without a motion gate', async () => {
    const frames = Array.from({ length: 6 }, (_, i) => frame(i, i * 200));
    const detector = brightDetector();
    const { p } = pipeline(new FakeSource(frames), detector);
    await run(p);
    expect(p.stats).toMatchObject({ framesAnalysed: 6, inferencesRun: 6, inferencesSkipped: 0 });
  });
});

describe('CameraPipeline: shared detector', () => {
  it('analyses the newest frame when its turn comes, and records the lag of the frame it queued with', async () => {
    const now = Date.now();
    const source = new FakeSource([frame(1, now - 300)]);
    source.newer = [frame(2, now - 20, [{ x: 10, y: 10, w: 20, h: 20 }])];
    const { p, tracked } = pipeline(source, brightDetector(), { scheduler: new DetectorScheduler() });
    await run(p);
    expect(tracked).toHaveLength(1);
    expect(tracked[0]!.tMs).toBe(now - 20);
    expect(tracked[0]!.detections).toHaveLength(1);
    expect(p.stats.lagMsLast).toBeGreaterThanOrEqual(300);
    expect(p.lastFrame?.seq).toBe(2);
  });

  it('lowers the analysis fps when frames wait too long for the detector, and says why', async () => {
    // Every frame is 4 s or more old when the detector gets it: the box is far behind.
    const base = Date.now() - 10_000;
    const frames = Array.from({ length: 30 }, (_, i) => frame(i, base + i * 200));
    const rate = new AdaptiveRate({ maxFps: 5, adjustEveryMs: 0 });
    const source = new FakeSource(frames);
    const { p, log } = pipeline(source, brightDetector(), { scheduler: new DetectorScheduler(), rate });
    await run(p);
    expect(rate.fps).toBeLessThan(5);
    expect(p.stats.targetFps).toBe(rate.fps);
    expect(p.stats.framesShed).toBeGreaterThan(0);
    expect(p.stats.framesAnalysed + p.stats.framesShed).toBe(30);
    // Exactly the shed frames go back to the source for their buffers, none that was analysed.
    expect(source.released).toHaveLength(p.stats.framesShed);
    expect(source.released.map((f) => f.seq)).not.toContain(p.lastFrame?.seq);
    const lowered = log.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('analysis fps lowered to 3.7 on cam: detector '));
    expect(lowered).toMatchObject({ fromFps: 5, toFps: 3.7 });
    expect(lowered!.msg).toMatch(/detector \d+% busy, p95 lag \d+ ms$/);
  });
});

describe('CameraPipeline: motion crops', () => {
  it('infers on a model-sized window around a small moving object and maps its box back to the frame', async () => {
    const moving = (i: number) => ({ x: 500 + 8 * i, y: 380, w: 40, h: 24 });
    const frames = [frame(0, 0), ...Array.from({ length: 3 }, (_, i) => frame(i + 1, (i + 1) * 200, [moving(i + 1)]))];
    const detector = brightDetector();
    const { p, tracked } = pipeline(new FakeSource(frames), detector, { motion: motion({ cropper: new MotionCropper({ fullFrameEverySeconds: 10 }) }) });
    await run(p);
    // First frame whole (nothing to compare with yet), then 416x416 windows.
    expect(detector.seen).toEqual([{ width: W, height: H }, { width: 416, height: 416 }, { width: 416, height: 416 }, { width: 416, height: 416 }]);
    expect(p.stats.inferencesCropped).toBe(3);
    for (let i = 1; i <= 3; i++) {
      const b = moving(i);
      expect(tracked[i]!.detections.map((d) => d.box)).toEqual([{ x1: b.x, y1: b.y, x2: b.x + b.w, y2: b.y + b.h }]);
    }
  });

  it('runs the whole frame when the motion does not fit one window', async () => {
    const frames = [frame(0, 0), frame(1, 200, [{ x: 10, y: 10, w: 30, h: 30 }, { x: 580, y: 420, w: 30, h: 30 }])];
    const detector = brightDetector();
    const { p } = pipeline(new FakeSource(frames), detector, { motion: motion({ cropper: new MotionCropper({ fullFrameEverySeconds: 10 }) }) });
    await run(p);
    expect(detector.seen).toEqual([{ width: W, height: H }, { width: W, height: H }]);
    expect(p.stats.inferencesCropped).toBe(0);
  });
});

/** A rule that hits on every frame (so onHits runs once per frame). */
const everyFrame: Rule = {
  id: 'r',
  type: 'test',
  evaluate: (_tracks, tMs): RuleHit[] => [{ ruleId: 'r', ruleType: 'test', category: 'security', severity: 'low', trackId: 0, className: 'x', score: 1, box: { x1: 0, y1: 0, x2: 1, y2: 1 }, tMs }],
};

describe('CameraPipeline: detection and analysis overlap', () => {
  it('starts detecting the next frame while the previous one is still being analysed', async () => {
    const events: string[] = [];
    const frames = Array.from({ length: 3 }, (_, i) => frame(i, i * 200));
    const detector: Detector = { ...brightDetector(), detect: async (image) => { events.push(`detect ${(image as Frame).seq}`); return []; } };
    let release!: () => void;
    const firstHitsHeld = new Promise<void>((r) => (release = r));
    const { p } = pipeline(new FakeSource(frames), detector, {
      makeRules: () => [everyFrame],
      onHits: async (_hits, f) => {
        events.push(`hits ${f.seq} start`);
        if (f.seq === 0) {
          await new Promise((r) => setTimeout(r, 20));
          events.push('release');
          release();
        }
        await firstHitsHeld;
        events.push(`hits ${f.seq} end`);
      },
    });
    await run(p);
    expect(events.indexOf('detect 1')).toBeLessThan(events.indexOf('hits 0 end'));
    expect(events.filter((e) => e.startsWith('hits') && e.endsWith('end'))).toEqual(['hits 0 end', 'hits 1 end', 'hits 2 end']);
    expect(p.stats.framesAnalysed).toBe(3);
  });

  it('with two in flight, keeps the detector fed and still analyses frames in order', async () => {
    let running = 0;
    let most = 0;
    const detector: Detector = {
      ...brightDetector(),
      detect: async (image) => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 2));
        running--;
        return [{ classId: 0, className: 'thing', score: 1, box: { x1: 0, y1: 0, x2: (image as Frame).seq + 1, y2: 1 } }];
      },
    };
    const frames = Array.from({ length: 12 }, (_, i) => frame(i, i * 50));
    const { p, tracked } = pipeline(new FakeSource(frames), detector, { scheduler: new DetectorScheduler({ maxInFlight: 2 }), maxInFlight: 2 });
    await run(p);
    expect(most).toBe(2);
    expect(tracked.map((t) => t.tMs)).toEqual(frames.map((f) => f.capturedAtMs));
    expect(tracked.map((t) => t.detections[0]!.box.x2)).toEqual(frames.map((f) => f.seq + 1));
  });

  it('stops detecting and rejects when the analysis fails', async () => {
    const frames = Array.from({ length: 50 }, (_, i) => frame(i, i * 200));
    const source = new FakeSource(frames);
    const { p } = pipeline(source, brightDetector(), {
      makeRules: () => [everyFrame],
      onHits: async (_hits, f) => {
        if (f.seq === 2) throw new Error('store is gone');
      },
    });
    await expect(run(p)).rejects.toThrow('store is gone');
    expect(source.stats().framesDelivered).toBeLessThan(10);
  });

  it('rejects when the detector fails, after analysing what it was handed', async () => {
    const frames = Array.from({ length: 5 }, (_, i) => frame(i, i * 200));
    const detector: Detector = { ...brightDetector(), detect: async (image) => { if ((image as Frame).seq === 3) throw new Error('model failed'); return []; } };
    const { p } = pipeline(new FakeSource(frames), detector);
    await expect(run(p)).rejects.toThrow('model failed');
    expect(p.stats.framesAnalysed).toBe(3);
  });
});

describe('CameraPipeline: tiled detection', () => {
  it('runs every window of the plan on each frame and merges their boxes into frame pixels (an object in the overlap once)', async () => {
    // One object in the shared band of the two windows (x 224..416), one only the right window sees.
    const blocks = [{ x: 300, y: 200, w: 30, h: 20 }, { x: 560, y: 100, w: 40, h: 30 }];
    const frames = [frame(0, 0, blocks), frame(1, 200, blocks)];
    const detector = brightDetector();
    const plan = [{ x: 0, y: 0, width: 416, height: H }, { x: 224, y: 0, width: 416, height: H }];
    const planned: Array<{ width: number; height: number }> = [];
    const { p, tracked } = pipeline(new FakeSource(frames), detector, { tiles: (f) => (planned.push({ width: f.width, height: f.height }), plan) });
    await run(p);
    // Planned once for the frame size; two 416-wide windows per frame, never the whole frame.
    expect(planned).toEqual([{ width: W, height: H }]);
    expect(detector.seen).toEqual([{ width: 416, height: H }, { width: 416, height: H }, { width: 416, height: H }, { width: 416, height: H }]);
    expect(p.stats.inferencesTiled).toBe(2);
    // The fake detector returns one box around all bright pixels of its window: the left window sees the
    // first object, the right window both (one box spanning them).
    const boxes = tracked[0]!.detections.map((d) => d.box);
    expect(boxes).toContainEqual({ x1: 300, y1: 200, x2: 330, y2: 220 });
    expect(boxes).toContainEqual({ x1: 300, y1: 100, x2: 600, y2: 220 });
  });

  it('focused: runs only the window where something moved, feeds the other window\'s previous detections, and every window each keep-alive', async () => {
    // A parked block only the right window sees; a block moving 20 px per frame only the left window sees.
    const parked = { x: 560, y: 100, w: 40, h: 30 };
    const frames = Array.from({ length: 8 }, (_, i) => frame(i, i * 200, [parked, { x: 40 + 20 * i, y: 200, w: 40, h: 40 }]));
    const detector = brightDetector();
    const plan = [{ x: 0, y: 0, width: 416, height: H }, { x: 224, y: 0, width: 416, height: H }];
    const { p, tracked } = pipeline(new FakeSource(frames), detector, { tiles: () => plan, motion: motion(), tileFocus: new TileFocus({ allEverySeconds: 1 }) });
    await run(p);
    // Both windows at 0 s and 1.0 s; the left one alone on the 6 other frames.
    expect(p.stats).toMatchObject({ framesAnalysed: 8, inferencesRun: 8, inferencesTiled: 8, detectorRuns: 10, tilesSkipped: 6 });
    expect(detector.seen).toHaveLength(10);
    for (const [i, t] of tracked.entries()) {
      const boxes = t.detections.map((d) => d.box);
      // The parked block reaches the tracker on every frame, from the right window's last run when it did not run.
      expect(boxes).toContainEqual({ x1: 560, y1: 100, x2: 600, y2: 130 });
      // The moving block where it is now, once.
      expect(boxes).toContainEqual({ x1: 40 + 20 * i, y1: 200, x2: 80 + 20 * i, y2: 240 });
      expect(boxes).toHaveLength(2);
    }
  });

  it('focused: motion outside the tiled region runs no window; the previous detections stand in', async () => {
    // The windows cover the lower half; a parked block there, a block moving across the upper half.
    const parked = { x: 100, y: 400, w: 40, h: 30 };
    const frames = Array.from({ length: 4 }, (_, i) => frame(i, i * 200, [parked, { x: 40 + 20 * i, y: 20, w: 40, h: 40 }]));
    const detector = brightDetector();
    const plan = [{ x: 0, y: 240, width: 416, height: 240 }, { x: 224, y: 240, width: 416, height: 240 }];
    const { p, tracked } = pipeline(new FakeSource(frames), detector, { tiles: () => plan, motion: motion(), tileFocus: new TileFocus({ allEverySeconds: 1 }) });
    await run(p);
    // Both windows on the first frame only; then the gate lets the moving frames through and no window runs.
    expect(p.stats).toMatchObject({ framesAnalysed: 4, inferencesRun: 1, inferencesSkipped: 3, detectorRuns: 2, tilesSkipped: 6 });
    expect(tracked.map((t) => t.detections.map((d) => d.box))).toEqual(Array.from({ length: 4 }, () => [{ x1: 100, y1: 400, x2: 140, y2: 430 }]));
  });

  it('runs the whole frame when the plan is the whole frame', async () => {
    const detector = brightDetector();
    const { p } = pipeline(new FakeSource([frame(0, 0)]), detector, { tiles: () => [{ x: 0, y: 0, width: W, height: H }] });
    await run(p);
    expect(detector.seen).toEqual([{ width: W, height: H }]);
    expect(p.stats.inferencesTiled).toBe(0);
  });
});
