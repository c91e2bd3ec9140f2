import type { RgbImage } from '../detection/index.js';
import type { Track } from '../tracking/index.js';
import { Episodes } from './episodes.js';
import { frameStats, type FrameStats } from './frame-stats.js';
import { round2 } from './hit.js';
import { changedShare, LearnedStructure, structureField } from './scene-structure.js';
import { ALWAYS, type Schedule } from './schedule.js';
import { Sustained } from './sustained.js';
import type { Rule, RuleContext, RuleHit, Severity } from './types.js';

/** A health incident ends once the image has looked normal again for this long (ms). */
export const DEFAULT_HEALTH_CLEAR_MS = 3_000;
/**
 * Time constant of the learned scene structure for the tamper check (ms): long enough that passing
 * traffic averages out of it (a car crosses a cell in ~1 s), short enough to follow shadows moving
 * with the sun.
 */
export const DEFAULT_STRUCTURE_TIME_CONSTANT_MS = 20_000;
/** The tamper check learns the view this long before judging it (ms), after a start or a relearn. */
export const DEFAULT_TAMPER_WARMUP_MS = 5_000;
/** A cell at least this much covered by a tracked object's box is not judged (0..1). */
export const DEFAULT_HIDDEN_CELL_SHARE = 0.25;
/** Time constant of the sharpness baseline (ms): a minute, so a blur lasting seconds stands out. */
export const DEFAULT_SHARPNESS_TIME_CONSTANT_MS = 60_000;
/** The sharpness baseline is trusted only after this much learning (ms). */
export const DEFAULT_SHARPNESS_WARMUP_MS = 5_000;

/** Options shared by the three frame-based health rules. */
export interface HealthRuleOptions {
  id: string;
  /** How long the condition must hold (ms). */
  minMs: number;
  severity: Severity;
  schedule?: Schedule;
  clearMs?: number;
}

/**
 * Common part: runs only when the pipeline passes the frame (`context.frame`), debounces the condition
 * with Sustained, and reports camera-level hits (trackId 0, the whole frame as box, `reason` and
 * `metrics` saying why).
 */
abstract class FrameHealthRule implements Rule {
  readonly id: string;
  readonly readsFrame = true;
  abstract readonly type: 'camera_blackout' | 'camera_tamper' | 'camera_defocus';
  protected readonly severity: Severity;
  private readonly schedule: Schedule;
  private readonly sustained: Sustained;
  private readonly episodes = new Episodes();
  private key?: string;

  constructor(options: HealthRuleOptions) {
    this.id = options.id;
    this.severity = options.severity;
    this.schedule = options.schedule ?? ALWAYS;
    this.sustained = new Sustained({ minMs: options.minMs, clearMs: options.clearMs ?? DEFAULT_HEALTH_CLEAR_MS });
  }

  evaluate(_tracks: readonly Track[], tMs: number, context?: RuleContext): RuleHit[] {
    const frame = context?.frame;
    if (frame === undefined) return [];
    if (!this.schedule.isActive(tMs)) {
      this.sustained.forceEnd();
      this.key = undefined;
      return this.episodes.endAll(tMs);
    }
    const stats = frameStats(frame);
    const verdict = this.judge(stats, tMs, this.sustained.isOpen || this.sustained.sinceMs !== undefined);
    if (verdict === undefined) return [];
    const event = this.sustained.step(verdict.bad, tMs);
    if (event === 'end') {
      const end = this.key === undefined ? undefined : this.episodes.end(this.key, tMs);
      this.key = undefined;
      return end ? [end] : [];
    }
    if (event === undefined) {
      if (this.key !== undefined) this.episodes.touch(this.key, tMs);
      return [];
    }
    const hit = this.hit(frame, tMs, verdict);
    if (event === 'start') {
      const since = this.sustained.sinceMs ?? tMs;
      this.key = `${this.id}:${since}`;
      return [this.episodes.start(this.key, hit, since)];
    }
    const update = this.key === undefined ? undefined : this.episodes.update(this.key, hit);
    return update ? [update] : [];
  }

  /** Ends an open incident without a verdict (used by subclasses that accept a new normal). */
  protected forceEnd(tMs: number): RuleHit[] {
    this.sustained.forceEnd();
    const end = this.key === undefined ? undefined : this.episodes.end(this.key, tMs);
    this.key = undefined;
    return end ? [end] : [];
  }

  /**
   * Whether this frame shows the problem. `suspect`: the condition is building up or open, so learned
   * baselines must not absorb it. Undefined: no opinion on this frame (e.g. still learning).
   */
  protected abstract judge(stats: FrameStats, tMs: number, suspect: boolean): { bad: boolean; reason: string; metrics: Record<string, number> } | undefined;

  private hit(frame: RgbImage, tMs: number, verdict: { reason: string; metrics: Record<string, number> }): RuleHit {
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(verdict.metrics)) metrics[k] = round2(v);
    return {
      ruleId: this.id,
      ruleType: this.type,
      category: 'health',
      severity: this.severity,
      trackId: 0,
      className: 'camera',
      score: 1,
      box: { x1: 0, y1: 0, x2: frame.width, y2: frame.height },
      tMs,
      reason: verdict.reason,
      metrics,
    };
  }
}

/** `camera_blackout`: the image is (nearly) uniform — lens covered, camera dead behind a live encoder, blank signal. */
export class CameraBlackoutRule extends FrameHealthRule {
  readonly type = 'camera_blackout';
  private readonly maxStdDev: number;

  constructor(options: HealthRuleOptions & { maxStdDev: number }) {
    super(options);
    this.maxStdDev = options.maxStdDev;
  }

  protected judge(stats: FrameStats): { bad: boolean; reason: string; metrics: Record<string, number> } {
    return { bad: stats.stdDev < this.maxStdDev, reason: 'uniform', metrics: { stdDev: stats.stdDev, mean: stats.mean } };
  }
}

/**
 * `camera_tamper`: the view's fixed structure — kerbs, lane marks, poles, façades — no longer sits where
 * it did: the camera was turned to another street, shifted, or covered with something textured. Each
 * frame's edge orientations are compared cell by cell with a slowly learned memory of the scene
 * (scene-structure.ts); the rule counts the cells whose learned edges no longer agree, and the cells that
 * were plain (asphalt, sky) and now hold strong edges — a textured cover (changedShare). Brightness plays
 * no part (dusk, headlights), cells where only traffic passes are never judged (their edges average out of
 * the memory), and cells hidden by a tracked object are left out (a bus filling the view is traffic, not
 * tampering). A uniform frame is left to camera_blackout. A change lasting `relearnMs` is accepted as
 * the new view: the incident ends and the new view is learned.
 */
export class CameraTamperRule extends FrameHealthRule {
  readonly type = 'camera_tamper';
  private readonly changedFraction: number;
  private readonly relearnMs: number;
  private readonly maxUniformStdDev: number;
  private scene?: LearnedStructure;
  private learningSinceMs?: number;
  private lastMs?: number;
  private suspectSinceMs?: number;
  private hidden: boolean[] = [];

  constructor(options: HealthRuleOptions & { changedFraction: number; relearnMs: number; uniformStdDev?: number }) {
    super(options);
    this.changedFraction = options.changedFraction;
    this.relearnMs = options.relearnMs;
    this.maxUniformStdDev = options.uniformStdDev ?? 8;
  }

  override evaluate(tracks: readonly Track[], tMs: number, context?: RuleContext): RuleHit[] {
    const frame = context?.frame;
    if (frame && this.scene) this.hidden = hiddenCells(this.scene, tracks, frame);
    const hits = super.evaluate(tracks, tMs, context);
    if (this.suspectSinceMs !== undefined && tMs - this.suspectSinceMs >= this.relearnMs && frame) {
      // The change has lasted: it is the new view. Learn it afresh and close the incident.
      this.scene = undefined;
      this.suspectSinceMs = undefined;
      hits.push(...this.forceEnd(tMs));
    }
    return hits;
  }

  protected judge(stats: FrameStats, tMs: number, suspect: boolean) {
    if (stats.stdDev < this.maxUniformStdDev) return undefined;
    const field = structureField(stats.grey, stats.width, stats.height);
    const dt = Math.max(0, tMs - (this.lastMs ?? tMs));
    this.lastMs = tMs;
    if (this.scene === undefined || this.scene.width !== field.width || this.scene.height !== field.height) {
      this.scene = new LearnedStructure(field);
      this.learningSinceMs = tMs;
      this.hidden = [];
      return undefined;
    }
    const alpha = 1 - Math.exp(-dt / DEFAULT_STRUCTURE_TIME_CONSTANT_MS);
    if (tMs - (this.learningSinceMs ?? tMs) < DEFAULT_TAMPER_WARMUP_MS) {
      this.scene.learn(field, alpha);
      return undefined;
    }
    const verdict = this.scene.compare(field, this.hidden);
    const changed = changedShare(verdict);
    // Too little fixed or plain structure in view (a floor where only people make edges, most of it behind a bus): no opinion.
    if (changed === undefined) return undefined;
    const bad = changed >= this.changedFraction;
    // Relearning needs the change to have lasted without a break.
    if (bad) this.suspectSinceMs ??= tMs;
    else this.suspectSinceMs = undefined;
    // Learn only while nothing is suspected: a tampered view must not become the scene within seconds.
    if (!bad && !suspect) this.scene.learn(field, alpha);
    return {
      bad,
      reason: 'scene_change',
      metrics: {
        changedFraction: changed,
        judgedCells: verdict.judgedCells,
        lostCells: verdict.lostCells,
        flatCells: verdict.flatCells,
        newCells: verdict.newCells,
        medianAgreement: verdict.medianAgreement,
      },
    };
  }
}

/** Cells of the structure grid that a tracked object covers by at least a quarter: not judged this frame. */
function hiddenCells(scene: LearnedStructure, tracks: readonly Track[], frame: RgbImage): boolean[] {
  const hidden: boolean[] = new Array<boolean>(scene.cellCount).fill(false);
  if (tracks.length === 0) return hidden;
  const covered = new Float64Array(scene.cellCount);
  const sx = scene.width / frame.width;
  const sy = scene.height / frame.height;
  for (const t of tracks) {
    const x1 = Math.max(0, Math.floor(t.box.x1 * sx));
    const x2 = Math.min(scene.width, Math.ceil(t.box.x2 * sx));
    const y1 = Math.max(0, Math.floor(t.box.y1 * sy));
    const y2 = Math.min(scene.height, Math.ceil(t.box.y2 * sy));
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) covered[scene.cellOf(x, y)]!++;
  }
  for (let k = 0; k < hidden.length; k++) hidden[k] = covered[k]! >= DEFAULT_HIDDEN_CELL_SHARE * scene.cellPixels[k]!;
  return hidden;
}

/**
 * `camera_defocus`: sharpness (variance of the Laplacian of the grey copy) falls below
 * `sharpnessRatio` × its own running baseline — lens knocked out of focus, fogged or smeared. The
 * baseline follows slow changes (night, rain) and is frozen while the image is suspected blurred.
 */
export class CameraDefocusRule extends FrameHealthRule {
  readonly type = 'camera_defocus';
  private readonly ratio: number;
  private readonly maxUniformStdDev: number;
  private baseline?: number;
  private learnedMs = 0;
  private lastMs?: number;

  constructor(options: HealthRuleOptions & { sharpnessRatio: number; uniformStdDev?: number }) {
    super(options);
    this.ratio = options.sharpnessRatio;
    this.maxUniformStdDev = options.uniformStdDev ?? 8;
  }

  protected judge(stats: FrameStats, tMs: number, suspect: boolean) {
    // A uniform frame has no detail at all: that is a blackout, not a focus problem.
    if (stats.stdDev < this.maxUniformStdDev) return undefined;
    const dt = this.lastMs === undefined ? 0 : Math.max(0, tMs - this.lastMs);
    this.lastMs = tMs;
    if (this.baseline === undefined) {
      this.baseline = stats.sharpness;
      return undefined;
    }
    const bad = this.learnedMs >= DEFAULT_SHARPNESS_WARMUP_MS && stats.sharpness < this.ratio * this.baseline;
    if (!bad && !suspect) {
      const a = 1 - Math.exp(-dt / DEFAULT_SHARPNESS_TIME_CONSTANT_MS);
      this.baseline += a * (stats.sharpness - this.baseline);
      this.learnedMs += dt;
    }
    if (this.learnedMs < DEFAULT_SHARPNESS_WARMUP_MS && !bad) return undefined;
    return { bad, reason: 'blur', metrics: { sharpness: stats.sharpness, baseline: this.baseline } };
  }
}
