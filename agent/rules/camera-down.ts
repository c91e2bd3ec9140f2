import type { SourceError } from '../frames/index.js';
import type { Track } from '../tracking/index.js';
import { Episodes } from './episodes.js';
import { ALWAYS, type Schedule } from './schedule.js';
import type { Rule, RuleHit, Severity } from './types.js';

/** Source states as the frames stage reports them (kept as strings: this module must not depend on frames). */
export type CameraSourceState = 'connecting' | 'online' | 'stalled' | 'down' | 'stopped';

export interface CameraDownOptions {
  id: string;
  /** How long without frames before the camera counts as down (ms). */
  minMs: number;
  severity: Severity;
  schedule?: Schedule;
}

/**
 * `camera_down`: no frame for `minMs`. Unlike the other rules it must fire when nothing arrives,
 * so it has two inputs besides `evaluate` (which the pipeline calls per frame, and which counts as "a
 * frame arrived"): `onState` for the source's state changes, and `check(tMs)` which the caller runs on
 * a timer (every second is plenty). Pure: time always comes from the caller.
 *
 * The clock starts at the last frame, or — before the first frame — when the monitor was created or the
 * source last (re)started connecting. A source `stopped` on purpose (agent shutdown, camera disabled)
 * raises nothing and ends an open incident.
 */
export class CameraDownRule implements Rule {
  readonly id: string;
  readonly type = 'camera_down';
  private readonly minMs: number;
  private readonly severity: Severity;
  private readonly schedule: Schedule;
  private readonly episodes = new Episodes();
  private lastFrameMs?: number;
  private waitingSinceMs?: number;
  private stopped = false;
  private state?: CameraSourceState;
  private lastError?: SourceError;
  private key?: string;
  private frameSize?: { width: number; height: number };

  constructor(options: CameraDownOptions, createdAtMs?: number) {
    this.id = options.id;
    this.minMs = options.minMs;
    this.severity = options.severity;
    this.schedule = options.schedule ?? ALWAYS;
    if (createdAtMs !== undefined) this.waitingSinceMs = createdAtMs;
  }

  /** A frame arrived: ends an open incident. The hit list is that `end`, if any. */
  evaluate(_tracks: readonly Track[], tMs: number): RuleHit[] {
    return this.onFrame(tMs);
  }

  /** Same as evaluate, for callers that do not run the rule list (frame size: for the hit's box). */
  onFrame(tMs: number, frame?: { width: number; height: number }): RuleHit[] {
    this.lastFrameMs = tMs;
    this.stopped = false;
    if (frame) this.frameSize = { width: frame.width, height: frame.height };
    return this.close(tMs);
  }

  /** A source state change (SourceStateChange.state / atMs / lastError). */
  onState(state: CameraSourceState, atMs: number, lastError?: SourceError): RuleHit[] {
    this.state = state;
    if (lastError !== undefined) this.lastError = lastError;
    if (state === 'stopped') {
      this.stopped = true;
      return this.close(atMs);
    }
    this.stopped = false;
    // Before the first frame, the wait starts when the source starts trying.
    if (this.lastFrameMs === undefined && state === 'connecting') this.waitingSinceMs ??= atMs;
    return [];
  }

  /** Timer tick: opens the incident once no frame has come for minMs; updates it while it lasts. */
  check(tMs: number): RuleHit[] {
    if (this.stopped) return [];
    if (!this.schedule.isActive(tMs)) return this.close(tMs);
    const since = this.lastFrameMs ?? this.waitingSinceMs;
    if (since === undefined) {
      this.waitingSinceMs = tMs;
      return [];
    }
    const silentMs = tMs - since;
    if (silentMs < this.minMs) return [];
    const hit = this.hit(tMs, silentMs);
    if (this.key !== undefined) {
      const update = this.episodes.update(this.key, hit);
      return update ? [update] : [];
    }
    this.key = `${this.id}:${since}`;
    return [this.episodes.start(this.key, hit, since)];
  }

  private close(tMs: number): RuleHit[] {
    if (this.key === undefined) return [];
    const end = this.episodes.end(this.key, tMs);
    this.key = undefined;
    return end ? [end] : [];
  }

  private hit(tMs: number, silentMs: number): RuleHit {
    const hit: RuleHit = {
      ruleId: this.id,
      ruleType: this.type,
      category: 'health',
      severity: this.severity,
      trackId: 0,
      className: 'camera',
      score: 1,
      box: { x1: 0, y1: 0, x2: this.frameSize?.width ?? 0, y2: this.frameSize?.height ?? 0 },
      tMs,
      reason: this.state === undefined ? 'no_frames' : `no_frames_${this.state}`,
      metrics: { silentSeconds: Math.round(silentMs / 100) / 10 },
    };
    return hit;
  }

  /** Last error the source reported (for the operator; not part of the hit, which leaves the box). */
  get sourceError(): SourceError | undefined {
    return this.lastError;
  }
}
