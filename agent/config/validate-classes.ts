import { dirname, resolve } from 'node:path';
import { DEFAULT_MANIFEST_MAX_BYTES, readTextCapped } from '../core/index.js';
import type { Config } from './schema.js';
import type { RawIssue } from './issues.js';
import { suggestionSuffix } from './suggest.js';
import { ruleClassNames } from './rule-schemas.js';
import { remapTargets } from '../detection/index.js';

/**
 * A rule's `classes: [preson]` would never match anything and silently disable the rule, so class names are
 * checked against the model's class list. Best effort: when the manifest cannot be read this check is
 * skipped, and the detection stage reports the manifest problem with its own MODEL_* code at start-up.
 */

/** The two facts this check needs from models/manifest.json. */
export interface ModelCatalogue {
  models: { name: string; classes?: readonly string[] }[];
}

/** Reads model names and their class lists; undefined when the manifest is missing or not understood. */
export function readModelCatalogue(manifestPath: string): ModelCatalogue | undefined {
  let manifest: unknown;
  try {
    // Capped and regular files only: the config must not hang on models.manifest: /dev/zero.
    manifest = JSON.parse(readTextCapped(manifestPath, { maxBytes: DEFAULT_MANIFEST_MAX_BYTES }));
  } catch {
    return undefined;
  }
  const entries = (manifest as { models?: unknown } | null)?.models;
  if (!Array.isArray(entries)) return undefined;
  const models: ModelCatalogue['models'] = [];
  for (const entry of entries as unknown[]) {
    const { name, classes } = (entry ?? {}) as { name?: unknown; classes?: unknown };
    if (typeof name !== 'string') continue;
    models.push({ name, classes: typeof classes === 'string' ? readClassList(resolve(dirname(manifestPath), classes)) : undefined });
  }
  return { models };
}

function readClassList(path: string): string[] | undefined {
  try {
    const names = readTextCapped(path, { maxBytes: DEFAULT_MANIFEST_MAX_BYTES }).split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
    return names.length > 0 ? names : undefined;
  } catch {
    return undefined;
  }
}

/** Unknown model name, and rule classes the model cannot detect. */
export function checkClasses(config: Config, catalogue: ModelCatalogue): RawIssue[] {
  const names = catalogue.models.map((m) => m.name);
  const model = catalogue.models.find((m) => m.name === config.detection.model);
  if (model === undefined) {
    return [{ path: ['detection', 'model'], message: `unknown model "${config.detection.model}"${suggestionSuffix(config.detection.model, names)} (manifest: ${names.join(', ') || 'no models'})` }];
  }
  const remap = config.detection.classRemap;
  // With a remap, rules see the new names: those are what they may refer to.
  const known = model.classes === undefined ? undefined : remap ? remapTargets(remap) : model.classes;
  if (known === undefined) return [];
  const issues: RawIssue[] = [];
  config.cameras.forEach((camera, c) =>
    camera.rules.forEach((rule, r) =>
      ruleClassNames(rule).forEach(({ name, path }) => {
        if (!known.includes(name)) {
          issues.push({ path: ['cameras', c, 'rules', r, ...path], message: `unknown class "${name}" for model ${model.name}${suggestionSuffix(name, known)}${remap ? ` (remapped classes: ${known.join(', ')})` : ''}` });
        }
      }),
    ),
  );
  return issues;
}
