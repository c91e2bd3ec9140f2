import { configSchema, type Config } from './schema.js';
import { parseWithIssues, type ParseOutcome } from './zod-issues.js';
import { checkGeometry } from './validate-geometry.js';
import { checkConnections } from './validate-connections.js';
import { checkClasses, type ModelCatalogue } from './validate-classes.js';

/**
 * Every check of a config as plain data, no file involved: the schema, then the cross-field checks. The
 * cross-field checks run even when the schema fails (each on the parts that do parse), so one run lists
 * every error there is.
 */

export interface ValidateOptions {
  /** Model names and class lists, for checking `detection.model` and rule classes; skipped when absent. */
  catalogueFor?: (config: Config) => ModelCatalogue | undefined;
}

export function validateConfigData(data: unknown, options: ValidateOptions = {}): ParseOutcome<Config> {
  const parsed = parseWithIssues(configSchema, data);
  const issues = [...(parsed.ok ? [] : parsed.issues), ...checkGeometry(data), ...checkConnections(data)];
  if (!parsed.ok) return { ok: false, issues };
  const catalogue = options.catalogueFor?.(parsed.data);
  if (catalogue !== undefined) issues.push(...checkClasses(parsed.data, catalogue));
  return issues.length === 0 ? parsed : { ok: false, issues };
}
