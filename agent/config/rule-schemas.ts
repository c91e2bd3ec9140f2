import { z } from 'zod';
import { idSchema } from './ids.js';

/**
 * Config schemas of the rules stage: every rule type, schedules, the per-camera time zone and ground
 * calibration, and the tracker. `schema.ts` assembles them into the camera and config schemas. Only
 * checks specific to these fields live here (e.g. a zero direction vector); zone and line geometry is
 * checked by validate-geometry.ts.
 */

const point = z.tuple([z.number(), z.number()]).describe('[x, y]: x to the right, y down, origin at the top-left corner of the image');

const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
const severity = (def: (typeof SEVERITIES)[number]) =>
  z.enum(SEVERITIES).default(def).describe('Severity of the incidents raised');

const ruleId = idSchema('Rule id, unique per camera; appears in incidents');

const CATEGORIES = ['traffic', 'sanitation', 'security', 'health'] as const;

/** What every rule may set to shape what the IOC shows; defaults come from the rule catalogue (docs/rules.md). */
const presentation = {
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

const classes = z
  .array(z.string().min(1))
  .min(1, 'list at least one class, or remove "classes" to match every class')
  .optional()
  .describe('Detector class names this rule applies to (e.g. person, car, motorcycle); all classes when absent');

/** Class list with a rule-specific default (e.g. vehicles for traffic rules). */
const classesDefault = (def: readonly string[], what: string) =>
  z
    .array(z.string().min(1))
    .min(1)
    .default([...def])
    .describe(`Detector class names this rule applies to; default ${what}: ${def.join(', ')}`);

const seconds = (def: number, what: string) => z.number().min(0).max(86_400).default(def).describe(`${what} (s)`);

const cooldown = (def: number) =>
  seconds(def, 'After an incident of this rule ends, the same object (same track, or a box at the same place) does not open another one for this long');

/** COCO vehicle classes: what traffic rules watch by default. */
export const DEFAULT_VEHICLE_CLASSES = ['car', 'truck', 'bus', 'motorcycle'] as const;
/** COCO classes that look like things carried and set down: object_left watches these by default. */
export const DEFAULT_LEFT_OBJECT_CLASSES = ['backpack', 'handbag', 'suitcase'] as const;
/**
 * COCO has no "trash bag": these are the classes that dumped things are most often detected as (bags,
 * furniture, appliances). Replace with the classes of a purpose-trained model when one is used.
 */
export const DEFAULT_DUMPING_CLASSES = [
  'backpack', 'handbag', 'suitcase', 'chair', 'couch', 'bed', 'tv', 'refrigerator', 'microwave', 'oven', 'toilet', 'sink',
] as const;

// ---------------------------------------------------------------------------------------------------
// Schedules and time zone

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const hhmm = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use 24-hour HH:MM, e.g. "22:00"')
  .describe('Local time HH:MM (24-hour)');

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

const schedule = z
  .array(scheduleWindowSchema)
  .min(1)
  .optional()
  .describe('When the rule is active (any window); always when absent. An incident open when the rule goes inactive is ended');

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
// Rules

const zoneRef = z.string().min(1).describe('Id of a zone of this camera');
const maskRef = z
  .array(z.string().min(1))
  .min(1)
  .optional()
  .describe('Ids of zones whose area this rule ignores (objects there are invisible to it), e.g. a parking bay inside a no-stopping zone');

export const zoneIntrusionRule = z.strictObject({
  id: ruleId,
  ...presentation,
  type: z
    .literal(['zone_intrusion', 'intrusion'])
    .describe('An object of the given classes stays inside a (restricted) zone; "intrusion" is the same rule'),
  zone: zoneRef,
  classes,
  minSeconds: z.number().min(0).max(86_400).default(2).describe('How long the object must stay inside (s)'),
  cooldownSeconds: z.number().min(0).max(86_400).default(30).describe('Same track does not re-trigger within this time (s)'),
  severity: severity('medium'),
  schedule,
  maskZones: maskRef,
});

export const lineCrossingRule = z.strictObject({
  id: ruleId,
  ...presentation,
  type: z.literal('line_crossing').describe('An object of the given classes crosses a line; crossings are counted per class'),
  line: z.string().min(1).describe('Id of a line of this camera'),
  classes,
  direction: z.enum(['in', 'out', 'both']).default('both').describe('With incident: true, which crossings raise an incident (a one-way street: the forbidden direction); all are counted'),
  incident: z
    .boolean()
    .default(false)
    .describe('true: each crossing in `direction` raises an incident. Default false: the line only counts (count bins, never incidents)'),
  severity: severity('info'),
  cooldownSeconds: seconds(0, 'The same track crossing again within this time raises no new incident (it is still counted)'),
  schedule,
});

/** An expected direction of travel: a vector in the zone's units, or an angle. */
const directionFields = {
  expectedDirection: z
    .tuple([z.number(), z.number()])
    .optional()
    .describe('Expected direction of travel as a vector [dx, dy] in the zone\'s units (y down), e.g. [0, 1] = towards the bottom of the image'),
  expectedAngleDeg: z
    .number()
    .min(-360)
    .max(360)
    .optional()
    .describe('Expected direction of travel as an angle in the image: 0 = right, 90 = down, 180 = left, 270 = up'),
};

export const wrongWayRule = z
  .strictObject({
    id: ruleId,
    ...presentation,
    type: z.literal('wrong_way').describe('A vehicle moves against the expected direction of a lane zone'),
    zone: zoneRef.describe('Id of the lane zone'),
    ...directionFields,
    classes: classesDefault(DEFAULT_VEHICLE_CLASSES, 'vehicles'),
    toleranceDeg: z
      .number()
      .gt(0)
      .max(90)
      .default(60)
      .describe('Motion within this angle of the reverse direction counts as wrong-way (degrees)'),
    minSeconds: seconds(1, 'How long the object must move against the direction'),
    minDistancePx: z
      .number()
      .min(0)
      .max(10_000)
      .default(30)
      .describe('How far (analysis-frame px) it must travel against the direction'),
    cooldownSeconds: cooldown(60),
    severity: severity('high'),
    schedule,
    maskZones: maskRef,
  })
  .superRefine((r, ctx) => {
    const hasVector = r.expectedDirection !== undefined;
    const hasAngle = r.expectedAngleDeg !== undefined;
    if (hasVector === hasAngle) {
      ctx.addIssue({
        code: 'custom',
        path: ['expectedDirection'],
        message: hasVector
          ? 'give either expectedDirection or expectedAngleDeg, not both'
          : 'give the lane\'s expected direction: expectedDirection [dx, dy] or expectedAngleDeg',
      });
    }
    if (r.expectedDirection && r.expectedDirection[0] === 0 && r.expectedDirection[1] === 0) {
      ctx.addIssue({ code: 'custom', path: ['expectedDirection'], message: 'zero direction vector [0, 0]: give the direction of travel, e.g. [0, 1] for "down the image"' });
    }
  });

const stationaryFields = {
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

export const illegalStopRule = z.strictObject({
  id: ruleId,
  ...presentation,
  type: z.literal('illegal_stop').describe('A vehicle stays stationary in a no-stopping zone'),
  zone: zoneRef.describe('Id of the no-stopping zone'),
  classes: classesDefault(DEFAULT_VEHICLE_CLASSES, 'vehicles'),
  minSeconds: seconds(60, 'How long the vehicle must stay stationary'),
  ...stationaryFields,
  cooldownSeconds: cooldown(300),
  severity: severity('medium'),
  schedule,
  maskZones: maskRef,
});

export const congestionRule = z
  .strictObject({
    id: ruleId,
    ...presentation,
    type: z.literal('congestion').describe('Too many vehicles (count or occupied area) in a zone for a while'),
    zone: zoneRef,
    classes: classesDefault(DEFAULT_VEHICLE_CLASSES, 'vehicles'),
    minCount: z.number().int().min(1).max(10_000).optional().describe('Congested when at least this many objects are in the zone'),
    minOccupancy: z
      .number()
      .gt(0)
      .max(1)
      .optional()
      .describe('Congested when boxes cover at least this fraction (0..1) of the zone'),
    minSeconds: seconds(30, 'How long the zone must stay congested before an incident opens'),
    clearSeconds: seconds(10, 'How long the zone must stay below the thresholds before the incident ends'),
    cooldownSeconds: cooldown(120),
    severity: severity('medium'),
    schedule,
    maskZones: maskRef,
  })
  .superRefine((r, ctx) => {
    if (r.minCount === undefined && r.minOccupancy === undefined) {
      ctx.addIssue({ code: 'custom', path: ['minCount'], message: 'give minCount (vehicles) or minOccupancy (fraction of the zone), or both' });
    }
  });

export const crowdRule = z.strictObject({
  id: ruleId,
  ...presentation,
  type: z.literal('crowd').describe('At least minCount persons in a zone for a while'),
  zone: zoneRef,
  classes: classesDefault(['person'], 'persons'),
  minCount: z.number().int().min(2).max(10_000).default(10).describe('Crowd when at least this many persons are in the zone'),
  minSeconds: seconds(30, 'How long the crowd must last before an incident opens'),
  clearSeconds: seconds(10, 'How long the count must stay below minCount before the incident ends'),
  cooldownSeconds: cooldown(120),
  severity: severity('medium'),
  schedule,
  maskZones: maskRef,
});

export const loiteringRule = z.strictObject({
  id: ruleId,
  ...presentation,
  type: z.literal('loitering').describe('A person stays in a zone for a long time'),
  zone: zoneRef,
  classes: classesDefault(['person'], 'persons'),
  minSeconds: seconds(120, 'How long the person must stay in the zone'),
  exitToleranceSeconds: seconds(5, 'Leaving the zone for less than this does not end the stay'),
  cooldownSeconds: cooldown(300),
  severity: severity('low'),
  schedule,
  maskZones: maskRef,
});

const personFields = {
  personClasses: z.array(z.string().min(1)).min(1).default(['person']).describe('Classes that count as a person nearby'),
};

/** Classes whose tracked boxes explain a static change by default: people and vehicles are not dumped objects. */
export const DEFAULT_STATIC_EXPLAIN_CLASSES = ['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck'] as const;
export const STATIC_SOURCES = ['objects', 'static-pixels', 'both'] as const;

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

export const dumpingRule = z.strictObject({
  id: ruleId,
  ...presentation,
  type: z.literal('dumping').describe('A new object appears in a zone and stays there (illegal dumping); the person who left it is attached when seen'),
  zone: zoneRef.optional().describe('Id of the watched zone; whole frame when absent'),
  classes: classesDefault(DEFAULT_DUMPING_CLASSES, 'bags, furniture and appliances'),
  minSeconds: seconds(30, 'How long the new object must stay'),
  ...stationaryFields,
  ...personFields,
  personRadiusPx: z
    .number()
    .min(0)
    .max(10_000)
    .default(80)
    .describe('A person within this distance (analysis-frame px, between box edges) when the object appears is attached as evidence'),
  warmupSeconds: seconds(10, 'Objects already there during this long after start-up are background, not dumping'),
  ...staticFields,
  cooldownSeconds: cooldown(600),
  severity: severity('medium'),
  schedule,
  maskZones: maskRef,
});

export const objectLeftRule = z.strictObject({
  id: ruleId,
  ...presentation,
  type: z.literal('object_left').describe('A bag-like object stays with no person near it'),
  zone: zoneRef.optional().describe('Id of the watched zone; whole frame when absent'),
  classes: classesDefault(DEFAULT_LEFT_OBJECT_CLASSES, 'bags'),
  minSeconds: seconds(60, 'How long the object must stay unattended'),
  ...stationaryFields,
  ...personFields,
  personRadiusPx: z
    .number()
    .min(0)
    .max(10_000)
    .default(100)
    .describe('A person within this distance (analysis-frame px, between box edges) attends the object'),
  ...staticFields,
  cooldownSeconds: cooldown(600),
  severity: severity('high'),
  schedule,
  maskZones: maskRef,
});

export const cameraDownRule = z.strictObject({
  id: ruleId,
  ...presentation,
  type: z.literal('camera_down').describe('No frames from the camera for a while'),
  minSeconds: seconds(30, 'How long without frames before the camera counts as down'),
  severity: severity('high'),
  schedule,
});

export const cameraBlackoutRule = z.strictObject({
  id: ruleId,
  ...presentation,
  type: z.literal('camera_blackout').describe('The image is (nearly) uniform: covered, black, or a blank signal'),
  minSeconds: seconds(10, 'How long the image must stay uniform'),
  maxStdDev: z
    .number()
    .min(0)
    .max(128)
    .default(8)
    .describe('Uniform when the grey levels (0..255) of a small copy vary less than this (standard deviation)'),
  severity: severity('high'),
  schedule,
});

export const cameraTamperRule = z.strictObject({
  id: ruleId,
  ...presentation,
  type: z.literal('camera_tamper').describe("The view's fixed structure (kerbs, lane marks, façades) moves or vanishes and stays so: camera turned, shifted or covered"),
  minSeconds: seconds(5, 'How long the change must persist'),
  changedFraction: z
    .number()
    .gt(0)
    .max(1)
    .default(0.5)
    .describe('Tampered when at least this fraction (0..1) of the cells with fixed structure no longer match the learned scene (measured: 0.9-1.0 for a turned or shifted camera, 0.55-0.6 with 3/4 of the view covered, at most 0.16 on normal footage)'),
  relearnSeconds: seconds(120, 'After the change has lasted this long the new view is accepted as the scene and the incident ends'),
  severity: severity('high'),
  schedule,
});

export const cameraDefocusRule = z.strictObject({
  id: ruleId,
  ...presentation,
  type: z.literal('camera_defocus').describe('Image sharpness collapses against its own running baseline'),
  minSeconds: seconds(10, 'How long the image must stay blurred'),
  sharpnessRatio: z
    .number()
    .gt(0)
    .lt(1)
    .default(0.4)
    .describe('Blurred when sharpness (variance of the Laplacian) falls below this fraction of its baseline'),
  severity: severity('medium'),
  schedule,
});

/** Every rule type the config accepts; `type` selects the fields. */
export const ruleSchema = z
  .discriminatedUnion('type', [
    zoneIntrusionRule,
    lineCrossingRule,
    wrongWayRule,
    illegalStopRule,
    congestionRule,
    crowdRule,
    loiteringRule,
    dumpingRule,
    objectLeftRule,
    cameraDownRule,
    cameraBlackoutRule,
    cameraTamperRule,
    cameraDefocusRule,
  ])
  .describe('An incident rule; `type` selects which fields apply');

export type RuleConfig = z.output<typeof ruleSchema>;
export type CalibrationConfig = z.output<typeof calibrationSchema>;
export type ScheduleWindowConfig = z.output<typeof scheduleWindowSchema>;
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
