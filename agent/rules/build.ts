import type { CameraConfig, RuleConfig } from '../config/schema.js';
import { CamwatchError } from '../ops/errors.js';
import { RULE_CATALOGUE } from './catalogue.js';
import { lineToFrame, zoneToFrame, type FrameGeometry } from './geometry.js';
import { LineCrossingRule } from './line-crossing.js';
import type { Rule } from './types.js';
import { ZoneIntrusionRule } from './zone-intrusion.js';

/** Size of the analysis frame the rules will see, and of the source stream when known. */
export interface RuleFrame {
  width: number;
  height: number;
  sourceWidth?: number;
  sourceHeight?: number;
}

/**
 * The rules of one camera, with geometry converted to analysis-frame pixels. Call again (fresh state)
 * when the frame or source size changes. Throws CONFIG_INVALID naming the rule when it refers to a zone
 * or line the camera does not define (the config loader checks this too; this is the last line).
 */
export function buildRules(camera: CameraConfig, frame: RuleFrame): Rule[] {
  const geo: FrameGeometry = {
    frameWidth: frame.width,
    frameHeight: frame.height,
    ...(frame.sourceWidth !== undefined && { sourceWidth: frame.sourceWidth }),
    ...(frame.sourceHeight !== undefined && { sourceHeight: frame.sourceHeight }),
  };
  return camera.rules.map((rule, index) => buildRule(camera, rule, index, geo));
}

function buildRule(camera: CameraConfig, rule: RuleConfig, index: number, geo: FrameGeometry): Rule {
  switch (rule.type) {
    case 'zone_intrusion': {
      const zone = camera.zones.find((z) => z.id === rule.zone);
      if (zone === undefined) throw missing(camera, rule, index, 'zone', rule.zone, camera.zones.map((z) => z.id));
      return new ZoneIntrusionRule({
        id: rule.id,
        zoneId: zone.id,
        polygon: zoneToFrame(zone, geo),
        ...(rule.classes && { classes: rule.classes }),
        minSeconds: rule.minSeconds,
        cooldownSeconds: rule.cooldownSeconds,
        severity: rule.severity,
        category: RULE_CATALOGUE.zone_intrusion.category,
      });
    }
    case 'line_crossing': {
      const line = camera.lines.find((l) => l.id === rule.line);
      if (line === undefined) throw missing(camera, rule, index, 'line', rule.line, camera.lines.map((l) => l.id));
      return new LineCrossingRule({
        id: rule.id,
        lineId: line.id,
        segment: lineToFrame(line, geo),
        ...(rule.classes && { classes: rule.classes }),
        direction: rule.direction,
        severity: rule.severity,
        category: RULE_CATALOGUE.line_crossing.category,
      });
    }
    default: {
      const unknown: never = rule;
      throw new CamwatchError('CONFIG_INVALID', `cameras.${camera.id}: unsupported rule type in ${JSON.stringify(unknown)}`);
    }
  }
}

function missing(
  camera: CameraConfig,
  rule: RuleConfig,
  index: number,
  kind: 'zone' | 'line',
  ref: string,
  known: string[],
): CamwatchError {
  const path = `cameras.${camera.id}.rules[${index}].${kind}`;
  return new CamwatchError('CONFIG_INVALID', `${path}: rule "${rule.id}" refers to unknown ${kind} "${ref}"`, {
    details: { cameraId: camera.id, ruleId: rule.id, [kind]: ref, known },
    hint: known.length
      ? `Use one of the ${kind}s defined on camera "${camera.id}": ${known.join(', ')}.`
      : `Define the ${kind} under cameras[].${kind}s of camera "${camera.id}" first.`,
  });
}
