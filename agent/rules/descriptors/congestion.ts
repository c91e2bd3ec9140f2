import { z } from 'zod';
import { commonOptions, defineRule } from '../descriptor.js';
import { classesDefault, cooldown, DEFAULT_VEHICLE_CLASSES, maskRef, presentation, ruleId, schedule, seconds, severity, toMs, zoneRef } from '../options.js';
import { ZoneCountRule } from '../zone-count.js';

/** `congestion`: too many vehicles (count or occupied area) in a zone for a while. */
export const congestion = defineRule({
  type: 'congestion',
  catalogue: {
    category: 'traffic',
    defaultSeverity: 'medium',
    title: { vi: 'Ùn tắc giao thông', en: 'Traffic congestion' },
    onvifTopics: [],
  },
  options: z
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
    }),
  build(rule, context) {
    const zone = context.zone(rule.zone);
    return new ZoneCountRule('congestion', {
      ...commonOptions(rule, context),
      zoneId: zone.id,
      polygon: zone.polygon,
      classes: rule.classes,
      ...(rule.minCount !== undefined && { minCount: rule.minCount }),
      ...(rule.minOccupancy !== undefined && { minOccupancy: rule.minOccupancy }),
      minMs: toMs(rule.minSeconds),
      clearMs: toMs(rule.clearSeconds),
      cooldownMs: toMs(rule.cooldownSeconds),
    });
  },
});
