export type { Category, Rule, RuleHit, Severity } from './types.js';
export { buildRules, type RuleFrame } from './build.js';
export {
  RULE_CATALOGUE,
  RULE_TYPES,
  RULE_TYPE_ALIASES,
  ruleTitle,
  ruleTypeForOnvifTopic,
  ruleTypeInfo,
  type RuleType,
  type RuleTypeInfo,
} from './catalogue.js';
export {
  bottomCentre,
  lineToFrame,
  pathCrossesSegment,
  pointInPolygon,
  sideOfLine,
  signedDistanceToLine,
  toFramePoint,
  zoneToFrame,
  type FrameGeometry,
  type Point,
  type Segment,
} from './geometry.js';
export {
  DEFAULT_LINE_HYSTERESIS_BOX_FRACTION,
  DEFAULT_LINE_HYSTERESIS_PX,
  LineCrossingRule,
  type CrossingDirection,
  type LineCounts,
  type LineCrossingOptions,
} from './line-crossing.js';
export { DEFAULT_ZONE_EXIT_TOLERANCE_MS, ZoneIntrusionRule, type ZoneIntrusionOptions } from './zone-intrusion.js';
export { DEFAULT_RULE_STATE_TTL_MS } from './track-points.js';
