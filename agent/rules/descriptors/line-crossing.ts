import { z } from 'zod';
import { commonOptions, defineRule } from '../descriptor.js';
import { LineCrossingRule } from '../line-crossing.js';
import { classes, presentation, ruleId, schedule, seconds, severity, toMs } from '../options.js';

/** `line_crossing`: objects crossing a line are counted; with `incident: true` crossings raise incidents. */
export const lineCrossing = defineRule({
  type: 'line_crossing',
  catalogue: {
    category: 'traffic',
    defaultSeverity: 'info',
    title: { vi: 'Phương tiện qua vạch', en: 'Vehicle crossed line' },
    onvifTopics: ['tns1:RuleEngine/LineDetector/Crossed'],
  },
  options: z.strictObject({
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
  }),
  build(rule, context) {
    const line = context.line(rule.line);
    return new LineCrossingRule({
      ...commonOptions(rule, context),
      lineId: line.id,
      segment: line.segment,
      ...(rule.classes && { classes: rule.classes }),
      direction: rule.direction,
      alerts: rule.incident,
      cooldownMs: toMs(rule.cooldownSeconds),
      ...(context.ground && { ground: context.ground }),
    });
  },
});
