import type { z } from 'zod';
import type { RuleDescriptor } from './descriptor.js';
import { cameraBlackout } from './descriptors/camera-blackout.js';
import { cameraDefocus } from './descriptors/camera-defocus.js';
import { cameraDown } from './descriptors/camera-down.js';
import { cameraTamper } from './descriptors/camera-tamper.js';
import { congestion } from './descriptors/congestion.js';
import { crowd } from './descriptors/crowd.js';
import { dumping } from './descriptors/dumping.js';
import { illegalStop } from './descriptors/illegal-stop.js';
import { lineCrossing } from './descriptors/line-crossing.js';
import { loitering } from './descriptors/loitering.js';
import { objectLeft } from './descriptors/object-left.js';
import { wrongWay } from './descriptors/wrong-way.js';
import { zoneIntrusion } from './descriptors/zone-intrusion.js';

/**
 * Every rule type camwatch knows, one descriptor each (descriptors/<type>.ts). The catalogue, buildRules
 * and the config's rule union all come from this list; its order is the order the config's JSON schema
 * and "known rule types" messages list them in.
 */
export const RULE_DESCRIPTORS = [
  zoneIntrusion,
  lineCrossing,
  wrongWay,
  illegalStop,
  congestion,
  crowd,
  loitering,
  dumping,
  objectLeft,
  cameraDown,
  cameraBlackout,
  cameraTamper,
  cameraDefocus,
] as const;

/** One of the registered descriptors. */
export type RegisteredRuleDescriptor = (typeof RULE_DESCRIPTORS)[number];

/** A rule as the config holds it (parsed, defaults filled): the union of every descriptor's options. */
export type RuleConfig = z.output<RegisteredRuleDescriptor['options']>;

/** The options schemas of the registered rule types, in order: what the config's rule union is made of. */
export const RULE_OPTION_SCHEMAS = optionSchemas(RULE_DESCRIPTORS);

/** The options schemas of a tuple of descriptors, as a tuple (what z.discriminatedUnion takes). */
export function optionSchemas<const T extends readonly [RuleDescriptor, ...RuleDescriptor[]]>(descriptors: T): OptionSchemasOf<T> {
  return descriptors.map((d) => d.options) as unknown as OptionSchemasOf<T>;
}

/** Tuple of the options schemas of a tuple of descriptors. */
export type OptionSchemasOf<T extends readonly RuleDescriptor[]> = { readonly [K in keyof T]: T[K]['options'] };

/** A list of descriptors looked up by type or alias. */
export interface RuleRegistry {
  readonly descriptors: readonly RuleDescriptor[];
  /** The descriptor of a type or alias; undefined for a name the registry does not know. */
  find(type: string): RuleDescriptor | undefined;
}

/** A registry over `descriptors` (the registered ones by default; tests add their own). */
export function ruleRegistry(descriptors: readonly RuleDescriptor[]): RuleRegistry {
  const byName = new Map<string, RuleDescriptor>();
  for (const d of descriptors) {
    for (const name of [d.type, ...(d.aliases ?? [])]) {
      if (byName.has(name)) throw new Error(`rule type "${name}" is registered twice`);
      byName.set(name, d);
    }
  }
  return { descriptors, find: (type) => byName.get(type) };
}

/** The registry of every rule type camwatch knows. */
export const RULES: RuleRegistry = ruleRegistry(RULE_DESCRIPTORS as readonly RuleDescriptor[]);
