import { z } from 'zod';
import { commonOptions, defineRule } from '../descriptor.js';
import { LoiteringRule } from '../loitering.js';
import { classesDefault, cooldown, maskRef, presentation, ruleId, schedule, seconds, severity, toMs, zoneRef } from '../options.js';

/** `loitering`: a person stays in a zone for a long time. */
export const loitering = defineRule({
  type: 'loitering',
  catalogue: {
    category: 'security',
    defaultSeverity: 'low',
    title: { vi: 'Lảng vảng', en: 'Loitering' },
    onvifTopics: ['tns1:RuleEngine/LoiteringDetector/ObjectIsLoitering'],
  },
  options: z.strictObject({
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
  }),
  build(rule, context) {
    const zone = context.zone(rule.zone);
    return new LoiteringRule({
      ...commonOptions(rule, context),
      zoneId: zone.id,
      polygon: zone.polygon,
      classes: rule.classes,
      minMs: toMs(rule.minSeconds),
      exitToleranceMs: toMs(rule.exitToleranceSeconds),
      cooldownMs: toMs(rule.cooldownSeconds),
    });
  },
});
