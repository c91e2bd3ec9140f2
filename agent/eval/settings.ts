import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { formatIssueList, formatPath, type ConfigIssue, type RawIssue, type LoadedConfig, resolveConfigPath, readModelCatalogue, validateConfigData, parseYamlSource, type YamlSource } from '../config/index.js';
import { CamwatchError } from '../core/index.js';

/**
 * The global settings of an eval run: the config file's sections other than `cameras` (models, detection,
 * tracking, …) with `--set key=value` overrides on top. `--set camera.…` overrides go to every clip's
 * camera block instead. Validated by the same schema and checks as camwatch.yaml.
 */

/** What `camwatch eval` reads when no --config is given: the file `npm start` runs with. */
export const DEFAULT_EVAL_CONFIG = 'config/camwatch.example.yaml';

/** One `--set key=value`: the value is read as YAML (0.3, true, [car, bus], {person: 0.5}). */
export interface Override {
  text: string;
  path: string[];
  value: unknown;
}

export interface EvalSettings {
  /** The global config (cameras: []), validated; baseDir = the config file's folder. */
  loaded: LoadedConfig;
  /** The raw mapping the clips' cameras are validated inside. */
  raw: Record<string, unknown>;
  /** Overrides of the clips' camera blocks (`--set camera.motion.enabled=false`), path relative to the camera. */
  cameraOverrides: Override[];
  /** Every override as given, for the report. */
  overrides: Override[];
}

/** Parses `key=value`; throws CONFIG_INVALID naming the argument when it is malformed. */
export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  const key = eq < 0 ? '' : text.slice(0, eq).trim();
  if (eq < 0 || key === '' || key.split('.').some((s) => s === '')) {
    throw new CamwatchError('CONFIG_INVALID', `--set ${text}: expected key=value, e.g. --set detection.scoreThreshold=0.3`);
  }
  let value: unknown;
  try {
    value = parseYaml(text.slice(eq + 1));
  } catch (err) {
    throw new CamwatchError('CONFIG_INVALID', `--set ${text}: the value is not valid YAML: ${(err as Error).message}`);
  }
  return { text, path: key.split('.'), value: value ?? null };
}

/** Writes `value` at `path` inside `root`, creating mappings on the way (pure on a copy the caller owns). */
export function setAt(root: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = root;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** Reads and validates the global settings; throws CONFIG_NOT_FOUND / CONFIG_PARSE / CONFIG_INVALID. */
export function loadEvalSettings(options: { configPath: string; cwd: string; sets: readonly string[]; model?: string }): EvalSettings {
  const file = resolve(options.cwd, options.configPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CamwatchError('CONFIG_NOT_FOUND', `cannot read config ${options.configPath}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`, { cause: err });
  }
  const parsed = parseYamlSource(text);
  if (!parsed.ok) {
    throw new CamwatchError('CONFIG_PARSE', formatIssueList(`${options.configPath} is not valid YAML:`, parsed.issues, options.configPath));
  }
  const data = parsed.source.data;
  const raw: Record<string, unknown> = data !== null && typeof data === 'object' && !Array.isArray(data) ? structuredClone(data as Record<string, unknown>) : {};
  delete raw.cameras;
  const overrides = options.sets.map(parseOverride);
  if (options.model !== undefined) overrides.push({ text: `detection.model=${options.model}`, path: ['detection', 'model'], value: options.model });
  const cameraOverrides: Override[] = [];
  for (const o of overrides) {
    if (o.path[0] === 'camera') {
      if (o.path.length < 2) throw new CamwatchError('CONFIG_INVALID', `--set ${o.text}: name a field of the camera, e.g. camera.motion.enabled=false`);
      cameraOverrides.push({ ...o, path: o.path.slice(1) });
    } else if (o.path[0] === 'cameras') {
      throw new CamwatchError('CONFIG_INVALID', `--set ${o.text}: the clips bring their own cameras; use camera.<field> to change every clip's camera`);
    } else {
      setAt(raw, o.path, o.value);
    }
  }
  const baseDir = dirname(file);
  const validated = validateConfigData({ ...raw, cameras: [] }, { catalogueFor: (c) => readModelCatalogue(resolveConfigPath({ baseDir }, c.models.manifest)) });
  if (!validated.ok) {
    const issues = placeIssues(validated.issues, { name: options.configPath, source: parsed.source }, overrides);
    throw new CamwatchError('CONFIG_INVALID', formatIssueList(`${options.configPath} (with --set overrides) has ${issues.length} error(s):`, issues), {
      details: { file: options.configPath, issues },
    });
  }
  return { loaded: { config: validated.data, path: file, baseDir, secrets: { cameraPasswords: {} } }, raw, cameraOverrides, overrides };
}

/**
 * Issues as `file:line:col path: message`, or `--set key: message` when an override put the value there.
 * `paths` maps an issue path to the file's own path (a clip's `cameras[0]` is its `camera`).
 */
export function placeIssues(
  issues: readonly RawIssue[],
  file: { name: string; source: YamlSource; mapPath?: (path: readonly (string | number)[]) => (string | number)[] },
  overrides: readonly Override[],
  overridePrefix: readonly string[] = [],
): ConfigIssue[] {
  return issues.map((issue) => {
    const path = file.mapPath ? file.mapPath(issue.path) : [...issue.path];
    const fromSet = overrides.find((o) => {
      const full = [...overridePrefix, ...o.path];
      return full.every((seg, i) => String(path[i]) === seg);
    });
    if (fromSet) return { path: `--set ${fromSet.text} → ${formatPath(path)}`, message: issue.message };
    const at = file.source.locate(path);
    return { path: `${at ? `${file.name}:${at.line}:${at.col} ` : `${file.name} `}${formatPath(path)}`, message: issue.message };
  });
}
