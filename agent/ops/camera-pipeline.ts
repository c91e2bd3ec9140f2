import type { Frame, FrameSource } from '../frames/types.js';
import type { DetectorScheduler } from '../detection/scheduler.js';
import type { Detection, Detector } from '../detection/types.js';
import type { InferenceGate, MotionDetector } from '../motion/index.js';
import type { Track, Tracker } from '../tracking/types.js';
import type { AdaptiveRate } from './adaptive-rate.js';
import type { Rule, RuleHit } from '../rules/types.js';
import type { Logger } from './logger.js';

/** Counters one camera's analysis loop keeps; read by stats logging, health and the benchmark. */
export interface PipelineStats {
  framesAnalysed: number;
  /** Frames in which the motion detector saw something move. */
  framesWithMotion: number;
  inferencesRun: number;
  /** Frames analysed with the previous detections because nothing moved. */
  inferencesSkipped: number;
  /** Frames not analysed at all because the camera was throttled under CPU pressure. */
  framesShed: number;
  /** The analysis rate in force (fps): the configured one unless load shedding lowered it. */
  targetFps?: number;
  detections: number;
  ruleHits: number;
  /** Sum of (analysis done − frame captured), ms: the frame-to-decision latency. */
  latencyMsTotal: number;
  latencyMsMax: number;
  /** The most recent latencies (ms), newest last, at most LATENCY_SAMPLES: for p50/p95 without a histogram. */
  recentLatenciesMs: number[];
  lastFrameAtMs?: number;
}

/** Latencies kept for percentiles: a minute of frames at 5 fps. */
export const LATENCY_SAMPLES = 300;

/** The q-quantile (0..1) of a sample, nearest-rank; undefined when empty. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export interface CameraPipelineDeps {
  cameraId: string;
  source: FrameSource;
  detector: Detector;
  /** Fair turns at the shared detector; without it calls go straight to the detector. */
  scheduler?: DetectorScheduler;
  /** Load shedding: lowers this camera's analysis rate when the box cannot keep up. */
  rate?: AdaptiveRate;
  /** Motion gate in front of the detector; without it every frame is inferred. */
  motion?: { detector: MotionDetector; gate: InferenceGate };
  /** A fresh tracker; called again when the frame size changes (coordinates no longer comparable). */
  makeTracker: () => Tracker;
  /** Rules need the frame size to turn normalised geometry into pixels, so they are built on the first frame. */
  makeRules: (frame: Frame, source: { width?: number; height?: number }) => Rule[];
  /** Every rule hit of one frame, together: the incident lifecycle decides per frame what opens or ends. */
  onHits: (hits: RuleHit[], frame: Frame) => Promise<void>;
  logger: Logger;
}

/**
 * One camera's analysis loop: newest frame → detector → tracker → rules → hits. It only moves data
 * between stages; every decision lives in the stages themselves.
 */
export class CameraPipeline {
  /** The newest analysed frame (a reference, not a copy): answers the IOC's `snapshot` command. */
  lastFrame?: Frame;
  readonly stats: PipelineStats = { framesAnalysed: 0, framesWithMotion: 0, inferencesRun: 0, inferencesSkipped: 0, framesShed: 0, detections: 0, ruleHits: 0, latencyMsTotal: 0, latencyMsMax: 0, recentLatenciesMs: [] };
  private readonly deps: CameraPipelineDeps;

  constructor(deps: CameraPipelineDeps) {
    this.deps = deps;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { source, logger } = this.deps;
    let geometryKey = '';
    let tracker: Tracker | undefined;
    let rules: Rule[] = [];
    let lastDetections: Detection[] = [];
    let lastTracks: Track[] = [];
    while (!signal.aborted) {
      const taken = await source.next(signal);
      if (!taken) break;
      let frame: Frame = taken;
      const rate = this.deps.rate;
      if (rate && !rate.admit(frame.capturedAtMs)) {
        this.stats.framesShed++;
        continue;
      }
      const key = `${frame.width}x${frame.height}`;
      if (key !== geometryKey || !tracker) {
        const s = source.stats();
        rules = this.deps.makeRules(frame, { width: s.sourceWidth, height: s.sourceHeight });
        tracker = this.deps.makeTracker();
        lastDetections = [];
        lastTracks = [];
        if (geometryKey) logger.warn({ from: geometryKey, to: key }, 'frame size changed: tracks and rule state reset');
        geometryKey = key;
      }
      const analysed = await this.detections(frame, lastDetections, lastTracks);
      frame = analysed.frame;
      const detections = analysed.detections;
      lastDetections = detections;
      const tracks = tracker.update(detections, frame.capturedAtMs);
      lastTracks = tracks;
      const hits: RuleHit[] = [];
      for (const rule of rules) hits.push(...rule.evaluate(tracks, frame.capturedAtMs, { frame }));
      this.stats.ruleHits += hits.length;
      if (hits.length) await this.deps.onHits(hits, frame);
      const latencyMs = Date.now() - frame.capturedAtMs;
      this.stats.framesAnalysed++;
      this.stats.detections += detections.length;
      this.stats.latencyMsTotal += latencyMs;
      this.stats.latencyMsMax = Math.max(this.stats.latencyMsMax, latencyMs);
      this.stats.recentLatenciesMs.push(latencyMs);
      const change = rate?.observe(latencyMs, Date.now());
      if (change) {
        this.stats.targetFps = change.toFps;
        const lowered = change.toFps < change.fromFps;
        logger[lowered ? 'warn' : 'info'](
          { fromFps: change.fromFps, toFps: change.toFps, p95LatencyMs: change.p95LatencyMs },
          lowered
            ? `analysis fps lowered to ${change.toFps}: p95 latency ${change.p95LatencyMs} ms, the box cannot keep up`
            : `analysis fps raised to ${change.toFps}: load has fallen`,
        );
      }
      if (this.stats.recentLatenciesMs.length > LATENCY_SAMPLES) this.stats.recentLatenciesMs.shift();
      this.stats.lastFrameAtMs = frame.capturedAtMs;
      this.lastFrame = frame;
    }
  }

  /**
   * The frame's detections: from the model, or — when nothing moved and no track is moving — the
   * previous ones, so stationary objects keep their tracks while the model rests.
   */
  private async detections(frame: Frame, previous: Detection[], lastTracks: readonly Track[]): Promise<{ frame: Frame; detections: Detection[] }> {
    const gate = this.deps.motion;
    if (gate) {
      const { motion } = gate.detector.detect(frame);
      if (motion) this.stats.framesWithMotion++;
      if (gate.gate.decide(motion, lastTracks, frame.capturedAtMs) === 'skip') {
        this.stats.inferencesSkipped++;
        return { frame, detections: previous };
      }
    }
    this.stats.inferencesRun++;
    const { detector, scheduler, source } = this.deps;
    if (!scheduler) return { frame, detections: await detector.detect(frame) };
    return scheduler.turn(async () => {
      // Our turn: a frame that arrived while we queued is fresher than the one we hold.
      const newest = source.takeNewer() ?? frame;
      return { frame: newest, detections: await detector.detect(newest) };
    });
  }

}
