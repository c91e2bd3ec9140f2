/**
 * The rules stage: zones, lines and one descriptor per rule type (agent/rules/descriptors/, listed in
 * registry.ts) turning tracks into hits. Adding a rule type: docs/rules.md, "Adding a rule type".
 */
export type { Category, Rule, RuleHit, Severity } from './types.js';
export { buildCameraDownRules, buildRules, type RulesCamera } from './build.js';
export { RULE_OPTION_SCHEMAS } from './registry.js';
export { DEFAULT_VEHICLE_CLASSES } from './options.js';
export { lineCounts, type LineCountsReport } from './counts.js';
export { ruleTitle, ruleTypeInfo } from './catalogue.js';
export { bottomCentre, lineToFrame, pointInPolygon, zoneToFrame, type Point } from './geometry.js';
export { rulesRegion, DEFAULT_RULES_REGION_PADDING } from './region.js';
export { DEFAULT_LINE_HYSTERESIS_BOX_FRACTION, DEFAULT_LINE_HYSTERESIS_PX } from './line-crossing.js';
export { DEFAULT_ZONE_EXIT_TOLERANCE_MS } from './zone-dwell.js';
export { DEFAULT_TRACK_GONE_MS } from './episodes.js';
export { DEFAULT_RULE_STATE_TTL_MS } from './track-points.js';
