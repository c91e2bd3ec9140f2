import { secretValues, type LoadedConfig } from '../config/index.js';
import { redactSecrets, redactUrl } from '../core/index.js';

/** What a redacted value is replaced by, everywhere the console shows one. */
export const REDACTED = '***';

/** Every secret the console must never show: passwords, the command secret, URL passwords, the console token. */
export function consoleSecrets(loaded: Pick<LoadedConfig, 'config' | 'secrets'>, token?: string): string[] {
  return [...secretValues(loaded), ...(token === undefined ? [] : [token])];
}

/** Every string inside `value` with URL credentials and known secret values replaced by ***; a new value. */
export function redactDeep(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets));
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.has(k) && typeof v === 'string' ? REDACTED : redactDeep(v, secrets);
    return out;
  }
  return value;
}

/** Keys whose values are secrets whatever they hold (clear-text passwords written in the YAML). */
const SECRET_KEYS = new Set(['password', 'token', 'secret']);

// `password: hunter2` (any indent, optional list dash): the value is a secret even if it is too short for redactSecrets.
const YAML_SECRET_LINE = /^(\s*(?:-\s+)?(?:password|token|secret)\s*:\s*)(\S.*)$/gm;

/** A YAML text as the page may see it: `rtsp://user:***@`, `password: ***`, and no known secret value. */
export function redactYamlText(text: string, secrets: readonly string[]): string {
  return redactSecrets(redactUrl(text).replace(YAML_SECRET_LINE, (_m, head: string) => `${head}${REDACTED}`), secrets);
}
