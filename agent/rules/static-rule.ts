import type { Track } from '../tracking/index.js';
import { Episodes } from './episodes.js';
import type { Point } from './geometry.js';
import { hitBase, type HitBase } from './hit.js';
import { ALWAYS, type Schedule } from './schedule.js';
import { StaticObjects } from './static-objects.js';
import type { StaticDetectorOptions, StaticSource } from './static-source.js';
import { StationaryObjects, type StationaryObject } from './stationary.js';
import type { Category, Rule, RuleContext, RuleHit, Severity } from './types.js';

/** Options of a rule about objects that appear and stay (dumping, object_left), geometry in analysis-frame pixels. */
export interface StaticRuleOptions {
  id: string;
  /** Watched area; the whole frame when absent. */
  zoneId?: string;
  polygon?: readonly Point[];
  classes: readonly string[];
  personClasses: readonly string[];
  personRadiusPx: number;
  /** How long the object must stay (ms). */
  minMs: number;
  maxSpeedPxPerS: number;
  /** Carried on hits (ms). */
  cooldownMs: number;
  severity: Severity;
  /** IOC bucket of its hits: the rule type's catalogue category (buildRules passes it). */
  category: Category;
  schedule?: Schedule;
  lingerMs?: number;
  /** Where objects come from: tracks of `classes`, static pixels, or both (default: objects). */
  detector?: StaticSource;
  /** The static-pixel detector's settings (needed unless `detector` is `objects`). */
  staticPixels?: StaticDetectorOptions;
}

/**
 * The shared base of dumping and object_left: the watched zone, the people and object classes, the
 * still-track follower (StationaryObjects) and, with `detector` static-pixels or both, the static-pixel
 * detector; episodes keyed per object. `S` is the subclass's state per object key.
 */
export abstract class StaticObjectRule<S> implements Rule {
  readonly id: string;
  protected readonly base: HitBase;
  protected readonly zoneId?: string;
  protected readonly polygon?: readonly Point[];
  protected readonly persons: ReadonlySet<string>;
  protected readonly classes: ReadonlySet<string>;
  protected readonly radiusPx: number;
  protected readonly minMs: number;
  protected readonly schedule: Schedule;
  /** Whether objects come from tracks of `classes` (detector objects or both). */
  protected readonly useTracks: boolean;
  protected readonly objects: StationaryObjects;
  protected readonly pixels?: StaticObjects;
  protected readonly states = new Map<string, S>();
  protected readonly episodes = new Episodes();

  constructor(
    readonly type: 'dumping' | 'object_left',
    options: StaticRuleOptions,
  ) {
    this.id = options.id;
    this.base = hitBase(type, options);
    if (options.zoneId !== undefined) this.zoneId = options.zoneId;
    if (options.polygon !== undefined) this.polygon = options.polygon.map((p) => ({ ...p }));
    this.persons = new Set(options.personClasses);
    this.classes = new Set(options.classes);
    this.radiusPx = options.personRadiusPx;
    this.minMs = options.minMs;
    this.schedule = options.schedule ?? ALWAYS;
    const source = options.detector ?? 'objects';
    this.useTracks = source !== 'static-pixels';
    if (source !== 'objects') {
      if (options.staticPixels === undefined) throw new Error(`${type} rule ${options.id}: detector ${source} needs staticPixels options`);
      this.pixels = new StaticObjects({ ...options.staticPixels, ...(this.polygon && { polygon: this.polygon }) });
    }
    this.objects = new StationaryObjects({
      classes: this.classes,
      maxSpeedPxPerS: options.maxSpeedPxPerS,
      ...(options.lingerMs !== undefined && { lingerMs: options.lingerMs }),
    });
  }

  /** Whether the rule reads the frame's pixels (its detector is static-pixels or both). */
  get readsFrame(): boolean {
    return this.pixels !== undefined;
  }

  abstract evaluate(tracks: readonly Track[], tMs: number, context?: RuleContext): RuleHit[];

  /** The key of the open episode of an object's state, if one is open. */
  protected abstract openEpisode(state: S): string | undefined;

  /**
   * The track path (detector objects or both): still objects of `classes` judged by `decide`, gone ones
   * ended; hits appended to `hits`.
   */
  protected followTracks(tracks: readonly Track[], tMs: number, hits: RuleHit[], decide: (obj: StationaryObject) => RuleHit | undefined): void {
    if (!this.useTracks) return;
    const { seen, gone } = this.objects.update(tracks, tMs);
    for (const obj of seen) {
      const hit = decide(obj);
      if (hit) hits.push(hit);
    }
    this.endGone(gone, tMs, hits);
  }

  /** Forgets objects that are gone, ending their open episodes (end hits appended to `hits`). */
  protected endGone(gone: readonly { key: string }[], tMs: number, hits: RuleHit[]): void {
    for (const obj of gone) {
      const s = this.states.get(obj.key);
      this.states.delete(obj.key);
      const key = s === undefined ? undefined : this.openEpisode(s);
      const end = key === undefined ? undefined : this.episodes.end(key, tMs);
      if (end) hits.push(end);
    }
  }
}
