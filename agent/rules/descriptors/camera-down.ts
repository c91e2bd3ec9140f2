import { z } from 'zod';
import { CameraDownRule } from '../camera-down.js';
import { defineRule } from '../descriptor.js';
import { presentation, ruleId, schedule, seconds, severity, toMs } from '../options.js';

/** `camera_down`: no frames from the camera for a while (built apart at camera start: buildCameraDownRules). */
export const cameraDown = defineRule({
  type: 'camera_down',
  catalogue: {
    category: 'health',
    defaultSeverity: 'high',
    title: { vi: 'Mất tín hiệu camera', en: 'Camera offline' },
    onvifTopics: ['tns1:VideoSource/SignalLoss'],
  },
  options: z.strictObject({
    id: ruleId,
    ...presentation,
    type: z.literal('camera_down').describe('No frames from the camera for a while'),
    minSeconds: seconds(30, 'How long without frames before the camera counts as down'),
    severity: severity('high'),
    schedule,
  }),
  build(rule, context) {
    return new CameraDownRule(
      { id: rule.id, minMs: toMs(rule.minSeconds), severity: rule.severity, ...(context.schedule && { schedule: context.schedule }) },
      context.nowMs,
    );
  },
});
