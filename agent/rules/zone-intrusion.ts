import { DwellRule, type DwellRuleOptions } from './zone-dwell.js';

export { DEFAULT_ZONE_EXIT_TOLERANCE_MS } from './zone-dwell.js';

/** A zone_intrusion rule with its geometry already in analysis-frame pixels (see buildRules). */
export type ZoneIntrusionOptions = DwellRuleOptions;

/**
 * `zone_intrusion` (alias `intrusion`): an object of the given classes inside a restricted zone for
 * `minMs` — optionally only during its schedule — opens an incident that ends when it leaves.
 */
export class ZoneIntrusionRule extends DwellRule {
  constructor(options: ZoneIntrusionOptions) {
    super('zone_intrusion', options);
  }
}

