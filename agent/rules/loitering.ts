import { DwellRule, type DwellRuleOptions } from './zone-dwell.js';

/** A loitering rule with its geometry already in analysis-frame pixels (see buildRules). */
export type LoiteringOptions = DwellRuleOptions;

/**
 * `loitering`: a person staying in a zone for a long time. The mechanics of zone_intrusion with the
 * defaults of a slower behaviour: minutes rather than seconds, and an exit tolerance of seconds (a person
 * pacing at the edge of a zone has not left it).
 */
export class LoiteringRule extends DwellRule {
  constructor(options: LoiteringOptions) {
    super('loitering', options);
  }
}
