import { z } from 'zod';
import { commonOptions, defineRule } from '../descriptor.js';
import { classes, maskRef, presentation, ruleId, schedule, severity, toMs, zoneRef } from '../options.js';
import { ZoneIntrusionRule } from '../zone-intrusion.js';

/** `zone_intrusion` (alias `intrusion`): an object stays inside a restricted zone. */
export const zoneIntrusion = defineRule({
  type: 'zone_intrusion',
  aliases: ['intrusion'],
  catalogue: {
    category: 'security',
    defaultSeverity: 'medium',
    title: { vi: 'Xâm nhập khu vực cấm', en: 'Intrusion into restricted zone' },
    onvifTopics: ['tns1:RuleEngine/FieldDetector/ObjectsInside'],
  },
  options: z.strictObject({
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
  }),
  build(rule, context) {
    const zone = context.zone(rule.zone);
    return new ZoneIntrusionRule({
      ...commonOptions(rule, context),
      zoneId: zone.id,
      polygon: zone.polygon,
      ...(rule.classes && { classes: rule.classes }),
      minMs: toMs(rule.minSeconds),
      cooldownMs: toMs(rule.cooldownSeconds),
    });
  },
});
