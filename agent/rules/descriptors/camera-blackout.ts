import { z } from 'zod';
import { CameraBlackoutRule } from '../camera-health.js';
import { defineRule } from '../descriptor.js';
import { presentation, ruleId, schedule, seconds, severity, toMs } from '../options.js';

/** `camera_blackout`: the image is (nearly) uniform. */
export const cameraBlackout = defineRule({
  type: 'camera_blackout',
  catalogue: {
    category: 'health',
    defaultSeverity: 'high',
    title: { vi: 'Hình ảnh camera bị tối đen', en: 'Camera image blacked out' },
    onvifTopics: ['tns1:VideoSource/ImageTooDark/ImagingService', 'tns1:VideoSource/ImageTooDark/AnalyticsService'],
  },
  options: z.strictObject({
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
  }),
  build(rule, context) {
    return new CameraBlackoutRule({
      id: rule.id,
      minMs: toMs(rule.minSeconds),
      severity: rule.severity,
      maxStdDev: rule.maxStdDev,
      ...(context.schedule && { schedule: context.schedule }),
    });
  },
});
