import { z } from 'zod';
import { CameraTamperRule } from '../camera-health.js';
import { defineRule } from '../descriptor.js';
import { presentation, ruleId, schedule, seconds, severity, toMs } from '../options.js';

/** `camera_tamper`: the view's fixed structure moves or vanishes and stays so. */
export const cameraTamper = defineRule({
  type: 'camera_tamper',
  catalogue: {
    category: 'health',
    defaultSeverity: 'high',
    title: { vi: 'Camera bị can thiệp', en: 'Camera tampering' },
    onvifTopics: [
      'tns1:VideoSource/GlobalSceneChange/ImagingService',
      'tns1:VideoSource/GlobalSceneChange/AnalyticsService',
    ],
  },
  options: z.strictObject({
    id: ruleId,
    ...presentation,
    type: z.literal('camera_tamper').describe("The view's fixed structure (kerbs, lane marks, façades) moves or vanishes and stays so: camera turned, shifted or covered"),
    minSeconds: seconds(5, 'How long the change must persist'),
    changedFraction: z
      .number()
      .gt(0)
      .max(1)
      .default(0.5)
      .describe('Tampered when at least this fraction (0..1) of the cells changed: the cells with fixed structure that no longer match the learned scene, or those plus the plain cells (asphalt, sky) that now hold strong edges over both kinds, whichever is larger (measured: 0.82-1.0 for a turned or shifted camera, 0.47-0.97 with moving foliage over 3/4 of the view, at most 0.24 on normal footage)'),
    relearnSeconds: seconds(120, 'After the change has lasted this long the new view is accepted as the scene and the incident ends'),
    severity: severity('high'),
    schedule,
  }),
  build(rule, context) {
    return new CameraTamperRule({
      id: rule.id,
      minMs: toMs(rule.minSeconds),
      severity: rule.severity,
      changedFraction: rule.changedFraction,
      relearnMs: toMs(rule.relearnSeconds),
      ...(context.schedule && { schedule: context.schedule }),
    });
  },
});
