/**
 * Fuzzing the config loader (issue 16): seeded, bounded in time, run in CI. Inputs are mutations of the
 * shipped example config (characters deleted, flipped, YAML tokens inserted, lines duplicated), random
 * values at real keys (wrong types), deep nesting, huge strings, and alias bombs. Whatever the input,
 * parseConfigText must return a config or throw a CamwatchError CONFIG_PARSE / CONFIG_INVALID /
 * SECRET_UNREADABLE whose issues each carry a place (a path or a line): never another exception, never a
 * hang (the test's timeout). Before, an alias bomb or an alias before its anchor threw yaml's bare
 * ReferenceError, and thousands of nesting levels gave "Maximum call stack size exceeded".
 *
 * Reproduce a failure with CAMWATCH_FUZZ_SEED=<seed printed in the failure> npx vitest run test/unit/config/fuzz-config.test.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fuzzSeed, Rng } from '../../helpers/seeded-fuzz.js';
import { parseConfigText } from '../../../agent/config/load.js';
import { CamwatchError } from '../../../agent/core/errors.js';
import { PROJECT_ROOT } from '../../helpers/data.js';

const SEED = fuzzSeed();
/** Wall-clock budget for the whole run (the issue asks for ≤ 5 s). */
const BUDGET_MS = 4_000;
const EXAMPLE = readFileSync(join(PROJECT_ROOT, 'config', 'camwatch.example.yaml'), 'utf8');
const ALLOWED_CODES = new Set(['CONFIG_PARSE', 'CONFIG_INVALID', 'SECRET_UNREADABLE']);
const baseDir = mkdtempSync(join(tmpdir(), 'camwatch-fuzz-'));
afterAll(() => rmSync(baseDir, { recursive: true, force: true }));

/** The shared seeded generator as the `() => number` these cases are written against. */
const rng = (seed: number): (() => number) => {
  const r = new Rng(seed);
  return () => r.next();
};

const TOKENS = [': ', '- ', '[', ']', '{', '}', ',', '&a ', '*a', '&b ', '*b', '<<: *a', '!!binary ', '!!str ', '!custom ', '\t', '"', "'", '#',
  '|', '>', '---\n', '...\n', '? ', '~', 'null', '-1', '1e309', '0x1F', '.nan', 'true', 'yes', '\u0000', '\ufeff', '%YAML 1.1\n', '\r\n', '  ', '\n  - '];
const KEYS = ['version', 'agent', 'id', 'dataDir', 'models', 'manifest', 'detection', 'model', 'scoreThreshold', 'mqtt', 'url', 'passwordFile',
  'tls', 'ca', 'cameras', 'source', 'file', 'zones', 'points', 'lines', 'rules', 'type', 'classes', 'analysis', 'fps', 'health', 'port'];

type Gen = (r: () => number) => string;
const pick = <T>(r: () => number, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;

const mutate: Gen = (r) => {
  let text = EXAMPLE;
  const edits = 1 + Math.floor(r() * 8);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(r() * text.length);
    const kind = r();
    if (kind < 0.3) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(r() * 20));
    else if (kind < 0.6) text = text.slice(0, at) + pick(r, TOKENS) + text.slice(at);
    else if (kind < 0.8) text = text.slice(0, at) + String.fromCharCode(Math.floor(r() * 0x250)) + text.slice(at + 1);
    else {
      const lines = text.split('\n');
      const l = Math.floor(r() * lines.length);
      lines.splice(l, 0, lines[Math.floor(r() * lines.length)]!);
      text = lines.join('\n');
    }
  }
  return text;
};

/** A random value written as YAML flow (strings quoted as JSON, which YAML accepts). */
function randomValue(r: () => number, depth: number): string {
  const k = r();
  if (depth > 3 || k < 0.5) return pick(r, ['1', '-5', '0.5', '1e400', 'true', 'null', '""', '"x"', '"rtsp://a:b@c/d"', '[]', '{}', '"../../etc/passwd"', '"/dev/zero"']);
  if (k < 0.75) return `[${Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1)).join(', ')}]`;
  return `{${Array.from({ length: Math.floor(r() * 4) }, () => `${pick(r, KEYS)}: ${randomValue(r, depth + 1)}`).join(', ')}}`;
}

const wrongTypes: Gen = (r) => {
  const lines = ['version: 1'];
  for (let i = 0; i < 1 + Math.floor(r() * 6); i++) lines.push(`${pick(r, KEYS)}: ${randomValue(r, 0)}`);
  return `${lines.join('\n')}\n`;
};

const deepNesting: Gen = (r) => {
  const depth = 100 + Math.floor(r() * 2_500);
  const k = r();
  if (k < 0.33) return `agent: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
  if (k < 0.66) return `agent: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}\n`;
  return `${Array.from({ length: Math.min(depth, 1_200) }, (_, i) => `${' '.repeat(i)}- `).join('\n')}1\n`;
};

const hugeString: Gen = (r) => {
  const size = 10_000 + Math.floor(r() * 500_000);
  const key = pick(r, ['agent:\n  id', 'agent:\n  dataDir', 'mqtt:\n  url', 'version', 'cameras:\n  - id']);
  return `${key}: "${pick(r, ['x', 'é', '\\u0000', '#'])}${'y'.repeat(size)}"\n`;
};

const aliasBomb: Gen = (r) => {
  const fan = 2 + Math.floor(r() * 9);
  const levels = 2 + Math.floor(r() * 8);
  const lines = [`l0: &l0 [${Array(fan).fill('"lol"').join(', ')}]`];
  for (let i = 1; i < levels; i++) lines.push(`l${i}: &l${i} [${Array(fan).fill(`*l${i - 1}`).join(', ')}]`);
  lines.push(`agent: {id: *l${levels - 1}}`);
  if (r() < 0.3) lines.unshift('x: *undefined_anchor');
  return `version: 1\n${lines.join('\n')}\n`;
};

/**
 * One round: mostly mutations (cheap, and where parser bugs hide), each other kind at least once, so even a
 * loaded CI box that gets through one round covers every kind. Deep and huge inputs cost 10-100x a mutation.
 */
const ROUND: Array<[string, Gen]> = [
  ...Array.from({ length: 12 }, (): [string, Gen] => ['mutated example', mutate]),
  ['wrong types', wrongTypes], ['wrong types', wrongTypes], ['wrong types', wrongTypes], ['wrong types', wrongTypes],
  ['alias bomb', aliasBomb], ['alias bomb', aliasBomb], ['deep nesting', deepNesting], ['huge string', hugeString],
];
const KINDS = new Set(ROUND.map(([kind]) => kind));

describe('config loader fuzz', () => {
  it(`never crashes or hangs; every rejection is a config error that names its place (seed ${SEED}, ${BUDGET_MS} ms)`, () => {
    const r = rng(SEED);
    const seen = new Map<string, number>();
    const outcomes = new Map<string, number>();
    const t0 = performance.now();
    let n = 0;
    let slowest = { ms: 0, kind: '' };
    while (n < ROUND.length || performance.now() - t0 < BUDGET_MS) {
      const [kind, gen] = ROUND[n % ROUND.length]!;
      const text = gen(r);
      n++;
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
      const where = `seed ${SEED}, case ${n} (${kind}): ${JSON.stringify(text.slice(0, 200))}`;
      let outcome = 'accepted';
      const c0 = performance.now();
      try {
        parseConfigText(text, 'fuzz.yaml', { baseDir, env: {} });
      } catch (err) {
        if (!(err instanceof CamwatchError)) throw new Error(`${where}\nthrew ${(err as Error)?.constructor?.name}: ${String((err as Error)?.message ?? err)}`);
        expect(ALLOWED_CODES.has(err.code), `${where}\ncode ${err.code}`).toBe(true);
        expect(err.message.startsWith('fuzz.yaml'), `${where}\n${err.message}`).toBe(true);
        const issues = (err.details.issues ?? []) as Array<{ path: string; line?: number; message: string }>;
        expect(issues.length, where).toBeGreaterThan(0);
        for (const issue of issues) {
          expect(issue.path !== '' || typeof issue.line === 'number', `${where}\nissue without a place: ${JSON.stringify(issue)}`).toBe(true);
          expect(issue.message, where).not.toMatch(/Maximum call stack|ReferenceError|undefined is not|Cannot read propert/);
        }
        outcome = err.code;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      const ms = performance.now() - c0;
      if (ms > slowest.ms) slowest = { ms: Math.round(ms), kind };
    }
    // The run covered every generator and both outcomes; printed for the CI log.
    console.log(`config fuzz: ${n} cases in ${Math.round(performance.now() - t0)} ms, slowest ${slowest.ms} ms (${slowest.kind})`, Object.fromEntries(seen), Object.fromEntries(outcomes));
    expect(seen.size).toBe(KINDS.size);
    expect(outcomes.get('CONFIG_PARSE') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('CONFIG_INVALID') ?? 0).toBeGreaterThan(0);
  }, 30_000);
});
