import { BusyMeter, DEFAULT_BUSY_WINDOW_MS } from './busy-meter.js';
import type { Detection, RgbImage } from './types.js';

/** What the scheduler needs of a detector: one image per run, or several when the model's batch allows. */
export interface SchedulableDetector {
  detect(image: RgbImage): Promise<Detection[]>;
  detectBatch?(images: readonly RgbImage[]): Promise<Detection[][]>;
  /** Images per run; absent or 1: no batching (our shipped models have a fixed batch of 1). */
  readonly maxBatch?: number;
  /** Runs it executes at the same time (a pool of detector workers, detector-pool.ts); absent: 1. */
  readonly parallelRuns?: number;
}

/** An image with the wall-clock time it was captured (epoch ms): a Frame satisfies this. */
export interface TimedImage extends RgbImage {
  capturedAtMs: number;
}

/** One camera asking for one inference. */
export interface DetectRequest<F extends TimedImage> {
  cameraId: string;
  detector: SchedulableDetector;
  /** The frame the camera holds when it asks. */
  frame: F;
  /**
   * Called when the turn starts: a frame newer than `frame`, if the camera received one while it waited.
   * The detector then sees the newest picture, not the one that went stale in the queue.
   */
  newer?: () => F | undefined;
}

/** What one request got. */
export interface DetectOutcome<F extends TimedImage> {
  /** The frame actually analysed (`newer()`'s when it gave one). */
  frame: F;
  detections: Detection[];
  /** Queued → dispatched (ms). */
  waitMs: number;
  /**
   * Dispatch time − capture time of the frame the camera asked with (ms): how far behind the camera
   * would be without the swap to a newer frame. It grows when the detector cannot serve every camera
   * at its rate, which is what load shedding watches (the analysed frame's own age stays small).
   */
  lagMs: number;
  /** Images in the run this one was part of. */
  batchSize: number;
}

export interface SchedulerStats {
  /** Detector runs (a batch counts once). */
  runs: number;
  images: number;
  /** Images that shared a run with others. */
  batchedImages: number;
  /** Requests waiting for a turn. */
  queued: number;
  /** Busy share of the detector over the last window (0..1). */
  busyFraction: number;
  /** Busy share since the scheduler was created (0..1). */
  busyFractionLifetime: number;
  maxWaitMs: number;
}

export interface SchedulerOptions {
  /** Epoch-ms clock (tests pass a fake one); capture times are compared with it. */
  clock?: () => number;
  /** Window of the recent busy share (ms). */
  busyWindowMs?: number;
  /**
   * Runs handed to each of the detector's lanes (`parallelRuns`) before the previous one returned
   * (default 1). With the detector in a worker thread, 2 keeps the next image queued in the worker, so it
   * never idles while the main thread hands over the next frame (~2.5 ms a frame, 11 % of the worker's
   * time, measured on the 2-core box); that image is then up to one inference (~17 ms) older when the model
   * starts on it.
   */
  maxInFlight?: number;
}

interface Entry {
  req: DetectRequest<TimedImage>;
  queuedAtMs: number;
  resolve: (outcome: DetectOutcome<TimedImage>) => void;
  reject: (err: unknown) => void;
}

/**
 * One detector (one model, one or several workers), many cameras. Cameras wait in one line in the order they asked, at most one place per
 * camera: the camera that has waited longest goes next, and a camera asking again and again (or a fast
 * one) goes to the back after each turn, so it cannot starve the others. The frame is chosen when the
 * turn starts (the newest the camera has). When the model takes batches, the cameras at the front of
 * the line share one run (up to `maxBatch`), never waiting to fill a batch.
 */
export class DetectorScheduler {
  private readonly ready: Entry[] = [];
  /** Further requests of cameras already in line; each joins the back when the one before is served. */
  private readonly held = new Map<string, Entry[]>();
  private readonly clock: () => number;
  private readonly meter: BusyMeter;
  private readonly maxInFlight: number;
  private inFlight = 0;
  /** Lanes of the detector last dispatched to (its parallelRuns). */
  private lanes = 1;
  /** The busy stretch open now: since when, at which share of the lanes (undefined: idle). */
  private segment?: { sinceMs: number; share: number };
  private readonly counters = { runs: 0, images: 0, batchedImages: 0, maxWaitMs: 0 };

  constructor(options: SchedulerOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.meter = new BusyMeter(this.clock(), options.busyWindowMs ?? DEFAULT_BUSY_WINDOW_MS);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  }

  /** Queues one inference; resolves when it has run (rejects with the detector's error). */
  detect<F extends TimedImage>(req: DetectRequest<F>): Promise<DetectOutcome<F>> {
    return new Promise<DetectOutcome<F>>((resolve, reject) => {
      const entry: Entry = {
        req: req as unknown as DetectRequest<TimedImage>,
        queuedAtMs: this.clock(),
        resolve: resolve as unknown as Entry['resolve'],
        reject,
      };
      if (this.ready.some((e) => e.req.cameraId === req.cameraId)) {
        const list = this.held.get(req.cameraId) ?? [];
        list.push(entry);
        this.held.set(req.cameraId, list);
      } else {
        this.ready.push(entry);
      }
      this.pump();
    });
  }

  /** Requests waiting for a turn. */
  get queued(): number {
    let n = this.ready.length;
    for (const list of this.held.values()) n += list.length;
    return n;
  }

  /**
   * Share of the detector's capacity used over the last window (0..1): each lane busy counts 1 / lanes.
   * Near 1 means it is the bottleneck.
   */
  get busyFraction(): number {
    return this.meter.recent(this.clock(), this.segment?.sinceMs, this.segment?.share);
  }

  stats(): SchedulerStats {
    const now = this.clock();
    return { ...this.counters, queued: this.queued, busyFraction: this.meter.recent(now, this.segment?.sinceMs, this.segment?.share), busyFractionLifetime: this.meter.lifetime(now) };
  }

  private pump(): void {
    while (this.ready.length > 0 && this.inFlight < this.maxInFlight * lanesOf(this.ready[0]!.req.detector)) {
      const batch = this.takeBatch();
      const now = this.clock();
      this.lanes = lanesOf(batch[0]!.req.detector);
      this.inFlight++;
      this.markLoad(now);
      void this.run(batch, now);
    }
  }

  /** Closes the busy stretch so far when the load changes (runs in flight over the lanes) and opens the next. */
  private markLoad(nowMs: number): void {
    const share = Math.min(this.inFlight, this.lanes) / this.lanes;
    if (share === this.segment?.share) return;
    if (this.segment) this.meter.record(this.segment.sinceMs, nowMs, this.segment.share);
    this.segment = share > 0 ? { sinceMs: nowMs, share } : undefined;
  }

  /** The front of the line, plus the next cameras using the same detector while the batch has room. */
  private takeBatch(): Entry[] {
    const first = this.ready.shift()!;
    const detector = first.req.detector;
    const room = detector.detectBatch !== undefined ? Math.max(1, detector.maxBatch ?? 1) : 1;
    const batch = [first];
    for (let i = 0; i < this.ready.length && batch.length < room; ) {
      if (this.ready[i]!.req.detector === detector) batch.push(...this.ready.splice(i, 1));
      else i++;
    }
    for (const e of batch) {
      const list = this.held.get(e.req.cameraId);
      const next = list?.shift();
      if (next) this.ready.push(next);
      if (list?.length === 0) this.held.delete(e.req.cameraId);
    }
    return batch;
  }

  private async run(batch: Entry[], t0: number): Promise<void> {
    const detector = batch[0]!.req.detector;
    let settle: () => void;
    try {
      const frames = batch.map((e) => e.req.newer?.() ?? e.req.frame);
      const results = frames.length === 1 ? [await detector.detect(frames[0]!)] : await detector.detectBatch!(frames);
      if (results.length !== frames.length) throw new Error(`detectBatch returned ${results.length} results for ${frames.length} images`);
      settle = () => {
        const c = this.counters;
        c.runs++;
        c.images += frames.length;
        if (frames.length > 1) c.batchedImages += frames.length;
        batch.forEach((e, i) => {
          const waitMs = t0 - e.queuedAtMs;
          c.maxWaitMs = Math.max(c.maxWaitMs, waitMs);
          e.resolve({ frame: frames[i]!, detections: results[i]!, waitMs, lagMs: t0 - e.req.frame.capturedAtMs, batchSize: frames.length });
        });
      };
    } catch (err) {
      settle = () => batch.forEach((e) => e.reject(err));
    }
    // The detector's state is settled before anyone hears back: a camera reading the busy share sees it.
    this.inFlight--;
    this.markLoad(this.clock());
    settle();
    this.pump();
  }
}

/** Runs a detector executes at the same time: its workers (at least 1). */
function lanesOf(detector: SchedulableDetector): number {
  return Math.max(1, detector.parallelRuns ?? 1);
}
