import type { Box } from '../detection/index.js';
import type { Track } from '../tracking/index.js';
import { Episodes } from './episodes.js';
import { bottomCentre, pointInPolygon, type Point } from './geometry.js';
import { round2, unionBox, hitBase, type HitBase } from './hit.js';
import { ALWAYS, type Schedule } from './schedule.js';
import { Sustained } from './sustained.js';
import type { Category, Rule, RuleHit, Severity } from './types.js';

/**
 * Occupancy is measured on a grid of sample points over the zone's bounding box: 24 × 24 gives a
 * resolution of ~0.2 % of the zone for ~600 point-in-box tests per object — microseconds per frame.
 */
export const DEFAULT_OCCUPANCY_GRID = 24;

/** A zone-level count rule (crowd, congestion) with geometry in analysis-frame pixels. */
export interface ZoneCountOptions {
  id: string;
  zoneId: string;
  polygon: readonly Point[];
  classes?: readonly string[];
  /** Condition: at least this many objects (bottom-centre inside)… */
  minCount?: number;
  /** …or boxes covering at least this fraction of the zone. */
  minOccupancy?: number;
  /** How long the condition must hold before an incident opens (ms). */
  minMs: number;
  /** How long it must stay clear before the incident ends (ms). */
  clearMs: number;
  /** Carried on hits (ms). */
  cooldownMs: number;
  severity: Severity;
  /** IOC bucket of its hits: the rule type's catalogue category (buildRules passes it). */
  category: Category;
  schedule?: Schedule;
}

/**
 * A zone holding too many objects for a while: `crowd` (persons) and `congestion` (vehicles, by count
 * or by the share of the zone their boxes cover). One incident per episode — opened once the condition
 * has held `minMs`, updated with the current count, ended once it has been clear `clearMs`.
 * Hits are zone-level: trackId 0, box = union of the counted boxes.
 */
export class ZoneCountRule implements Rule {
  readonly id: string;
  readonly type: 'crowd' | 'congestion';
  private readonly base: HitBase;
  private readonly zoneId: string;
  private readonly polygon: readonly Point[];
  private readonly classes?: ReadonlySet<string>;
  private readonly minCount?: number;
  private readonly minOccupancy?: number;
  private readonly schedule: Schedule;
  private readonly sustained: Sustained;
  private readonly episodes = new Episodes();
  /** Zone sample points for occupancy (only built when minOccupancy is set). */
  private readonly samples: Point[] = [];
  private key?: string;

  constructor(type: 'crowd' | 'congestion', options: ZoneCountOptions) {
    this.id = options.id;
    this.type = type;
    this.base = hitBase(type, options);
    this.zoneId = options.zoneId;
    this.polygon = options.polygon.map((p) => ({ ...p }));
    if (options.classes) this.classes = new Set(options.classes);
    if (options.minCount !== undefined) this.minCount = options.minCount;
    if (options.minOccupancy !== undefined) {
      this.minOccupancy = options.minOccupancy;
      this.samples = zoneSamples(this.polygon, DEFAULT_OCCUPANCY_GRID);
    }
    this.schedule = options.schedule ?? ALWAYS;
    this.sustained = new Sustained({ minMs: options.minMs, clearMs: options.clearMs });
  }

  evaluate(tracks: readonly Track[], tMs: number): RuleHit[] {
    if (!this.schedule.isActive(tMs)) {
      this.sustained.forceEnd();
      this.key = undefined;
      return this.episodes.endAll(tMs);
    }
    const inside = tracks.filter(
      (t) => (this.classes === undefined || this.classes.has(t.className)) && pointInPolygon(bottomCentre(t.box), this.polygon),
    );
    const count = inside.length;
    const occupancy = this.minOccupancy === undefined ? undefined : coveredFraction(this.samples, inside.map((t) => t.box));
    const condition =
      (this.minCount !== undefined && count >= this.minCount) ||
      (this.minOccupancy !== undefined && occupancy !== undefined && occupancy >= this.minOccupancy);

    const event = this.sustained.step(condition, tMs);
    if (event === undefined) {
      if (this.key !== undefined) this.episodes.touch(this.key, tMs);
      return [];
    }
    if (event === 'end') {
      const key = this.key;
      this.key = undefined;
      const end = key === undefined ? undefined : this.episodes.end(key, tMs);
      return end ? [end] : [];
    }
    const hit = this.hit(inside, count, occupancy, tMs);
    if (event === 'start') {
      const since = this.sustained.sinceMs ?? tMs;
      this.key = `${this.id}:${since}`;
      return [this.episodes.start(this.key, hit, since)];
    }
    const update = this.key === undefined ? undefined : this.episodes.update(this.key, hit);
    return update ? [update] : [];
  }

  private hit(inside: readonly Track[], count: number, occupancy: number | undefined, tMs: number): RuleHit {
    const box: Box = unionBox(inside.map((t) => t.box)) ?? unionBox(this.polygon.map((p) => ({ x1: p.x, y1: p.y, x2: p.x, y2: p.y })))!;
    const hit: RuleHit = {
      ...this.base,
      trackId: 0,
      className: majorityClass(inside) ?? (this.type === 'crowd' ? 'person' : 'vehicle'),
      score: inside.length ? round2(inside.reduce((s, t) => s + (t.bestScore ?? t.score), 0) / inside.length) : 0,
      box,
      tMs,
      zoneId: this.zoneId,
      objectCount: count,
    };
    if (occupancy !== undefined) hit.occupancy = round2(occupancy);
    return hit;
  }
}

function majorityClass(tracks: readonly Track[]): string | undefined {
  const n = new Map<string, number>();
  for (const t of tracks) n.set(t.className, (n.get(t.className) ?? 0) + 1);
  let best: string | undefined;
  let bestN = 0;
  for (const [c, k] of n) if (k > bestN) [best, bestN] = [c, k];
  return best;
}

/** Grid points (cell centres) of the polygon's bounding box that fall inside the polygon. */
export function zoneSamples(polygon: readonly Point[], grid: number): Point[] {
  const xs = polygon.map((p) => p.x);
  const ys = polygon.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const out: Point[] = [];
  for (let i = 0; i < grid; i++) {
    for (let j = 0; j < grid; j++) {
      const p = { x: x0 + ((i + 0.5) * (x1 - x0)) / grid, y: y0 + ((j + 0.5) * (y1 - y0)) / grid };
      if (pointInPolygon(p, polygon)) out.push(p);
    }
  }
  return out;
}

/** Fraction of the sample points inside at least one box (boxes overlapping each other count once). */
export function coveredFraction(samples: readonly Point[], boxes: readonly Box[]): number {
  if (samples.length === 0) return 0;
  let covered = 0;
  for (const p of samples) {
    if (boxes.some((b) => p.x >= b.x1 && p.x <= b.x2 && p.y >= b.y1 && p.y <= b.y2)) covered++;
  }
  return covered / samples.length;
}
