import type { Homography, Track } from '../tracking/index.js';
import { Episodes } from './episodes.js';
import { pointInPolygon, type Point } from './geometry.js';
import { trackHit, withGroundSpeed, hitBase, type HitBase } from './hit.js';
import { ALWAYS, type Schedule } from './schedule.js';
import { StationaryObjects, type StationaryObject } from './stationary.js';
import type { Category, Rule, RuleHit, Severity } from './types.js';

/** An illegal_stop rule with geometry in analysis-frame pixels. */
export interface IllegalStopOptions {
  id: string;
  zoneId: string;
  polygon: readonly Point[];
  classes?: readonly string[];
  /** How long the condition must hold (ms). */
  minMs: number;
  maxSpeedPxPerS: number;
  maxSpeedKmh?: number;
  ground?: Homography;
  /** Carried on hits: no new incident for the same object within it (ms). */
  cooldownMs: number;
  severity: Severity;
  /** IOC bucket of its hits: the rule type's catalogue category (buildRules passes it). */
  category: Category;
  schedule?: Schedule;
  /** See DEFAULT_STATIONARY_LINGER_MS. */
  lingerMs?: number;
}

/**
 * `illegal_stop`: a vehicle stationary (speed below the threshold) with its bottom-centre in a
 * no-stopping zone for `minMs`. ONE incident while it stays — updated, and ended when it drives
 * off, leaves the zone or is gone — even if the tracker loses it behind a passing bus and finds it again
 * under a new id (see StationaryObjects).
 */
export class IllegalStopRule implements Rule {
  readonly id: string;
  readonly type = 'illegal_stop';
  private readonly base: HitBase;
  private readonly zoneId: string;
  private readonly polygon: readonly Point[];
  private readonly minMs: number;
  private readonly schedule: Schedule;
  private readonly ground?: Homography;
  private readonly objects: StationaryObjects;
  private readonly episodes = new Episodes();
  /** Open episode key per object key. */
  private readonly open = new Map<string, string>();

  constructor(options: IllegalStopOptions) {
    this.id = options.id;
    this.base = hitBase(this.type, options);
    this.zoneId = options.zoneId;
    this.polygon = options.polygon.map((p) => ({ ...p }));
    this.minMs = options.minMs;
    this.schedule = options.schedule ?? ALWAYS;
    if (options.ground) this.ground = options.ground;
    this.objects = new StationaryObjects({
      ...(options.classes && { classes: new Set(options.classes) }),
      maxSpeedPxPerS: options.maxSpeedPxPerS,
      ...(options.maxSpeedKmh !== undefined && { maxSpeedKmh: options.maxSpeedKmh }),
      ...(options.ground && { ground: options.ground }),
      ...(options.lingerMs !== undefined && { lingerMs: options.lingerMs }),
    });
  }

  evaluate(tracks: readonly Track[], tMs: number): RuleHit[] {
    if (!this.schedule.isActive(tMs)) {
      this.open.clear();
      return this.episodes.endAll(tMs);
    }
    const hits: RuleHit[] = [];
    const { seen, gone } = this.objects.update(tracks, tMs);
    for (const obj of seen) {
      const hit = this.decide(obj, tracks, tMs);
      if (hit) hits.push(hit);
    }
    for (const obj of gone) {
      const hit = this.close(obj.key, tMs);
      if (hit) hits.push(hit);
    }
    return hits;
  }

  private decide(obj: StationaryObject, tracks: readonly Track[], tMs: number): RuleHit | undefined {
    const inside = pointInPolygon(obj.point, this.polygon);
    const since = obj.stationarySinceMs;
    if (!inside || since === undefined) return this.close(obj.key, tMs);
    const hit = withGroundSpeed({ ...trackHit(this.base, obj.track, tMs, tracks), zoneId: this.zoneId }, obj.track, this.ground);
    const key = this.open.get(obj.key);
    if (key !== undefined) return this.episodes.update(key, hit);
    if (tMs - since < this.minMs) return undefined;
    // One key per stop: a vehicle that drives off and stops again is a new incident.
    const newKey = `${this.id}:${obj.key}:${since}`;
    this.open.set(obj.key, newKey);
    return this.episodes.start(newKey, hit, since);
  }

  private close(objectKey: string, tMs: number): RuleHit | undefined {
    const key = this.open.get(objectKey);
    if (key === undefined) return undefined;
    this.open.delete(objectKey);
    return this.episodes.end(key, tMs);
  }
}
