import { redactUrl } from '../core/index.js';

/**
 * One problem found in a config file, as shown to the technician and kept on `CamwatchError.details.issues`.
 * `path` reads like the YAML it points at: `cameras[0].zones[1].points`.
 */
export interface ConfigIssue {
  path: string;
  message: string;
  /** 1-based, in the config file; absent when the config did not come from a file. */
  line?: number;
  col?: number;
}

/** Path segments as zod reports them: object keys and array indexes. */
export type IssuePath = readonly (string | number)[];

/** An issue before it is placed in the file. */
export interface RawIssue {
  path: IssuePath;
  message: string;
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** `['cameras', 0, 'zones', 1, 'points']` → `cameras[0].zones[1].points`; the empty path is `(root)`. */
export function formatPath(path: IssuePath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * `camwatch.yaml:12:7 cameras[0].zones[1].points: expected at least 3 points`; no location → no prefix;
 * an empty path (a YAML syntax error, which has no field yet) → no path.
 */
export function formatIssue(issue: ConfigIssue, sourceName?: string): string {
  const where = sourceName !== undefined && issue.line !== undefined ? `${sourceName}:${issue.line}:${issue.col ?? 1} ` : '';
  return `${where}${issue.path === '' ? '' : `${issue.path}: `}${issue.message}`;
}

/** The message of a CONFIG_INVALID / SECRET_UNREADABLE error: a header, then one indented line per issue. */
export function formatIssueList(header: string, issues: readonly ConfigIssue[], sourceName?: string): string {
  return [header, ...issues.map((i) => `  ${formatIssue(i, sourceName)}`)].join('\n');
}

/** Field names whose values are never repeated back, even inside an error message. */
const SECRET_KEY = /pass|secret|token|credential/i;

export function isSecretPath(path: IssuePath): boolean {
  return path.some((segment) => typeof segment === 'string' && SECRET_KEY.test(segment));
}

const MAX_ECHO_CHARS = 40;

/** A value as the technician typed it, short, with any URL credentials removed: `"five"`, `12`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') {
    const text = redactUrl(value);
    return JSON.stringify(text.length > MAX_ECHO_CHARS ? `${text.slice(0, MAX_ECHO_CHARS)}…` : text);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** Reads a value out of plain parsed data by path; undefined when any step is missing. */
export function valueAt(root: unknown, path: IssuePath): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** True when the path's last key is absent from an existing parent mapping (as opposed to present but wrong). */
export function isMissing(root: unknown, path: IssuePath): boolean {
  if (path.length === 0) return root === undefined;
  const parent = valueAt(root, path.slice(0, -1));
  return parent !== null && typeof parent === 'object' && !Array.isArray(parent) && !Object.hasOwn(parent, String(path[path.length - 1]));
}
