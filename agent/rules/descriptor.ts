import type { z } from 'zod';
import type { Homography } from '../tracking/index.js';
import type { FrameGeometry, GeometryUnits, Point, Segment } from './geometry.js';
import type { Schedule } from './schedule.js';
import type { Category, Rule, Severity } from './types.js';

/** What the IOC needs to know about a rule type: its bucket, its default urgency and how to title it. */
export interface RuleCatalogueEntry {
  category: Category;
  defaultSeverity: Severity;
  title: { vi: string; en: string };
  /**
   * ONVIF event topics meaning the same thing, so events from cameras with on-board analytics can be
   * mapped onto camwatch types. Rule-engine topics are from the ONVIF Analytics Service / Profile M;
   * VideoSource topics are from the ONVIF Core spec (one per publishing service). Empty when none exists.
   */
  onvifTopics: readonly string[];
}

/** A zone a rule refers to, in analysis-frame pixels. */
export interface BuiltZone {
  id: string;
  polygon: Point[];
  /** The units the zone was configured in (directions given in the zone's units need them). */
  units: GeometryUnits;
}

/** What a builder gets besides its rule's options: geometry resolved for this camera and frame. */
export interface RuleBuildContext {
  /** The catalogue category of the rule type (a rule's own `category` is applied to incidents later). */
  readonly category: Category;
  /** The rule's schedule in the camera's time zone; absent when the rule is always active. */
  readonly schedule?: Schedule;
  readonly geo: FrameGeometry;
  /** The camera's ground homography (analysis-frame px → metres), when calibrated. */
  readonly ground?: Homography;
  /** Creation time (epoch ms), for rules that count from their creation (camera_down). */
  readonly nowMs?: number;
  /** A zone of the camera; throws CONFIG_INVALID naming the rule and `key` when the camera has none by that id. */
  zone(ref: string, key?: string): BuiltZone;
  /** A line of the camera as a directed segment; throws CONFIG_INVALID like `zone`. */
  line(ref: string, key?: string): { id: string; segment: Segment };
}

/** The schema of one rule type's YAML entry: a strict object whose `type` literal selects it. */
export type RuleOptionsSchema = z.ZodObject;

/**
 * One rule type, whole: what the config accepts (`options`, with descriptions and defaults: the JSON
 * schema and `camwatch config validate` come from it), what the IOC calls it (`catalogue`) and how the
 * rule is made from its options (`build`). Adding a rule type = one file exporting one of these, listed in
 * registry.ts.
 */
export interface RuleDescriptor<T extends string = string, S extends RuleOptionsSchema = RuleOptionsSchema> {
  /** Canonical type name, as incidents carry it. */
  readonly type: T;
  /** Other `type` values the config accepts for it (the schema's `type` literal lists them too). */
  readonly aliases?: readonly string[];
  readonly catalogue: RuleCatalogueEntry;
  /** The YAML entry; times in seconds. */
  readonly options: S;
  /** The rule for one camera and frame size; times converted to ms here, once. */
  build(options: z.output<S>, context: RuleBuildContext): Rule;
}

/** A descriptor, typed from its own literal (keeps `type` a literal and `build` typed by `options`). */
export function defineRule<const T extends string, S extends RuleOptionsSchema>(descriptor: RuleDescriptor<T, S>): RuleDescriptor<T, S> {
  return descriptor;
}

/** The options every rule class takes from any rule: id, severity, catalogue category and schedule. */
export function commonOptions(
  options: { id: string; severity: Severity },
  context: RuleBuildContext,
): { id: string; severity: Severity; category: Category; schedule?: Schedule } {
  return { id: options.id, severity: options.severity, category: context.category, ...(context.schedule && { schedule: context.schedule }) };
}
