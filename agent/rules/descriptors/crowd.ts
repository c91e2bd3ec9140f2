import { z } from 'zod';
import { commonOptions, defineRule } from '../descriptor.js';
import { classesDefault, cooldown, maskRef, presentation, ruleId, schedule, seconds, severity, toMs, zoneRef } from '../options.js';
import { ZoneCountRule } from '../zone-count.js';

/** `crowd`: at least minCount persons in a zone for a while. */
export const crowd = defineRule({
  type: 'crowd',
  catalogue: {
    category: 'security',
    defaultSeverity: 'medium',
    title: { vi: 'Tụ tập đông người', en: 'Crowd gathering' },
    onvifTopics: [],
  },
  options: z.strictObject({
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
  }),
  build(rule, context) {
    const zone = context.zone(rule.zone);
    return new ZoneCountRule('crowd', {
      ...commonOptions(rule, context),
      zoneId: zone.id,
      polygon: zone.polygon,
      classes: rule.classes,
      minCount: rule.minCount,
      minMs: toMs(rule.minSeconds),
      clearMs: toMs(rule.clearSeconds),
      cooldownMs: toMs(rule.cooldownSeconds),
    });
  },
});
