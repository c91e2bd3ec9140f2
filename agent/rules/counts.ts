import { MaskedRule } from './build.js';
import { CameraDownRule } from './camera-down.js';
import { LineCrossingRule, type LineCounts } from './line-crossing.js';
import type { Rule } from './types.js';

/** Cumulative crossings of one line_crossing rule, as published periodically. */
export interface LineCountsReport {
  ruleId: string;
  lineId: string;
  counts: LineCounts;
}

function unwrap(rule: Rule): Rule {
  return rule instanceof MaskedRule ? rule.inner : rule;
}

/** The counters of every line_crossing rule of a camera (empty `counts` until something crosses). */
export function lineCounts(rules: readonly Rule[]): LineCountsReport[] {
  const out: LineCountsReport[] = [];
  for (const r of rules.map(unwrap)) {
    if (r instanceof LineCrossingRule) out.push({ ruleId: r.id, lineId: r.countedLineId, counts: r.getCounts() });
  }
  return out;
}

/** The camera_down rules of a camera: they need `onState` and a timer calling `check` (see CameraDownRule). */
export function cameraDownRules(rules: readonly Rule[]): CameraDownRule[] {
  return rules.map(unwrap).filter((r): r is CameraDownRule => r instanceof CameraDownRule);
}

/**
 * Whether any rule needs the frame in its context (Rule.readsFrame: the camera health rules, and dumping
 * and object_left when their `detector` is not `objects`): the pipeline passes `{ frame }` only then.
 */
export function rulesNeedFrame(rules: readonly Rule[]): boolean {
  return rules.map(unwrap).some((r) => r.readsFrame === true);
}
