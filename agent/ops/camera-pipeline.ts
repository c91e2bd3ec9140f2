import type { Frame, FrameSource } from '../frames/index.js';
import { DEFAULT_NMS_IOU_THRESHOLD, mergeTileDetections, type DetectorScheduler, type Detection, type Detector } from '../detection/index.js';
import { boundingRegion, mergeCropDetections, type IdleMotionCells, type InferenceGate, type MotionCropper, type MotionDetector, type MotionRegion } from '../motion/index.js';
import { cropImage, type Box, type CropRect } from '../core/index.js';
import type { Track, Tracker, TrackCoaster } from '../tracking/index.js';
import type { AdaptiveRate } from './adaptive-rate.js';
import { Handoff } from './handoff.js';
import type { Rule, RuleHit } from '../rules/index.js';
import type { Logger } from '../core/index.js';
import { mergeFocusedTiles, type TileFocus } from './tile-focus.js';

/** Counters one camera's analysis loop keeps; read by stats logging, health and the benchmark. */
export interface PipelineStats {
  /** Frames the decoder produced (the source's count, copied at each analysed frame). */
  framesDecoded: number;
  framesAnalysed: number;
  /** Frames in which the motion detector saw something move. */
  framesWithMotion: number;
  inferencesRun: number;
  /** Frames whose only motion was in idle cells (foliage, flags: motion where the detector keeps finding nothing). */
  framesIdleMotion: number;
  /** Frames analysed with the previous detections because nothing moved. */
  inferencesSkipped: number;
  /** Frames analysed with the tracks' predicted boxes because everything that moved was tracked (motion.coastTracks). */
  inferencesCoasted: number;
  /** Inferences run on a window around the motion instead of the whole frame. */
  inferencesCropped: number;
  /** Frames whose detection ran on the tiled plan's windows (one detector run per window). */
  inferencesTiled: number;
  /** Detector runs: one per whole-frame or crop inference, one per window of a tiled one. */
  detectorRuns: number;
  /** Windows of tiled frames not run because nothing can have changed in them (tiling.focus). */
  tilesSkipped: number;
  /** Frames not analysed at all because the camera was throttled under CPU pressure. */
  framesShed: number;
  /** The analysis rate in force (fps): the configured one unless load shedding lowered it. */
  targetFps?: number;
  /** Detector dispatch − capture of the frame queued for it (ms): the latest, and the largest seen. */
  lagMsLast?: number;
  lagMsMax: number;
  detections: number;
  ruleHits: number;
  /** Sum of (analysis done − frame captured), ms: the frame-to-decision latency. */
  latencyMsTotal: number;
  latencyMsMax: number;
  /** The most recent latencies (ms), newest last, at most LATENCY_SAMPLES: for p50/p95 without a histogram. */
  recentLatenciesMs: number[];
  lastFrameAtMs?: number;
}

/** A frame and its detections, handed from the detection loop to the analysis loop. */
interface Analysed {
  frame: Frame;
  detections: Detection[];
  /** Detector dispatch − capture of the frame queued (ms); absent when the motion gate skipped the detector. */
  lagMs?: number;
  /** Whether the detector ran on this frame (false: the motion gate skipped it and the previous detections stand in). */
  inferred: boolean;
}

/** The windows a focused tiled frame runs, and where something can have changed (tile-focus.ts). */
interface FocusedTiles {
  run: readonly CropRect[];
  changed: readonly Box[];
}

/** What happened to one analysed frame, for observers (the eval harness records it per frame). */
export interface FrameOutcome {
  inferenceRun: boolean;
  detections: number;
  tracks: number;
  hits: number;
}

/** Latencies kept for percentiles: a minute of frames at 5 fps. */
export const LATENCY_SAMPLES = 300;

export interface CameraPipelineDeps {
  cameraId: string;
  source: FrameSource;
  detector: Detector;
  /** Fair turns at the shared detector; without it calls go straight to the detector. */
  scheduler?: DetectorScheduler;
  /** Load shedding: lowers this camera's analysis rate when the box cannot keep up. */
  rate?: AdaptiveRate;
  /**
   * Detections this camera may have started before the previous one was handed over (default 1). With 2,
   * a camera whose source is faster than the model keeps the next frame queued at the detector.
   */
  maxInFlight?: number;
  /** Motion gate in front of the detector (without it every frame is inferred), and optional motion crops. */
  motion?: { detector: MotionDetector; gate: InferenceGate; cropper?: MotionCropper; idle?: IdleMotionCells; coaster?: TrackCoaster };
  /**
   * Tiled detection: the windows (analysis pixels) the detector runs on instead of the whole frame, for a
   * frame size and the source's size; planned again when the frame size changes. Absent or empty: whole frames.
   */
  tiles?: (frame: { width: number; height: number }, source: { width?: number; height?: number }) => readonly CropRect[];
  /**
   * Runs only the windows where something can have changed (motion, moving tracks), all of them on the
   * gate's re-checks; needs `motion`. Absent: every window on every frame the gate lets through.
   */
  tileFocus?: TileFocus;
  /** The detector's NMS IoU threshold: duplicates seen by two overlapping windows are merged at it. */
  nmsIouThreshold?: number;
  /** A fresh tracker; called again when the frame size changes (coordinates no longer comparable). */
  makeTracker: () => Tracker;
  /** Rules need the frame size to turn normalised geometry into pixels, so they are built on the first frame. */
  makeRules: (frame: Frame, source: { width?: number; height?: number }) => Rule[];
  /** Every rule hit of one frame, together: the incident lifecycle decides per frame what opens or ends. */
  onHits: (hits: RuleHit[], frame: Frame) => Promise<void>;
  /** Called once per analysed frame, after its hits were handled (in frame order). */
  onAnalysed?: (frame: Frame, outcome: FrameOutcome) => void;
  /** Clock for latency, lag and load shedding (epoch ms): the wall clock live, the video's clock in eval. */
  now?: () => number;
  logger: Logger;
}

/**
 * One camera's analysis: newest frame → motion gate → detector → tracker → rules → hits. It only moves
 * data between stages; every decision lives in the stages themselves.
 */
export class CameraPipeline {
  /** The newest analysed frame (a reference, not a copy): answers the IOC's `snapshot` command. */
  lastFrame?: Frame;
  /** The detections and tracks of `lastFrame` (references set with it, nothing copied): the console's live view draws them. */
  lastDetections: readonly Detection[] = [];
  lastTracks: readonly Track[] = [];
  /**
   * When the most recent frames finished analysis (epoch ms), newest last, at most LATENCY_SAMPLES: the
   * analysis fps over a window is computed from these by whoever reads them, so reading changes nothing.
   */
  readonly recentAnalysedAtMs: number[] = [];
  readonly stats: PipelineStats = {
    framesDecoded: 0, framesAnalysed: 0, framesWithMotion: 0, inferencesRun: 0, inferencesSkipped: 0, inferencesCoasted: 0, inferencesCropped: 0, inferencesTiled: 0, detectorRuns: 0, tilesSkipped: 0, framesIdleMotion: 0, framesShed: 0,
    lagMsMax: 0, detections: 0, ruleHits: 0, latencyMsTotal: 0, latencyMsMax: 0, recentLatenciesMs: [],
  };
  private readonly deps: CameraPipelineDeps;
  /** Frame size the tracker and rules were built for. */
  private trackedGeometry = '';
  /** Windows of the current frame size (tiled detection), empty for whole frames. */
  private tilePlan: readonly CropRect[] = [];
  /** Scheduler requests made so far: only the latest may swap its frame for a newer one. */
  private requestsMade = 0;

  private readonly now: () => number;

  constructor(deps: CameraPipelineDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
  }

  /**
   * Two loops joined by a one-item handoff: detection (newest frame → motion gate → detector) and
   * analysis (tracker → rules → hits). While the tracker and rules work on frame N, the detector already
   * runs on frame N+1, so a camera's rate is set by the slower of the two, not their sum. The motion gate
   * sees the tracks of the last frame the analysis loop finished (at most one frame old).
   */
  async run(signal: AbortSignal): Promise<void> {
    const handoff = new Handoff<Analysed>();
    const shared: { lastTracks: readonly Track[] } = { lastTracks: [] };
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) stop.abort();
    // A detector failure ends detection: analysis finishes what it was handed, then the error surfaces.
    const detect = this.detectLoop(stop.signal, handoff, shared).finally(() => handoff.end());
    // An analysis failure stops detection too (nothing would take its results).
    const analyse = this.analyseLoop(handoff, shared).catch((err: unknown) => {
      stop.abort();
      handoff.end();
      throw err;
    });
    try {
      await Promise.all([detect, analyse]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async detectLoop(signal: AbortSignal, handoff: Handoff<Analysed>, shared: { lastTracks: readonly Track[] }): Promise<void> {
    const { source } = this.deps;
    const depth = Math.max(1, this.deps.maxInFlight ?? 1);
    let geometryKey = '';
    let lastDetections: Detection[] = [];
    // Detections started and not yet handed over, oldest first; each is handed over as soon as it and
    // every older one are done, so a slow source never holds a finished result back.
    const inFlight: Array<Promise<void>> = [];
    let handedOver: Promise<void> = Promise.resolve();
    try {
      while (!signal.aborted) {
        if (inFlight.length >= depth) await inFlight[0];
        const frame = await source.next(signal);
        if (!frame) break;
        this.stats.framesDecoded = source.stats().framesDecoded;
        const rate = this.deps.rate;
        if (rate && !rate.admit(frame.capturedAtMs)) {
          this.stats.framesShed++;
          // Nothing saw it: its buffer can carry a later frame instead of a new allocation.
          source.release?.(frame);
          continue;
        }
        const key = `${frame.width}x${frame.height}`;
        if (key !== geometryKey) {
          // Boxes of another frame size cannot stand in for this one's.
          lastDetections = [];
          geometryKey = key;
          this.tilePlan = this.planTiles(frame);
        }
        const detected = this.detections(frame, lastDetections, key === this.trackedGeometry ? shared.lastTracks : []);
        const done: Promise<void> = (handedOver = handedOver.then(async () => {
          const analysed = await detected;
          if (`${analysed.frame.width}x${analysed.frame.height}` === geometryKey) lastDetections = analysed.detections;
          await handoff.put(analysed);
          inFlight.shift();
        }));
        inFlight.push(done);
        // Seen later (the next wait on it, or the final drain): not an unhandled rejection meanwhile.
        done.catch(() => undefined);
        if (depth === 1) await done;
      }
    } finally {
      await handedOver;
    }
  }

  private async analyseLoop(handoff: Handoff<Analysed>, shared: { lastTracks: readonly Track[] }): Promise<void> {
    const { source, logger } = this.deps;
    let tracker: Tracker | undefined;
    let rules: Rule[] = [];
    for (let item = await handoff.take(); item; item = await handoff.take()) {
      const { frame, detections, lagMs, inferred } = item.value;
      const key = `${frame.width}x${frame.height}`;
      if (key !== this.trackedGeometry || !tracker) {
        const s = source.stats();
        rules = this.deps.makeRules(frame, { width: s.sourceWidth, height: s.sourceHeight });
        tracker = this.deps.makeTracker();
        shared.lastTracks = [];
        if (this.trackedGeometry) logger.warn({ from: this.trackedGeometry, to: key }, 'frame size changed: tracks and rule state reset');
        this.trackedGeometry = key;
      }
      const tracks = tracker.update(detections, frame.capturedAtMs);
      shared.lastTracks = tracks;
      const hits: RuleHit[] = [];
      for (const rule of rules) hits.push(...rule.evaluate(tracks, frame.capturedAtMs, { frame }));
      this.stats.ruleHits += hits.length;
      if (hits.length) await this.deps.onHits(hits, frame);
      const doneAtMs = this.now();
      const latencyMs = doneAtMs - frame.capturedAtMs;
      this.stats.framesAnalysed++;
      this.recentAnalysedAtMs.push(doneAtMs);
      if (this.recentAnalysedAtMs.length > LATENCY_SAMPLES) this.recentAnalysedAtMs.shift();
      this.stats.detections += detections.length;
      this.stats.latencyMsTotal += latencyMs;
      this.stats.latencyMsMax = Math.max(this.stats.latencyMsMax, latencyMs);
      this.stats.recentLatenciesMs.push(latencyMs);
      if (this.stats.recentLatenciesMs.length > LATENCY_SAMPLES) this.stats.recentLatenciesMs.shift();
      if (lagMs !== undefined) {
        this.stats.lagMsLast = lagMs;
        this.stats.lagMsMax = Math.max(this.stats.lagMsMax, lagMs);
      }
      if (this.deps.rate) this.adjustRate(this.deps.rate, lagMs);
      this.stats.lastFrameAtMs = frame.capturedAtMs;
      this.lastFrame = frame;
      this.lastDetections = detections;
      this.lastTracks = tracks;
      this.deps.onAnalysed?.(frame, { inferenceRun: inferred, detections: detections.length, tracks: tracks.length, hits: hits.length });
    }
  }

  /** Feeds the load shedder one analysed frame; logs when the camera's analysis rate moves. */
  private adjustRate(rate: AdaptiveRate, lagMs: number | undefined): void {
    const detectorBusy = this.deps.scheduler?.busyFraction ?? 0;
    const change = rate.observe({ tMs: this.now(), lagMs, detectorBusy });
    if (!change) return;
    this.stats.targetFps = change.toFps;
    const lowered = change.toFps < change.fromFps;
    const why = `detector ${Math.round(change.detectorBusy * 100)}% busy, p95 lag ${change.p95LagMs} ms`;
    this.deps.logger[lowered ? 'warn' : 'info'](
      { fromFps: change.fromFps, toFps: change.toFps, p95LagMs: change.p95LagMs, detectorBusy: change.detectorBusy },
      lowered
        ? `analysis fps lowered to ${change.toFps} on ${this.deps.cameraId}: ${why}`
        : `analysis fps raised to ${change.toFps} on ${this.deps.cameraId}: load has fallen (${why})`,
    );
  }

  /**
   * The frame's detections: from the model, or — when nothing moved and no track is moving — the
   * previous ones, so stationary objects keep their tracks while the model rests. `lagMs` is set when the
   * detector ran.
   */
  private async detections(frame: Frame, previous: Detection[], lastTracks: readonly Track[]): Promise<Analysed> {
    const gate = this.deps.motion;
    if (!gate) return this.infer(frame, previous);
    const tMs = frame.capturedAtMs;
    const m = gate.detector.detect(frame, tMs);
    // Motion only in cells where the detector keeps finding nothing (foliage, a flag) does not wake it.
    // (Motion without regions — the first frame, a whole-scene change — always counts.)
    const regions = m.regions === undefined || !gate.idle ? m.regions : gate.idle.live(m.regions, frame, tMs);
    const motion = m.motion && (regions === undefined || regions.length > 0);
    if (motion) this.stats.framesWithMotion++;
    else if (m.motion) this.stats.framesIdleMotion++;
    const reason = gate.gate.decide(motion, lastTracks, tMs);
    if (reason === 'skip') {
      this.stats.inferencesSkipped++;
      return { frame, detections: previous, inferred: false };
    }
    // What moved, for coasting and focused tiles: none without motion; undefined for a whole-scene change.
    const moving = motion ? regions : [];
    // Everything that moves is on a track's predicted path: the tracks coast one frame instead (tracking/coast.ts).
    const coasted = (reason === 'motion' || reason === 'active-tracks') && gate.coaster ? gate.coaster.decide(moving, lastTracks, previous, tMs, frame.width) : undefined;
    if (coasted) {
      this.stats.inferencesCoasted++;
      return { frame, detections: coasted, inferred: false };
    }
    const region = motion && regions !== undefined && regions.length > 0 ? boundingRegion(regions) : undefined;
    const { inputWidth, inputHeight } = this.deps.detector.model;
    const rect = gate.cropper?.plan(reason, region, frame, { width: inputWidth, height: inputHeight }, tMs);
    let focus: FocusedTiles | undefined;
    if (!(rect && region) && this.tilePlan.length > 0 && this.deps.tileFocus) {
      const choice = this.deps.tileFocus.choose({ plan: this.tilePlan, reason, regions: moving, tracks: lastTracks, tMs });
      if (choice.run.length === 0) {
        // What changed lies outside the tiled region: no window can have changed.
        this.stats.inferencesSkipped++;
        this.stats.tilesSkipped += this.tilePlan.length;
        return { frame, detections: previous, inferred: false };
      }
      if (!choice.all) focus = { run: choice.run, changed: choice.changed };
    }
    const out = await this.infer(frame, previous, rect && region ? { rect, region } : undefined, focus);
    // Only a result of this very frame says what its motion held (the scheduler may have swapped in a newer one).
    if (gate.idle && out.frame === frame) gate.idle.observe(m.regions ?? [], out.detections, frame, tMs);
    return out;
  }

  /** One inference for a frame the gate let through: on a motion crop, on the tiled plan, or on the whole frame. */
  private async infer(frame: Frame, previous: Detection[], crop?: { rect: CropRect; region: MotionRegion }, focus?: FocusedTiles): Promise<Analysed> {
    this.stats.inferencesRun++;
    if (crop) return this.detectCrop(frame, previous, crop.rect, crop.region);
    if (this.tilePlan.length > 0) return this.detectTiles(frame, this.tilePlan, focus && { ...focus, previous });
    this.stats.detectorRuns++;
    const { detector, scheduler, source } = this.deps;
    if (!scheduler) {
      const lagMs = this.now() - frame.capturedAtMs;
      return { frame, detections: await detector.detect(frame), lagMs, inferred: true };
    }
    // Our turn may come after a fresher frame arrived: analyse that one — unless a later request of this
    // camera is already queued with a frame of its own (two in flight), which must stay the newer.
    const request = ++this.requestsMade;
    const newer = () => (request === this.requestsMade ? source.takeNewer() : undefined);
    const out = await scheduler.detect({ cameraId: this.deps.cameraId, detector, frame, newer });
    return { frame: out.frame, detections: out.detections, lagMs: out.lagMs, inferred: true };
  }

  /** The windows for this frame size; none when the plan is the whole frame (nothing to gain). */
  private planTiles(frame: Frame): readonly CropRect[] {
    if (!this.deps.tiles) return [];
    const s = this.deps.source.stats();
    const plan = this.deps.tiles(frame, { width: s.sourceWidth, height: s.sourceHeight });
    const whole = plan.length === 1 && plan[0]!.x === 0 && plan[0]!.y === 0 && plan[0]!.width === frame.width && plan[0]!.height === frame.height;
    if (!whole) this.deps.logger.info({ frame: `${frame.width}x${frame.height}`, tiles: plan }, `tiled detection on ${this.deps.cameraId}: ${plan.length} window(s) per frame`);
    return whole ? [] : plan;
  }

  /**
   * Inference on each window of the plan (or, focused, on the windows chosen), one after the other (fair
   * turns at the shared detector), merged into the frame's detections; focused, the previous detections
   * stand in for the windows not run. The frame is not swapped for a newer one: every window must be of one frame.
   */
  private async detectTiles(frame: Frame, plan: readonly CropRect[], focus?: FocusedTiles & { previous: Detection[] }): Promise<Analysed> {
    this.stats.inferencesTiled++;
    const { detector, scheduler } = this.deps;
    const lagMs = this.now() - frame.capturedAtMs;
    const run = focus?.run ?? plan;
    this.stats.detectorRuns += run.length;
    this.stats.tilesSkipped += plan.length - run.length;
    // Asked for together: with several detector workers the windows run at the same time (the scheduler still
    // lines them up behind other cameras' turns), so a tiled frame waits for its slowest window, not their sum.
    const perTile = await Promise.all(
      run.map(async (rect) => {
        const image = { ...cropImage(frame, rect), capturedAtMs: frame.capturedAtMs };
        const detections = scheduler ? (await scheduler.detect({ cameraId: this.deps.cameraId, detector, frame: image })).detections : await detector.detect(image);
        return { rect, detections };
      }),
    );
    const iouThreshold = this.deps.nmsIouThreshold ?? DEFAULT_NMS_IOU_THRESHOLD;
    const detections = focus ? mergeFocusedTiles(perTile, focus.previous, focus.changed, iouThreshold) : mergeTileDetections(perTile, iouThreshold);
    return { frame, detections, lagMs, inferred: true };
  }

  /**
   * Inference on a window around the motion. The frame is not swapped for a newer one at dispatch: the
   * window was placed on this frame's motion.
   */
  private async detectCrop(frame: Frame, previous: Detection[], rect: CropRect, region: MotionRegion): Promise<Analysed> {
    this.stats.inferencesCropped++;
    this.stats.detectorRuns++;
    const { detector, scheduler } = this.deps;
    const image = { ...cropImage(frame, rect), capturedAtMs: frame.capturedAtMs };
    let found: Detection[];
    let lagMs: number;
    if (scheduler) {
      const out = await scheduler.detect({ cameraId: this.deps.cameraId, detector, frame: image });
      found = out.detections;
      lagMs = out.lagMs;
    } else {
      lagMs = this.now() - frame.capturedAtMs;
      found = await detector.detect(image);
    }
    return { frame, detections: mergeCropDetections(found, rect, previous, frame, region), lagMs, inferred: true };
  }
}
