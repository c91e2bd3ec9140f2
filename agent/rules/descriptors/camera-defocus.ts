import { z } from 'zod';
import { CameraDefocusRule } from '../camera-health.js';
import { defineRule } from '../descriptor.js';
import { presentation, ruleId, schedule, seconds, severity, toMs } from '../options.js';

/** `camera_defocus`: image sharpness collapses against its own running baseline. */
export const cameraDefocus = defineRule({
  type: 'camera_defocus',
  catalogue: {
    category: 'health',
    defaultSeverity: 'medium',
    title: { vi: 'Camera bị mất nét', en: 'Camera out of focus' },
    onvifTopics: [
      'tns1:VideoSource/ImageTooBlurry/ImagingService',
      'tns1:VideoSource/ImageTooBlurry/AnalyticsService',
    ],
  },
  options: z.strictObject({
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
  }),
  build(rule, context) {
    return new CameraDefocusRule({
      id: rule.id,
      minMs: toMs(rule.minSeconds),
      severity: rule.severity,
      sharpnessRatio: rule.sharpnessRatio,
      ...(context.schedule && { schedule: context.schedule }),
    });
  },
});
