export type { Category, HitPhase, Rule, RuleContext, RuleHit, Severity } from './types.js';
export { MaskedRule, buildCameraDownRules, buildRules, groundPlane, type BuildRulesOptions, type RuleFrame, type RulesCamera } from './build.js';
export { RULE_DESCRIPTORS, RULE_OPTION_SCHEMAS, RULES, optionSchemas, ruleRegistry, type RuleConfig, type RuleRegistry } from './registry.js';
export { commonOptions, defineRule, type BuiltZone, type RuleBuildContext, type RuleCatalogueEntry, type RuleDescriptor } from './descriptor.js';
export { DEFAULT_VEHICLE_CLASSES, SEVERITIES, WEEKDAYS, scheduleWindowSchema, toMs, type Weekday } from './options.js';
export { cameraDownRules, lineCounts, rulesNeedFrame, type LineCountsReport } from './counts.js';
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
  directionFromAngleDeg,
  directionToFrame,
  lineToFrame,
  pathCrossesSegment,
  pointInPolygon,
  sideOfLine,
  signedDistanceToLine,
  toFramePoint,
  zoneToFrame,
  type FrameGeometry,
  type GeometryUnits,
  type LineShape,
  type Point,
  type Segment,
  type ZoneShape,
} from './geometry.js';
export {
  DEFAULT_LINE_HYSTERESIS_BOX_FRACTION,
  DEFAULT_LINE_HYSTERESIS_PX,
  LineCrossingRule,
  type CrossingDirection,
  type LineCounts,
  type LineCrossingOptions,
} from './line-crossing.js';
export { DEFAULT_ZONE_EXIT_TOLERANCE_MS, DwellRule, type DwellRuleOptions } from './zone-dwell.js';
export { ZoneIntrusionRule, type ZoneIntrusionOptions } from './zone-intrusion.js';
export { LoiteringRule, type LoiteringOptions } from './loitering.js';
export { WrongWayRule, type WrongWayOptions } from './wrong-way.js';
export { IllegalStopRule, type IllegalStopOptions } from './illegal-stop.js';
export { ZoneCountRule, coveredFraction, zoneSamples, type ZoneCountOptions } from './zone-count.js';
export { DumpingRule, type DumpingOptions } from './dumping.js';
export { StaticObjectRule, type StaticRuleOptions } from './static-rule.js';
export { ObjectLeftRule, type ObjectLeftOptions } from './object-left.js';
export { CameraDownRule, type CameraDownOptions, type CameraSourceState } from './camera-down.js';
export { CameraBlackoutRule, CameraDefocusRule, CameraTamperRule, type HealthRuleOptions } from './camera-health.js';
export { computeFrameStats, frameStats, type FrameStats } from './frame-stats.js';
export { Schedule, parseHhmm, type ScheduleWindow, type WeekdayName } from './schedule.js';
export { Sustained, type SustainedEvent, type SustainedOptions } from './sustained.js';
export { StationaryObjects, type StationaryObject, type StationaryOptions } from './stationary.js';
export { DEFAULT_TRACK_GONE_MS, Episodes } from './episodes.js';
export { DEFAULT_RULE_STATE_TTL_MS } from './track-points.js';
