import { z } from 'zod';
import { idSchema } from '../core/index.js';

/**
 * Option parts every rule type's schema is made of (id, presentation, severity, classes, times in seconds,
 * zone references, schedule), so the same YAML key means the same thing in every rule. The schemas are
 * the YAML a user writes: times are seconds there; builders convert them to ms once (descriptor.ts).
 */

/** Severities a rule may raise, lowest first. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;

/** `severity` with the rule type's default. */
export const severity = (def: (typeof SEVERITIES)[number]) =>
  z.enum(SEVERITIES).default(def).describe('Severity of the incidents raised');

/** `id` of a rule. */
export const ruleId = idSchema('Rule id, unique per camera; appears in incidents');

/** IOC buckets of incidents (also an MQTT topic level). */
export const CATEGORIES = ['traffic', 'sanitation', 'security', 'health'] as const;

/** What every rule may set to shape what the IOC shows; defaults come from the rule catalogue (docs/rules.md). */
export const presentation = {
  name: z.string().min(1).max(200).optional().describe('Human-readable name of the rule, sent with its id in every incident (e.g. "Cổng sau - cấm vào")'),
  category: z
    .enum(CATEGORIES)
    .optional()
    .describe("IOC bucket of the rule's incidents (also the MQTT topic level); default the rule type's category in the catalogue"),
  title: z
    .strictObject({
      vi: z.string().min(1).max(200).optional().describe('Vietnamese title; default the catalogue\'s'),
      en: z.string().min(1).max(200).optional().describe('English title; default the catalogue\'s'),
    })
    .optional()
    .describe("Title of the rule's incidents on the IOC wall, per language; each absent language keeps the catalogue's title"),
};

/** `classes` with no default: every class when absent. */
export const classes = z
  .array(z.string().min(1))
  .min(1, 'list at least one class, or remove "classes" to match every class')
  .optional()
  .describe('Detector class names this rule applies to (e.g. person, car, motorcycle); all classes when absent');

/** Class list with a rule-specific default (e.g. vehicles for traffic rules). */
export const classesDefault = (def: readonly string[], what: string) =>
  z
    .array(z.string().min(1))
    .min(1)
    .default([...def])
    .describe(`Detector class names this rule applies to; default ${what}: ${def.join(', ')}`);

/** A time option in seconds (the unit of every time a user writes in a rule), 0 to one day. */
export const seconds = (def: number, what: string) => z.number().min(0).max(86_400).default(def).describe(`${what} (s)`);

/** `cooldownSeconds` with the rule type's default. */
export const cooldown = (def: number) =>
  seconds(def, 'After an incident of this rule ends, the same object (same track, or a box at the same place) does not open another one for this long');

/** COCO vehicle classes: what traffic rules watch by default. */
export const DEFAULT_VEHICLE_CLASSES = ['car', 'truck', 'bus', 'motorcycle'] as const;

/** Days of the week as schedules name them. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const hhmm = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use 24-hour HH:MM, e.g. "22:00"')
  .describe('Local time HH:MM (24-hour)');

/** One weekly window of a rule's schedule. */
export const scheduleWindowSchema = z
  .strictObject({
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .default([...WEEKDAYS])
      .describe('Days the window starts on; a window past midnight (from > to) ends the next morning'),
    from: hhmm.describe('Start, local time HH:MM (inclusive)'),
    to: hhmm.describe('End, local time HH:MM (exclusive); earlier than `from` = ends the next day; equal to `from` = all day'),
  })
  .describe('A weekly time window in the camera\'s time zone');

/** `schedule`: when the rule is active. */
export const schedule = z
  .array(scheduleWindowSchema)
  .min(1)
  .optional()
  .describe('When the rule is active (any window); always when absent. An incident open when the rule goes inactive is ended');

/** `zone`: a zone of the camera the rule watches. */
export const zoneRef = z.string().min(1).describe('Id of a zone of this camera');

/** `maskZones`: zones the rule ignores. */
export const maskRef = z
  .array(z.string().min(1))
  .min(1)
  .optional()
  .describe('Ids of zones whose area this rule ignores (objects there are invisible to it), e.g. a parking bay inside a no-stopping zone');

/** When an object counts as standing still (illegal_stop, dumping, object_left). */
export const stationaryFields = {
  maxSpeedPxPerS: z
    .number()
    .min(0)
    .max(10_000)
    .default(6)
    .describe('Below this speed (analysis-frame px/s, measured over 2 s) an object counts as stationary'),
  maxSpeedKmh: z
    .number()
    .min(0)
    .max(500)
    .optional()
    .describe('With ground calibration: stationary below this ground speed (km/h) instead of maxSpeedPxPerS'),
};

/** Seconds → ms: option schemas speak seconds (the YAML), rule classes ms; builders convert once with this. */
export function toMs(seconds: number): number {
  return seconds * 1000;
}
