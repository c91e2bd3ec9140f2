import { CamwatchError } from '../core/index.js';
import { homographyFromPoints, type Homography, type Track } from '../tracking/index.js';
import { CameraDownRule } from './camera-down.js';
import type { BuiltZone, RuleBuildContext } from './descriptor.js';
import { cameraDownRule } from './descriptors/camera-down.js';
import {
  bottomCentre,
  lineToFrame,
  pointInPolygon,
  toFramePoint,
  zoneToFrame,
  type FrameGeometry,
  type GeometryUnits,
  type LineShape,
  type Point,
  type Segment,
  type ZoneShape,
} from './geometry.js';
import { RULES, type RuleConfig, type RuleRegistry } from './registry.js';
import { Schedule } from './schedule.js';
import type { Rule, RuleContext, RuleHit } from './types.js';

/** A camera as the rules read it (the config's cameras have this shape): its geometry, time zone and rules. */
export interface RulesCamera {
  id: string;
  /** IANA time zone the rules' schedules are in. */
  timezone: string;
  /** Four image points and the same points on the ground (metres), for speeds in km/h. */
  calibration?: {
    units: GeometryUnits;
    imagePoints: ReadonlyArray<readonly [number, number]>;
    groundPoints: ReadonlyArray<readonly [number, number]>;
  };
  zones: readonly ZoneShape[];
  lines: readonly LineShape[];
  rules: readonly RuleConfig[];
}

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
  /** The rule types known (default: every registered one, registry.ts). */
  registry?: RuleRegistry;
}

/**
 * The rules of one camera, with geometry converted to analysis-frame pixels. Call again (fresh state)
 * when the frame or source size changes. Throws CONFIG_INVALID naming the rule when it refers to a zone
 * or line the camera does not define (the config loader checks this too; this is the last line).
 */
export function buildRules(camera: RulesCamera, frame: RuleFrame, options: BuildRulesOptions = {}): Rule[] {
  const geo: FrameGeometry = {
    frameWidth: frame.width,
    frameHeight: frame.height,
    ...(frame.sourceWidth !== undefined && { sourceWidth: frame.sourceWidth }),
    ...(frame.sourceHeight !== undefined && { sourceHeight: frame.sourceHeight }),
  };
  const ground = groundPlane(camera, geo);
  const skip = new Set(options.skipTypes ?? []);
  return camera.rules.flatMap((rule, index) => (skip.has(rule.type) ? [] : [buildRule(camera, rule, index, geo, ground, options, options.registry ?? RULES)]));
}

/**
 * The camera_down rules of a camera, which need no frame geometry: build them when the camera starts,
 * feed them source state changes and every frame, and `check` them on a timer.
 */
export function buildCameraDownRules(camera: RulesCamera, nowMs: number): CameraDownRule[] {
  return camera.rules.flatMap((rule) =>
    rule.type === 'camera_down'
      ? [cameraDownRule(rule, rule.schedule && new Schedule(rule.schedule, camera.timezone), nowMs)]
      : [],
  );
}

/** The camera's ground homography in analysis-frame pixels → metres, when calibrated. */
export function groundPlane(camera: RulesCamera, geo: FrameGeometry): Homography | undefined {
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
  camera: RulesCamera,
  rule: RuleConfig,
  index: number,
  geo: FrameGeometry,
  ground: Homography | undefined,
  options: BuildRulesOptions,
  registry: RuleRegistry,
): Rule {
  const descriptor = registry.find(rule.type);
  if (descriptor === undefined) {
    throw new CamwatchError('CONFIG_INVALID', `cameras.${camera.id}: unsupported rule type in ${JSON.stringify(rule)}`);
  }
  const zone = (ref: string, key = 'zone'): BuiltZone => {
    const z = camera.zones.find((c) => c.id === ref);
    if (z === undefined) throw missing(camera, rule, index, key, 'zone', ref, camera.zones.map((c) => c.id));
    return { id: z.id, polygon: zoneToFrame(z, geo), units: z.units };
  };
  const line = (ref: string, key = 'line'): { id: string; segment: Segment } => {
    const l = camera.lines.find((c) => c.id === ref);
    if (l === undefined) throw missing(camera, rule, index, key, 'line', ref, camera.lines.map((c) => c.id));
    return { id: l.id, segment: lineToFrame(l, geo) };
  };
  const schedule = 'schedule' in rule && rule.schedule !== undefined ? new Schedule(rule.schedule, camera.timezone) : undefined;
  const context: RuleBuildContext = {
    category: descriptor.catalogue.category,
    ...(schedule && { schedule }),
    geo,
    ...(ground && { ground }),
    ...(options.nowMs !== undefined && { nowMs: options.nowMs }),
    zone,
    line,
  };
  // The registry found the descriptor by this rule's own `type`, so the options are that descriptor's.
  const built = descriptor.build(rule as never, context);

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
  camera: RulesCamera,
  rule: { id: string },
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
