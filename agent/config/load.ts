import { dirname, resolve } from 'node:path';
import { CamwatchError, DEFAULT_CONFIG_MAX_BYTES, FileReadError, readTextCappedAsync, resolveFrom } from '../core/index.js';
import type { Config } from './schema.js';
import { formatIssueList, formatPath, type ConfigIssue, type RawIssue } from './issues.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';
import { validateConfigData } from './validate.js';
import { readModelCatalogue } from './validate-classes.js';
import { resolveSecrets, withoutClearPasswords, type ConfigSecrets, type SecretEnv } from './secrets.js';

/**
 * Reads config/camwatch.yaml: YAML → schema → cross-field checks → secrets. Each stage reports all of its
 * problems at once, every one placed at file:line:col, because the person fixing them is on a ladder with
 * an SSH session and should not have to restart the agent once per typo.
 */

/** A validated config, where it came from, and the passwords it names (kept apart from `config`). */
export interface LoadedConfig {
  /** Parsed config with defaults applied; clear-text `password` fields are moved into `secrets`. */
  config: Config;
  /** Absolute path of the file (for parseConfigText: the source name as given). */
  path: string;
  /** Directory relative paths in the config are resolved against: the config file's directory. */
  baseDir: string;
  secrets: ConfigSecrets;
}

export interface LoadOptions {
  /** Directory a relative config path is resolved against; default process.cwd(). */
  cwd?: string;
  /** Where passwordEnv variables are read; default process.env. */
  env?: SecretEnv;
  /** false: do not read secret files or variables (e.g. validating a production file on a laptop). */
  resolveSecrets?: boolean;
}

export interface ParseOptions extends Omit<LoadOptions, 'cwd'> {
  /** Directory relative paths resolve against; default the current directory. */
  baseDir?: string;
}

/** Reads and validates a config file; throws CamwatchError CONFIG_NOT_FOUND / CONFIG_PARSE / CONFIG_INVALID / SECRET_UNREADABLE. */
export async function loadConfig(path: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const absolute = resolve(options.cwd ?? process.cwd(), path);
  let text: string;
  try {
    text = await readTextCappedAsync(absolute, { maxBytes: DEFAULT_CONFIG_MAX_BYTES });
  } catch (err) {
    const why = err instanceof FileReadError ? err.reason : 'unreadable';
    throw new CamwatchError('CONFIG_NOT_FOUND', `cannot read config ${path}: ${why}`, { cause: err, details: { file: absolute } });
  }
  const loaded = parseConfigText(text, path, { ...options, baseDir: dirname(absolute) });
  return { ...loaded, path: absolute };
}

/** Validates config text; `sourceName` prefixes every file:line:col in messages. */
export function parseConfigText(text: string, sourceName: string, options: ParseOptions = {}): LoadedConfig {
  const baseDir = resolve(options.baseDir ?? process.cwd());
  const parsed = parseYamlSource(text);
  if (!parsed.ok) {
    const n = parsed.issues.length;
    throw new CamwatchError('CONFIG_PARSE', formatIssueList(`${sourceName} is not valid YAML (${n} error${n === 1 ? '' : 's'}):`, parsed.issues, sourceName), {
      details: { file: sourceName, issues: parsed.issues },
    });
  }
  const { source } = parsed;
  if (source.data === null || source.data === undefined) {
    throw invalid(sourceName, [{ path: '(root)', message: 'the file is empty; start from config/camwatch.example.yaml', line: 1, col: 1 }]);
  }

  const validated = validateConfigData(source.data, {
    catalogueFor: (config) => readModelCatalogue(resolveConfigPath({ baseDir }, config.models.manifest)),
  });
  if (!validated.ok) throw invalid(sourceName, place(validated.issues, source));

  let secrets: ConfigSecrets = { cameraPasswords: {} };
  if (options.resolveSecrets !== false) {
    const resolved = resolveSecrets(validated.data, { env: options.env ?? process.env, baseDir });
    if (resolved.issues.length > 0) {
      const issues = place(resolved.issues, source);
      const n = issues.length;
      throw new CamwatchError('SECRET_UNREADABLE', formatIssueList(`${sourceName}: ${n} secret${n === 1 ? '' : 's'} could not be read:`, issues, sourceName), {
        details: { file: sourceName, issues },
      });
    }
    secrets = resolved.secrets;
  }
  return { config: withoutClearPasswords(validated.data), path: sourceName, baseDir, secrets };
}

function invalid(sourceName: string, issues: ConfigIssue[]): CamwatchError {
  const n = issues.length;
  return new CamwatchError('CONFIG_INVALID', formatIssueList(`${sourceName} has ${n} error${n === 1 ? '' : 's'}:`, issues, sourceName), {
    details: { file: sourceName, issues },
  });
}

/** Gives each issue its file position and sorts them top to bottom, the order the technician reads the file. */
function place(issues: readonly RawIssue[], source: YamlSource): ConfigIssue[] {
  return issues
    .map((issue, order) => ({ order, issue: { path: formatPath(issue.path), message: issue.message, ...source.locate(issue.path) } as ConfigIssue }))
    .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || (a.issue.col ?? 0) - (b.issue.col ?? 0) || a.order - b.order)
    .map(({ issue }) => issue);
}

/** A path from the config (dataDir, models.dir, models.manifest, source.file, passwordFile) as an absolute path. */
export function resolveConfigPath(loaded: Pick<LoadedConfig, 'baseDir'>, p: string): string {
  return resolveFrom(loaded.baseDir, p);
}

/** Every secret value of a loaded config (including passwords inside URLs), for `redactSecrets`. */
export function secretValues(loaded: Pick<LoadedConfig, 'config' | 'secrets'>): string[] {
  const values = new Set<string>([...Object.values(loaded.secrets.cameraPasswords), ...Object.values(loaded.secrets.clipPasswords ?? {})]);
  // Upload headers (an Authorization token) are secrets too.
  for (const value of Object.values(loaded.config.clips?.upload?.headers ?? {})) if (value.length >= 8) values.add(value);
  if (loaded.secrets.mqttPassword !== undefined) values.add(loaded.secrets.mqttPassword);
  if (loaded.secrets.commandSecret !== undefined) values.add(loaded.secrets.commandSecret);
  const urls = [
    loaded.config.mqtt.url,
    ...loaded.config.cameras.map((c) => ('url' in c.source ? c.source.url : undefined)),
    ...loaded.config.cameras.map((c) => (c.clips?.source !== undefined && 'url' in c.clips.source ? c.clips.source.url : undefined)),
  ];
  for (const url of urls) {
    const password = url === undefined ? undefined : urlPassword(url);
    if (password !== undefined && password !== '') values.add(password);
  }
  return [...values];
}

function urlPassword(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password === '' ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}

export type { ConfigSecrets } from './secrets.js';
export type { ConfigIssue } from './issues.js';
