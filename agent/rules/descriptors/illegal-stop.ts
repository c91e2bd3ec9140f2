import { z } from 'zod';
import { commonOptions, defineRule } from '../descriptor.js';
import { IllegalStopRule } from '../illegal-stop.js';
import { classesDefault, cooldown, DEFAULT_VEHICLE_CLASSES, maskRef, presentation, ruleId, schedule, seconds, severity, stationaryFields, toMs, zoneRef } from '../options.js';

/** `illegal_stop`: a vehicle stays stationary in a no-stopping zone. */
export const illegalStop = defineRule({
  type: 'illegal_stop',
  catalogue: {
    category: 'traffic',
    defaultSeverity: 'medium',
    title: { vi: 'Dừng đỗ sai quy định', en: 'Illegal stopping' },
    onvifTopics: [],
  },
  options: z.strictObject({
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
  }),
  build(rule, context) {
    const zone = context.zone(rule.zone);
    return new IllegalStopRule({
      ...commonOptions(rule, context),
      zoneId: zone.id,
      polygon: zone.polygon,
      classes: rule.classes,
      minMs: toMs(rule.minSeconds),
      maxSpeedPxPerS: rule.maxSpeedPxPerS,
      ...(rule.maxSpeedKmh !== undefined && context.ground && { maxSpeedKmh: rule.maxSpeedKmh, ground: context.ground }),
      cooldownMs: toMs(rule.cooldownSeconds),
    });
  },
});
