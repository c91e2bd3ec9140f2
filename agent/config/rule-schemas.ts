import { z } from 'zod';
import { RULE_OPTION_SCHEMAS } from '../rules/index.js';

/**
 * Config schemas around the rules: the rule union (assembled from the rules stage's registry, where each
 * rule type's options schema lives), the per-camera time zone and ground calibration, and the tracker.
 * `schema.ts` assembles them into the camera and config schemas. Zone and line geometry is checked by
 * validate-geometry.ts.
 */

const point = z.tuple([z.number(), z.number()]).describe('[x, y]: x to the right, y down, origin at the top-left corner of the image');

/** Vietnam: where camwatch is first deployed; cameras elsewhere set `timezone`. */
export const DEFAULT_TIMEZONE = 'Asia/Ho_Chi_Minh';

/** Whether the runtime's ICU knows the IANA zone name. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const timezoneSchema = z
  .string()
  .refine(isTimeZone, { message: 'unknown IANA time zone (e.g. "Asia/Ho_Chi_Minh", "Asia/Bangkok", "UTC")' })
  .default(DEFAULT_TIMEZONE)
  .describe('IANA time zone of the camera\'s local time, used by rule schedules');

// ---------------------------------------------------------------------------------------------------
// Ground calibration

export const calibrationSchema = z
  .strictObject({
    units: z
      .enum(['normalized', 'pixels'])
      .default('normalized')
      .describe('Units of imagePoints: normalized (0..1 of the frame) or pixels of the source stream'),
    imagePoints: z
      .array(point)
      .length(4, 'expected exactly 4 image points')
      .describe('Four points on the road surface in the image, e.g. the corners of a lane marking'),
    groundPoints: z
      .array(point)
      .length(4, 'expected exactly 4 ground points')
      .describe('The same four points on the ground, in metres, in any flat x/y frame (e.g. measured from one corner)'),
  })
  .superRefine((c, ctx) => {
    for (const [key, pts] of [['imagePoints', c.imagePoints], ['groundPoints', c.groundPoints]] as const) {
      const problem = quadProblem(pts);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: problem });
    }
  })
  .describe('Maps image points to metres on the ground (homography) so speeds can be given in km/h');

/**
 * Four points define a homography only if no three are on one line (then the 8×8 system is singular).
 * Tolerance: a triangle smaller than 1e-6 of the squared extent counts as flat.
 */
function quadProblem(pts: ReadonlyArray<readonly [number, number]>): string | undefined {
  if (pts.length !== 4) return undefined;
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const extent = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  if (extent === 0) return 'all four points are the same';
  for (let i = 0; i < 4; i++) {
    const [a, b, c] = [pts[i % 4]!, pts[(i + 1) % 4]!, pts[(i + 2) % 4]!];
    const area2 = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
    if (Math.abs(area2) <= 1e-6 * extent * extent) {
      return `points ${i % 4}, ${(i + 1) % 4} and ${(i + 2) % 4} are on one line; pick four points with no three in a line (e.g. corners of a rectangle on the road)`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Tracker

export const TRACKER_KINDS = ['bytetrack', 'iou'] as const;

export const trackingSchema = z
  .strictObject({
    kind: z
      .enum(TRACKER_KINDS)
      .default('bytetrack')
      .describe('bytetrack: Kalman prediction, two-stage association that also uses low-score boxes; iou: greedy IoU matching'),
    iouThreshold: z.number().min(0).max(1).default(0.3).describe('Minimum overlap (IoU, 0..1) to match a detection to a track'),
    maxLostSeconds: z.number().min(0).max(60).default(1.5).describe('A track unseen for this long ends (s); shorter occlusions keep the id'),
    minHits: z.number().int().min(1).max(30).default(2).describe('Detections needed before a track is confirmed (frames)'),
    highScoreThreshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.35)
      .describe('bytetrack: detections at or above this score are matched first and may start tracks'),
    lowScoreThreshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe('bytetrack: detections between this and highScoreThreshold only continue existing tracks (occluded, blurred objects); the detector must decode down to this score'),
    riders: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe('Fuse a person riding a motorcycle or bicycle into one object of the two-wheeler class with a rider count (bytetrack; models whose classes include person and motorcycle/bicycle, e.g. COCO). On Vietnamese junction footage YOLOX-nano reports riders as person and few of the bikes under them: without fusion a counting line counts riders as people and congestion misses motorbike queues (docs/rules.md, "Riders")'),
        minOverlap: z
          .number()
          .min(0)
          .max(1)
          .default(0.5)
          .describe('Share (0..1) of the smaller of the two-wheeler box and the lower half of the person box that the two must share for the person to ride it'),
        maxCentreOffset: z
          .number()
          .min(0)
          .max(1)
          .default(0.35)
          .describe('Largest horizontal distance between the person and two-wheeler box centres, as a share of the wider box: a pedestrian beside a parked bike is further'),
        minSpeedHeightsPerS: z
          .number()
          .gt(0)
          .max(100)
          .default(2)
          .describe('A person track moving faster than this, in heights of its own box per second, is a rider (walking ~0.8); it stays a two-wheeler when it stops'),
        minSeconds: z.number().gt(0).max(60).default(1).describe('How long (s, averaged) that speed must be kept'),
        minFusedFrames: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(2)
          .describe('Frames a person track must be seen on a two-wheeler before it becomes one (sticky)'),
      })
      .prefault({})
      .describe('Motorbike and bicycle riders: one vehicle, not a person plus a bike'),
  })
  .superRefine((t, ctx) => {
    if (t.lowScoreThreshold > t.highScoreThreshold) {
      ctx.addIssue({ code: 'custom', path: ['lowScoreThreshold'], message: `must not exceed highScoreThreshold (${t.highScoreThreshold})` });
    }
  })
  .prefault({})
  .describe('Object tracker');

// ---------------------------------------------------------------------------------------------------
// Rules: every rule type's options schema is in its descriptor (agent/rules/descriptors/<type>.ts)

/** The config's rule union over option schemas (the registered ones: ruleSchema; tests pass their own list). */
export function ruleSchemaOf<const S extends readonly [z.ZodObject, ...z.ZodObject[]]>(schemas: S) {
  return z.discriminatedUnion('type', schemas).describe('An incident rule; `type` selects which fields apply');
}

/** Every rule type the config accepts; `type` selects the fields. */
export const ruleSchema = ruleSchemaOf(RULE_OPTION_SCHEMAS);

export type RuleConfig = z.output<typeof ruleSchema>;
export type CalibrationConfig = z.output<typeof calibrationSchema>;
export type TrackingConfig = z.output<typeof trackingSchema>;

/**
 * Every detector class name a rule lists (classes and personClasses) with the key holding it: for the
 * class check of the config loader, since camera health rules have no `classes`.
 */
export function ruleClassNames(rule: RuleConfig): Array<{ name: string; path: Array<string | number> }> {
  const out: Array<{ name: string; path: Array<string | number> }> = [];
  if ('classes' in rule && rule.classes !== undefined) rule.classes.forEach((name, k) => out.push({ name, path: ['classes', k] }));
  if ('personClasses' in rule) rule.personClasses.forEach((name, k) => out.push({ name, path: ['personClasses', k] }));
  return out;
}
