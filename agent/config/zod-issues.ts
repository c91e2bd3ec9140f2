import { z } from 'zod';
import { describeValue, isMissing, isSecretPath, valueAt, type IssuePath, type RawIssue } from './issues.js';
import { suggestionSuffix } from './suggest.js';

/**
 * Turns zod issues into messages a technician can act on: one issue per unknown key with a suggestion,
 * "did you mean" for enum values and rule types, unions explained by the keys that select a branch, and the
 * offending value repeated back (never for password-like fields).
 */

type Schema = z.core.$ZodType;
type ZodIssue = z.core.$ZodIssue;

/**
 * zod calls the per-parse error map only when the schema gave no message of its own, so this marker tells
 * "zod's generic wording, rewrite it" apart from a message written in schema.ts (kept as is).
 */
const GENERIC = '\u0000generic';
const genericMessages: z.core.$ZodErrorMap = () => GENERIC;

/** At most this many allowed values are listed in a message; longer lists only get the suggestion. */
export const DEFAULT_MAX_LISTED_VALUES = 8;

export type ParseOutcome<T> = { ok: true; data: T } | { ok: false; issues: RawIssue[] };

/** Parses plain data and returns either the typed value or every issue, worded for the config file. */
export function parseWithIssues<S extends z.ZodType>(schema: S, raw: unknown): ParseOutcome<z.output<S>> {
  const result = schema.safeParse(raw, { error: genericMessages });
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, issues: dedupe(translateIssues(schema, raw, result.error.issues, [])) };
}

function dedupe(issues: RawIssue[]): RawIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${JSON.stringify(i.path)} ${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `issues` are relative to (`schema`, `raw`); the returned paths are prefixed with `prefix`. */
function translateIssues(schema: Schema, raw: unknown, issues: readonly ZodIssue[], prefix: IssuePath): RawIssue[] {
  const out: RawIssue[] = [];
  for (const issue of issues) {
    const rel = issue.path as IssuePath;
    const abs = [...prefix, ...rel];
    if (issue.code === 'unrecognized_keys') {
      const allowed = objectKeysAt(schema, raw, rel);
      for (const key of issue.keys) {
        const suggestion = suggestionSuffix(key, allowed);
        const listing = suggestion === '' && allowed.length > 0 ? `; allowed here: ${allowed.join(', ')}` : '';
        out.push({ path: [...abs, key], message: `unknown key${suggestion}${listing}` });
      }
    } else if (issue.code === 'invalid_union') {
      out.push(...explainUnion(schema, raw, issue, rel, prefix));
    } else {
      out.push({ path: abs, message: issue.message === GENERIC ? genericMessage(schema, raw, issue, rel, abs) : customMessage(raw, issue, rel, abs) });
    }
  }
  return out;
}

function customMessage(raw: unknown, issue: ZodIssue, rel: IssuePath, abs: IssuePath): string {
  // Schema-written messages say what is expected; for a format rule also show what was typed.
  if (issue.code === 'invalid_format' && !isSecretPath(abs)) return `${issue.message}; got ${describeValue(valueAt(raw, rel))}`;
  return issue.message;
}

const EXPECTED_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  object: 'a mapping (key: value lines)',
};

function genericMessage(schema: Schema, raw: unknown, issue: ZodIssue, rel: IssuePath, abs: IssuePath): string {
  const value = valueAt(raw, rel);
  const secret = isSecretPath(abs);
  const got = secret ? '' : `, got ${describeValue(value)}`;
  switch (issue.code) {
    case 'invalid_type': {
      if (isMissing(raw, rel)) {
        const description = describeSchema(schemaAt(schema, raw, rel));
        return `required field is missing${description === undefined ? '' : ` (${description})`}`;
      }
      const expected = EXPECTED_WORDS[issue.expected] ?? issue.expected;
      return `expected ${expected}${got}${secret ? '' : typeHint(issue.expected, value)}`;
    }
    case 'invalid_value': {
      if (issue.values.length === 1) {
        if (rel.length === 1 && rel[0] === 'version') return `unsupported config version ${describeValue(value)}; this agent reads version ${String(issue.values[0])}`;
        return `expected ${JSON.stringify(issue.values[0])}${got}`;
      }
      const allowed = issue.values.map(String);
      const listing = allowed.length <= DEFAULT_MAX_LISTED_VALUES ? ` (allowed: ${allowed.join(', ')})` : '';
      if (typeof value !== 'string') return `expected one of ${allowed.join(', ')}${got}`;
      return `unknown value ${describeValue(value)}${suggestionSuffix(value, allowed)}${listing}`;
    }
    case 'too_small':
    case 'too_big':
      return boundMessage(schema, raw, issue, rel, got);
    case 'invalid_format':
      return `${issue.format === 'regex' && issue.pattern !== undefined ? `must match ${issue.pattern}` : `must be a valid ${issue.format}`}${got}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}${got}`;
    default:
      return `invalid value${got}`;
  }
}

/** The fix for the type mistakes YAML makes easy: quoted numbers, unquoted ids, yes/no booleans. */
function typeHint(expected: string, value: unknown): string {
  if ((expected === 'number' || expected === 'int') && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return '; remove the quotes';
  }
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) return '; put the value in quotes';
  if (expected === 'boolean' && typeof value === 'string' && /^(yes|no|on|off)$/i.test(value)) return '; write true or false';
  if (expected === 'number' && value === null) return '; give a value or remove the key to use the default';
  return '';
}

function boundMessage(schema: Schema, raw: unknown, issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, rel: IssuePath, got: string): string {
  const small = issue.code === 'too_small';
  const limit = small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum;
  const inclusive = issue.inclusive !== false;
  if (issue.origin === 'array' || issue.origin === 'set') {
    const value = valueAt(raw, rel);
    const count = Array.isArray(value) ? value.length : 0;
    const target = schemaAt(schema, raw, rel);
    if (target !== undefined && unwrap(target) instanceof z.ZodTuple) {
      return `a point is [x, y]: expected 2 numbers, got ${count}`;
    }
    return `expected ${small ? 'at least' : 'at most'} ${String(limit)} item${Number(limit) === 1 ? '' : 's'}, got ${count}`;
  }
  if (issue.origin === 'string') {
    if (small && Number(limit) === 1) return 'must not be empty';
    return `must be ${small ? 'at least' : 'at most'} ${String(limit)} characters`;
  }
  const relation = small ? (inclusive ? 'at least' : 'greater than') : inclusive ? 'at most' : 'less than';
  return `must be ${relation} ${String(limit)}${got}`;
}

/**
 * A discriminated union (rules) fails on its `type`; a plain union (camera source) fails as a whole and
 * zod's "Invalid input" does not say which branch was meant, so pick it from the keys that are present.
 */
function explainUnion(schema: Schema, raw: unknown, issue: z.core.$ZodIssueInvalidUnion, rel: IssuePath, prefix: IssuePath): RawIssue[] {
  const abs = [...prefix, ...rel];
  if (issue.discriminator !== undefined && 'options' in issue && issue.options !== undefined) {
    const known = issue.options.map(String);
    const value = valueAt(raw, rel);
    const what = rel.includes('rules') ? 'rule type' : issue.discriminator;
    if (value === undefined) return [{ path: abs, message: `missing; ${what} must be one of ${known.join(', ')}` }];
    if (typeof value !== 'string') return [{ path: abs, message: `${what} must be one of ${known.join(', ')}, got ${describeValue(value)}` }];
    return [{ path: abs, message: `unknown ${what} ${describeValue(value)}${suggestionSuffix(value, known)} (known: ${known.join(', ')})` }];
  }
  const union = schemaAt(schema, raw, rel);
  const options = union === undefined ? [] : objectOptions(unwrap(union));
  const value = valueAt(raw, rel);
  if (options.length === 0) return [{ path: abs, message: 'does not match any allowed form' }];
  const selectors = options.map(requiredKeys);
  const forms = selectors.map((keys) => keys.map((k) => `"${k}"`).join(' + ')).join(' or ');
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = isSecretPath(abs) ? 'a value' : describeValue(value);
    const example = typeof value === 'string' ? `; put it under a key on the next line, e.g. ${selectors[0]?.[0] ?? 'key'}: …` : '';
    return [{ path: abs, message: `expected a mapping with ${forms}, got ${got}${example}` }];
  }
  const present = Object.keys(value);
  const matching = options.filter((_, i) => selectors[i]!.every((k) => present.includes(k)));
  if (matching.length === 1) {
    const option = matching[0]!;
    const result = option.safeParse(value, { error: genericMessages });
    return result.success ? [] : translateIssues(option, value, result.error.issues, abs);
  }
  if (matching.length > 1) {
    const used = selectors.flat().filter((k) => present.includes(k));
    return [{ path: abs, message: `give either ${used.map((k) => `"${k}"`).join(' or ')}, not both` }];
  }
  // No branch selected: report keys no branch knows (with suggestions), then what would select one.
  const allKeys = [...new Set(options.flatMap((o) => Object.keys(o.shape)))];
  const unknown: RawIssue[] = present
    .filter((k) => !allKeys.includes(k))
    .map((k) => ({ path: [...abs, k], message: `unknown key${suggestionSuffix(k, allKeys)}` }));
  return [...unknown, { path: abs, message: `needs ${forms}` }];
}

/** Unwraps optional/default/prefault/nullable layers down to the schema that does the checking. */
function unwrap(schema: Schema): Schema {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodNullable) {
      s = s.unwrap();
    } else {
      return s;
    }
  }
}

function objectOptions(schema: Schema): z.ZodObject[] {
  if (!(schema instanceof z.ZodUnion)) return [];
  return (schema.options as readonly Schema[]).map(unwrap).filter((o): o is z.ZodObject => o instanceof z.ZodObject);
}

/** Keys that must be present: those whose schema rejects `undefined` (no default, not optional). */
function requiredKeys(object: z.ZodObject): string[] {
  return Object.entries(object.shape)
    .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
    .map(([key]) => key);
}

/** For a union, the branch the data most plausibly meant: by discriminator, else by required keys present. */
function pickOption(union: Schema, value: unknown): Schema | undefined {
  const options = objectOptions(union);
  if (options.length === 0 || value === null || typeof value !== 'object') return undefined;
  const present = Object.keys(value);
  if (union instanceof z.ZodDiscriminatedUnion) {
    const tag = (value as Record<string, unknown>)[union.def.discriminator];
    return options.find((o) => (o.shape[union.def.discriminator] as z.ZodType | undefined)?.safeParse(tag).success);
  }
  const scored = options
    .map((o) => ({ o, required: requiredKeys(o).every((k) => present.includes(k)), overlap: present.filter((k) => k in o.shape).length }))
    .sort((a, b) => Number(b.required) - Number(a.required) || b.overlap - a.overlap);
  return scored[0]?.o;
}

/** The sub-schema at a path of the data (unions resolved by looking at the data itself). */
function schemaAt(schema: Schema, raw: unknown, path: IssuePath): Schema | undefined {
  let s: Schema | undefined = schema;
  for (let i = 0; i < path.length && s !== undefined; i++) {
    let inner = unwrap(s);
    if (inner instanceof z.ZodUnion) inner = pickOption(inner, valueAt(raw, path.slice(0, i))) ?? inner;
    const segment = path[i]!;
    if (inner instanceof z.ZodObject) s = typeof segment === 'string' ? (inner.shape[segment] as Schema | undefined) : undefined;
    else if (inner instanceof z.ZodArray) s = inner.element as Schema;
    else if (inner instanceof z.ZodTuple) s = typeof segment === 'number' ? (inner.def.items[segment] as Schema | undefined) : undefined;
    else s = undefined;
  }
  return s;
}

/** Keys allowed in the mapping at `path`, for "did you mean". */
function objectKeysAt(schema: Schema, raw: unknown, path: IssuePath): string[] {
  const s = schemaAt(schema, raw, path);
  if (s === undefined) return [];
  let inner = unwrap(s);
  if (inner instanceof z.ZodUnion) inner = pickOption(inner, valueAt(raw, path)) ?? inner;
  if (inner instanceof z.ZodObject) return Object.keys(inner.shape);
  return [...new Set(objectOptions(inner).flatMap((o) => Object.keys(o.shape)))];
}

function describeSchema(schema: Schema | undefined): string | undefined {
  if (schema === undefined) return undefined;
  return z.globalRegistry.get(schema)?.description ?? z.globalRegistry.get(unwrap(schema))?.description;
}
