import type { RuleCatalogueEntry } from './descriptor.js';
import { RULE_DESCRIPTORS, RULES, type RegisteredRuleDescriptor } from './registry.js';

/** A rule type camwatch knows; incidents carry one of these as `type`. */
export type RuleType = RegisteredRuleDescriptor['type'];

/** Every rule type camwatch knows (registry.ts order). */
export const RULE_TYPES: readonly RuleType[] = RULE_DESCRIPTORS.map((d) => d.type);

/** What the IOC needs to know about a rule type: its bucket, its default urgency and how to title it. */
export interface RuleTypeInfo extends RuleCatalogueEntry {
  type: RuleType;
}

/** The catalogue: one entry per rule type, from its descriptor. Titles are what operators read on the IOC wall. */
export const RULE_CATALOGUE = Object.fromEntries(RULE_DESCRIPTORS.map((d) => [d.type, { type: d.type, ...d.catalogue }])) as {
  readonly [T in RuleType]: RuleTypeInfo & { type: T };
};

/** Other names accepted for a rule type (IOC vocabularies use the shorter ones). */
export const RULE_TYPE_ALIASES: Readonly<Record<string, RuleType>> = Object.fromEntries(
  RULE_DESCRIPTORS.flatMap((d) => (d.aliases ?? []).map((alias) => [alias, d.type])),
);

/** The catalogue entry of a type or alias; undefined for a name camwatch does not know. */
export function ruleTypeInfo(type: string): RuleTypeInfo | undefined {
  const d = RULES.find(type);
  return d === undefined ? undefined : RULE_CATALOGUE[d.type as RuleType];
}

/** Vietnamese and English title of a rule type; an unknown type is titled with its own name. */
export function ruleTitle(type: string): { vi: string; en: string } {
  const info = ruleTypeInfo(type);
  return info ? { ...info.title } : { vi: type, en: type };
}

/** The camwatch type an ONVIF event topic maps to, if any (the `tns1:` prefix is optional). */
export function ruleTypeForOnvifTopic(topic: string): RuleType | undefined {
  const wanted = topic.startsWith('tns1:') ? topic : `tns1:${topic}`;
  return RULE_TYPES.find((type) => RULE_CATALOGUE[type].onvifTopics.includes(wanted));
}
