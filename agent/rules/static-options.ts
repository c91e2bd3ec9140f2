import { z } from 'zod';
import { commonOptions, type RuleBuildContext } from './descriptor.js';
import { classesDefault, cooldown, maskRef, presentation, ruleId, schedule, seconds, severity, SEVERITIES, stationaryFields, toMs, zoneRef } from './options.js';
import type { StaticRuleOptions } from './static-rule.js';
import type { Severity } from './types.js';

/**
 * The options dumping and object_left share (objects that appear and stay): who counts as a person near
 * the object, and where objects come from (tracks of `classes`, static pixels, or both), with the
 * builder part that turns them into StaticRuleOptions.
 */

/** `personClasses`. */
const personFields = {
  personClasses: z.array(z.string().min(1)).min(1).default(['person']).describe('Classes that count as a person nearby'),
};

/** Classes whose tracked boxes explain a static change by default: people and vehicles are not dumped objects. */
export const DEFAULT_STATIC_EXPLAIN_CLASSES = ['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck'] as const;
/** Values of `detector`. */
export const STATIC_SOURCES = ['objects', 'static-pixels', 'both'] as const;

/** `detector` and `staticPixels`. */
const staticFields = {
  detector: z
    .enum(STATIC_SOURCES)
    .default('both')
    .describe(
      'Where objects come from: "objects" = tracks of `classes` (needs a detector that knows the object), "static-pixels" = any new thing that stays, found from pixels alone (a slow and a fast background; works with any model, gives no class), "both" (default: the shipped COCO models know no trash class and often miss bags)',
    ),
  staticPixels: z
    .strictObject({
      minAreaPx: z.number().min(1).max(10_000_000).default(150).describe('Smallest object found from pixels (analysis-frame px², e.g. 12x12 at 640 px wide)'),
      maxAreaPx: z.number().min(1).max(100_000_000).default(25_000).describe('Largest object found from pixels (analysis-frame px², e.g. 160x160 at 640 px wide)'),
      relearnSeconds: z
        .number()
        .min(10)
        .max(86_400)
        .default(600)
        .describe('A change that stays this long is accepted as the new background (s): the object stops being reported and its incident ends'),
      explainClasses: z
        .array(z.string().min(1))
        .min(1)
        .default([...DEFAULT_STATIC_EXPLAIN_CLASSES])
        .describe('Tracked classes that explain a static change (a parked vehicle, a standing person, their shadows): never reported as objects'),
    })
    .superRefine((o, ctx) => {
      if (o.minAreaPx > o.maxAreaPx) ctx.addIssue({ code: 'custom', path: ['minAreaPx'], message: `minAreaPx (${o.minAreaPx}) is above maxAreaPx (${o.maxAreaPx})` });
    })
    .prefault({})
    .describe('The static-pixel detector (detector: static-pixels or both)'),
};

/** What differs between the dumping and object_left schemas (descriptions and defaults). */
export interface StaticRuleSchemaParts<T extends string, E extends z.ZodRawShape> {
  type: T;
  /** What the rule type detects, as the `type` field's description. */
  detects: string;
  classes: { default: readonly string[]; what: string };
  minSeconds: { default: number; what: string };
  personRadiusPx: { default: number; what: string };
  /** Fields of this type only, placed after personRadiusPx. */
  extra: E;
  cooldownSeconds: number;
  severity: (typeof SEVERITIES)[number];
}

/** The options schema of a rule about objects that appear and stay (dumping, object_left). */
export function staticRuleSchema<const T extends string, E extends z.ZodRawShape>(parts: StaticRuleSchemaParts<T, E>) {
  return z.strictObject({
    id: ruleId,
    ...presentation,
    type: z.literal(parts.type).describe(parts.detects),
    zone: zoneRef.optional().describe('Id of the watched zone; whole frame when absent'),
    classes: classesDefault(parts.classes.default, parts.classes.what),
    minSeconds: seconds(parts.minSeconds.default, parts.minSeconds.what),
    ...stationaryFields,
    ...personFields,
    personRadiusPx: z.number().min(0).max(10_000).default(parts.personRadiusPx.default).describe(parts.personRadiusPx.what),
    ...parts.extra,
    ...staticFields,
    cooldownSeconds: cooldown(parts.cooldownSeconds),
    severity: severity(parts.severity),
    schedule,
    maskZones: maskRef,
  });
}

/** What dumping and object_left options have in common after parsing. */
interface StaticRuleConfig {
  id: string;
  severity: Severity;
  zone?: string | undefined;
  classes: string[];
  personClasses: string[];
  personRadiusPx: number;
  minSeconds: number;
  maxSpeedPxPerS: number;
  cooldownSeconds: number;
  detector: (typeof STATIC_SOURCES)[number];
  staticPixels: { minAreaPx: number; maxAreaPx: number; relearnSeconds: number; explainClasses: string[] };
}

/** The shared part of a dumping or object_left rule, geometry resolved. */
export function staticRuleOptions(rule: StaticRuleConfig, context: RuleBuildContext): StaticRuleOptions {
  const zone = rule.zone === undefined ? undefined : context.zone(rule.zone);
  return {
    ...commonOptions(rule, context),
    ...(zone && { zoneId: zone.id, polygon: zone.polygon }),
    classes: rule.classes,
    personClasses: rule.personClasses,
    personRadiusPx: rule.personRadiusPx,
    minMs: toMs(rule.minSeconds),
    maxSpeedPxPerS: rule.maxSpeedPxPerS,
    cooldownMs: toMs(rule.cooldownSeconds),
    detector: rule.detector,
    staticPixels: {
      minAreaPx: rule.staticPixels.minAreaPx,
      maxAreaPx: rule.staticPixels.maxAreaPx,
      relearnMs: toMs(rule.staticPixels.relearnSeconds),
      explainClasses: new Set([...rule.staticPixels.explainClasses, ...rule.personClasses]),
    },
  };
}
