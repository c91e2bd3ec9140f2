import type { CameraConfig, RuleConfig } from '../config/schema.js';
import { CamwatchError } from '../core/index.js';
import { homographyFromPoints, type Homography, type Track } from '../tracking/index.js';
import { CameraDownRule } from './camera-down.js';
import { CameraBlackoutRule, CameraDefocusRule, CameraTamperRule } from './camera-health.js';
import { RULE_CATALOGUE } from './catalogue.js';
import { DumpingRule } from './dumping.js';
import {
  bottomCentre,
  directionFromAngleDeg,
  directionToFrame,
  lineToFrame,
  pointInPolygon,
  toFramePoint,
  zoneToFrame,
  type FrameGeometry,
  type Point,
} from './geometry.js';
import { IllegalStopRule } from './illegal-stop.js';
import { LineCrossingRule } from './line-crossing.js';
import { LoiteringRule } from './loitering.js';
import { ObjectLeftRule } from './object-left.js';
import { Schedule } from './schedule.js';
import type { Rule, RuleContext, RuleHit } from './types.js';
import { WrongWayRule } from './wrong-way.js';
import { ZoneCountRule } from './zone-count.js';
import { ZoneIntrusionRule } from './zone-intrusion.js';

/** Size of the analysis frame the rules will see, and of the source stream when known. */
export interface RuleFrame {
  width: number;
  height: number;
  sourceWidth?: number;
  sourceHeight?: number;
}

/** Options of buildRules beyond the camera and frame. */
export interface BuildRulesOptions {
  /** Creation time (epoch ms): camera_down counts silence from here until the first frame. */
  nowMs?: number;
  /**
   * Rule types to leave out. The pipeline builds its rules on the first frame; camera_down must exist
   * before any frame arrives, so the caller builds it apart (buildCameraDownRules) and skips it here.
   */
  skipTypes?: readonly string[];
}

/**
 * The rules of one camera, with geometry converted to analysis-frame pixels. Call again (fresh state)
 * when the frame or source size changes. Throws CONFIG_INVALID naming the rule when it refers to a zone
 * or line the camera does not define (the config loader checks this too; this is the last line).
 */
export function buildRules(camera: CameraConfig, frame: RuleFrame, options: BuildRulesOptions = {}): Rule[] {
  const geo: FrameGeometry = {
    frameWidth: frame.width,
    frameHeight: frame.height,
    ...(frame.sourceWidth !== undefined && { sourceWidth: frame.sourceWidth }),
    ...(frame.sourceHeight !== undefined && { sourceHeight: frame.sourceHeight }),
  };
  const ground = groundPlane(camera, geo);
  const skip = new Set(options.skipTypes ?? []);
  return camera.rules.flatMap((rule, index) => (skip.has(rule.type) ? [] : [buildRule(camera, rule, index, geo, ground, options)]));
}

/**
 * The camera_down rules of a camera, which need no frame geometry: build them when the camera starts,
 * feed them source state changes and every frame, and `check` them on a timer.
 */
export function buildCameraDownRules(camera: CameraConfig, nowMs: number): CameraDownRule[] {
  return camera.rules.flatMap((rule) =>
    rule.type === 'camera_down'
      ? [new CameraDownRule({ id: rule.id, minSeconds: rule.minSeconds, severity: rule.severity, ...(rule.schedule && { schedule: new Schedule(rule.schedule, camera.timezone) }) }, nowMs)]
      : [],
  );
}

/** The camera's ground homography in analysis-frame pixels → metres, when calibrated. */
export function groundPlane(camera: CameraConfig, geo: FrameGeometry): Homography | undefined {
  const cal = camera.calibration;
  if (cal === undefined) return undefined;
  const image = cal.imagePoints.map((p) => toFramePoint(p, cal.units, geo, `cameras.${camera.id}.calibration`));
  const groundPts = cal.groundPoints.map(([x, y]) => ({ x, y }));
  try {
    return homographyFromPoints(image, groundPts);
  } catch (err) {
    throw new CamwatchError('CONFIG_INVALID', `cameras.${camera.id}.calibration: ${(err as Error).message}`, {
      cause: err,
      hint: 'Pick four points on the road, no three on one line, and measure their positions in metres.',
    });
  }
}

function buildRule(
  camera: CameraConfig,
  rule: RuleConfig,
  index: number,
  geo: FrameGeometry,
  ground: Homography | undefined,
  options: BuildRulesOptions,
): Rule {
  const zone = (ref: string, key = 'zone'): { id: string; polygon: Point[] } => {
    const z = camera.zones.find((c) => c.id === ref);
    if (z === undefined) throw missing(camera, rule, index, key, 'zone', ref, camera.zones.map((c) => c.id));
    return { id: z.id, polygon: zoneToFrame(z, geo) };
  };
  const schedule = 'schedule' in rule && rule.schedule !== undefined ? new Schedule(rule.schedule, camera.timezone) : undefined;
  const sched = schedule ? { schedule } : {};
  const category = (t: keyof typeof RULE_CATALOGUE) => RULE_CATALOGUE[t].category;

  const built = ((): Rule => {
    switch (rule.type) {
      case 'zone_intrusion':
      case 'intrusion': {
        const z = zone(rule.zone);
        return new ZoneIntrusionRule({
          id: rule.id,
          zoneId: z.id,
          polygon: z.polygon,
          ...(rule.classes && { classes: rule.classes }),
          minSeconds: rule.minSeconds,
          cooldownSeconds: rule.cooldownSeconds,
          severity: rule.severity,
          category: category('zone_intrusion'),
          ...sched,
        });
      }
      case 'loitering': {
        const z = zone(rule.zone);
        return new LoiteringRule({
          id: rule.id,
          zoneId: z.id,
          polygon: z.polygon,
          classes: rule.classes,
          minSeconds: rule.minSeconds,
          exitToleranceMs: rule.exitToleranceSeconds * 1000,
          cooldownSeconds: rule.cooldownSeconds,
          severity: rule.severity,
          category: category('loitering'),
          ...sched,
        });
      }
      case 'line_crossing': {
        const line = camera.lines.find((l) => l.id === rule.line);
        if (line === undefined) throw missing(camera, rule, index, 'line', 'line', rule.line, camera.lines.map((l) => l.id));
        return new LineCrossingRule({
          id: rule.id,
          lineId: line.id,
          segment: lineToFrame(line, geo),
          ...(rule.classes && { classes: rule.classes }),
          direction: rule.direction,
          alerts: rule.incident,
          severity: rule.severity,
          category: category('line_crossing'),
          cooldownMs: rule.cooldownSeconds * 1000,
          ...sched,
          ...(ground && { ground }),
        });
      }
      case 'wrong_way': {
        const z = zone(rule.zone);
        const zoneConfig = camera.zones.find((c) => c.id === rule.zone)!;
        const expected =
          rule.expectedDirection !== undefined
            ? directionToFrame(rule.expectedDirection, zoneConfig.units, geo)
            : directionFromAngleDeg(rule.expectedAngleDeg ?? 0);
        return new WrongWayRule({
          id: rule.id,
          zoneId: z.id,
          polygon: z.polygon,
          expected,
          classes: rule.classes,
          toleranceDeg: rule.toleranceDeg,
          minSeconds: rule.minSeconds,
          minDistancePx: rule.minDistancePx,
          cooldownSeconds: rule.cooldownSeconds,
          severity: rule.severity,
          category: category('wrong_way'),
          ...sched,
          ...(ground && { ground }),
        });
      }
      case 'illegal_stop': {
        const z = zone(rule.zone);
        return new IllegalStopRule({
          id: rule.id,
          zoneId: z.id,
          polygon: z.polygon,
          classes: rule.classes,
          minSeconds: rule.minSeconds,
          maxSpeedPxPerS: rule.maxSpeedPxPerS,
          ...(rule.maxSpeedKmh !== undefined && ground && { maxSpeedKmh: rule.maxSpeedKmh, ground }),
          cooldownSeconds: rule.cooldownSeconds,
          severity: rule.severity,
          category: category('illegal_stop'),
          ...sched,
        });
      }
      case 'congestion':
      case 'crowd': {
        const z = zone(rule.zone);
        return new ZoneCountRule(rule.type, {
          id: rule.id,
          zoneId: z.id,
          polygon: z.polygon,
          classes: rule.classes,
          ...(rule.minCount !== undefined && { minCount: rule.minCount }),
          ...(rule.type === 'congestion' && rule.minOccupancy !== undefined && { minOccupancy: rule.minOccupancy }),
          minSeconds: rule.minSeconds,
          clearSeconds: rule.clearSeconds,
          cooldownSeconds: rule.cooldownSeconds,
          severity: rule.severity,
          category: category(rule.type),
          ...sched,
        });
      }
      case 'dumping':
      case 'object_left': {
        const z = rule.zone === undefined ? undefined : zone(rule.zone);
        const common = {
          id: rule.id,
          ...(z && { zoneId: z.id, polygon: z.polygon }),
          classes: rule.classes,
          personClasses: rule.personClasses,
          personRadiusPx: rule.personRadiusPx,
          minSeconds: rule.minSeconds,
          maxSpeedPxPerS: rule.maxSpeedPxPerS,
          cooldownSeconds: rule.cooldownSeconds,
          severity: rule.severity,
          category: category(rule.type),
          ...sched,
          detector: rule.detector,
          staticPixels: {
            minAreaPx: rule.staticPixels.minAreaPx,
            maxAreaPx: rule.staticPixels.maxAreaPx,
            relearnSeconds: rule.staticPixels.relearnSeconds,
            explainClasses: new Set([...rule.staticPixels.explainClasses, ...rule.personClasses]),
          },
        };
        return rule.type === 'dumping' ? new DumpingRule({ ...common, warmupSeconds: rule.warmupSeconds }) : new ObjectLeftRule(common);
      }
      case 'camera_down':
        return new CameraDownRule({ id: rule.id, minSeconds: rule.minSeconds, severity: rule.severity, ...sched }, options.nowMs);
      case 'camera_blackout':
        return new CameraBlackoutRule({ id: rule.id, minSeconds: rule.minSeconds, severity: rule.severity, maxStdDev: rule.maxStdDev, ...sched });
      case 'camera_tamper':
        return new CameraTamperRule({
          id: rule.id,
          minSeconds: rule.minSeconds,
          severity: rule.severity,
          changedFraction: rule.changedFraction,
          relearnSeconds: rule.relearnSeconds,
          ...sched,
        });
      case 'camera_defocus':
        return new CameraDefocusRule({ id: rule.id, minSeconds: rule.minSeconds, severity: rule.severity, sharpnessRatio: rule.sharpnessRatio, ...sched });
      default: {
        const unknown: never = rule;
        throw new CamwatchError('CONFIG_INVALID', `cameras.${camera.id}: unsupported rule type in ${JSON.stringify(unknown)}`);
      }
    }
  })();

  const maskIds = 'maskZones' in rule ? rule.maskZones : undefined;
  if (maskIds === undefined || maskIds.length === 0) return built;
  const masks = maskIds.map((id, k) => zone(id, `maskZones[${k}]`).polygon);
  return new MaskedRule(built, masks);
}

/**
 * A rule that does not see objects whose bottom-centre is inside any mask polygon (e.g. a parking bay
 * inside a no-stopping zone). To the rule, an object entering a mask has left.
 */
export class MaskedRule implements Rule {
  readonly id: string;
  readonly type: string;

  constructor(
    readonly inner: Rule,
    private readonly masks: readonly (readonly Point[])[],
  ) {
    this.id = inner.id;
    this.type = inner.type;
  }

  evaluate(tracks: readonly Track[], tMs: number, context?: RuleContext): RuleHit[] {
    const visible = tracks.filter((t) => !this.masks.some((m) => pointInPolygon(bottomCentre(t.box), m)));
    return this.inner.evaluate(visible, tMs, context);
  }
}

function missing(
  camera: CameraConfig,
  rule: RuleConfig,
  index: number,
  key: string,
  kind: 'zone' | 'line',
  ref: string,
  known: string[],
): CamwatchError {
  const path = `cameras.${camera.id}.rules[${index}].${key}`;
  return new CamwatchError('CONFIG_INVALID', `${path}: rule "${rule.id}" refers to unknown ${kind} "${ref}"`, {
    details: { cameraId: camera.id, ruleId: rule.id, [kind]: ref, known },
    hint: known.length
      ? `Use one of the ${kind}s defined on camera "${camera.id}": ${known.join(', ')}.`
      : `Define the ${kind} under cameras[].${kind}s of camera "${camera.id}" first.`,
  });
}
