import { ruleTitle, type Category, type RuleHit } from '../rules/index.js';
import type { IncidentCamera } from './camera.js';

/** What an operator reads about an incident besides ids: its rule's title and category, and the names from the config. */
export interface IncidentLabels {
  title: { vi: string; en: string };
  category: Category;
  ruleName?: string;
  zoneName?: string;
  lineName?: string;
}

/**
 * The labels of a hit's incident (pure): the rule's configured `title` per language over the catalogue's, its
 * configured `category` over the hit's (the catalogue's), and the rule's, zone's and line's `name`s when set.
 */
export function incidentLabels(camera: Pick<IncidentCamera, 'rules' | 'zones' | 'lines'>, hit: Pick<RuleHit, 'ruleId' | 'ruleType' | 'category' | 'zoneId' | 'lineId'>): IncidentLabels {
  const rule = camera.rules.find((r) => r.id === hit.ruleId);
  const zoneName = hit.zoneId === undefined ? undefined : camera.zones.find((z) => z.id === hit.zoneId)?.name;
  const lineName = hit.lineId === undefined ? undefined : camera.lines.find((l) => l.id === hit.lineId)?.name;
  const fallback = ruleTitle(hit.ruleType);
  return {
    title: { vi: rule?.title?.vi ?? fallback.vi, en: rule?.title?.en ?? fallback.en },
    category: rule?.category ?? hit.category,
    ...(rule?.name !== undefined && { ruleName: rule.name }),
    ...(zoneName !== undefined && { zoneName }),
    ...(lineName !== undefined && { lineName }),
  };
}
