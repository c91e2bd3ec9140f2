import { z } from 'zod';
import { CameraDownRule } from '../camera-down.js';
import { defineRule } from '../descriptor.js';
import { presentation, ruleId, schedule, seconds, severity, toMs } from '../options.js';
import type { Schedule } from '../schedule.js';
import type { Severity } from '../types.js';

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
    return cameraDownRule(rule, context.schedule, context.nowMs);
  },
});

/** The rule from its options; buildCameraDownRules makes them this way before any frame (no geometry needed). */
export function cameraDownRule(rule: { id: string; minSeconds: number; severity: Severity }, schedule: Schedule | undefined, nowMs: number | undefined): CameraDownRule {
  return new CameraDownRule({ id: rule.id, minMs: toMs(rule.minSeconds), severity: rule.severity, ...(schedule && { schedule }) }, nowMs);
}
