import { z } from 'zod';
import { commonOptions, defineRule } from '../descriptor.js';
import { directionFromAngleDeg, directionToFrame } from '../geometry.js';
import { classesDefault, cooldown, DEFAULT_VEHICLE_CLASSES, maskRef, presentation, ruleId, schedule, seconds, severity, toMs, zoneRef } from '../options.js';
import { WrongWayRule } from '../wrong-way.js';

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

/** `wrong_way`: a vehicle moves against the expected direction of a lane zone. */
export const wrongWay = defineRule({
  type: 'wrong_way',
  catalogue: {
    category: 'traffic',
    defaultSeverity: 'high',
    title: { vi: 'Xe đi ngược chiều', en: 'Wrong-way vehicle' },
    onvifTopics: [],
  },
  options: z
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
    }),
  build(rule, context) {
    const zone = context.zone(rule.zone);
    const expected =
      rule.expectedDirection !== undefined
        ? directionToFrame(rule.expectedDirection, zone.units, context.geo)
        : directionFromAngleDeg(rule.expectedAngleDeg ?? 0);
    return new WrongWayRule({
      ...commonOptions(rule, context),
      zoneId: zone.id,
      polygon: zone.polygon,
      expected,
      classes: rule.classes,
      toleranceDeg: rule.toleranceDeg,
      minMs: toMs(rule.minSeconds),
      minDistancePx: rule.minDistancePx,
      cooldownMs: toMs(rule.cooldownSeconds),
      ...(context.ground && { ground: context.ground }),
    });
  },
});
