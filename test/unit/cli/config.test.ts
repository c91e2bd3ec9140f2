import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { configCommand } from '../../../agent/cli/commands/config.js';
import type { CliIO } from '../../../agent/cli/types.js';
import { PROJECT_ROOT } from '../../helpers/data.js';

/** Runs `camwatch config …` in-process and captures what it prints. */
async function run(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (b: Buffer) => out.push(b.toString()));
  stderr.on('data', (b: Buffer) => err.push(b.toString()));
  const io: CliIO = { stdout, stderr, env: options.env ?? {}, cwd: options.cwd ?? PROJECT_ROOT };
  const code = await configCommand.run(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const dir = mkdtempSync(join(tmpdir(), 'camwatch-cli-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BROKEN = [
  'cameras:',
  '  - id: cam-01',
  '    source: { file: a.mp4 }',
  '    analysis: { fps: five }',
  '    zones: [{ id: z, points: [[0, 0], [1, 1]] }]',
  '',
].join('\n');

describe('camwatch config validate', () => {
  it('with no FILE validates the example when config/camwatch.yaml does not exist', async () => {
    const r = await run(['validate']);
    expect(r).toEqual({ code: 0, stdout: 'OK: 1 cameras, 2 rules (config/camwatch.example.yaml)\n', stderr: '' });
  });

  it('with no FILE prefers config/camwatch.yaml when it exists', async () => {
    const root = join(dir, 'box');
    mkdirSync(join(root, 'config'), { recursive: true });
    writeFileSync(join(root, 'config', 'camwatch.yaml'), BROKEN);
    const r = await run(['validate'], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('config/camwatch.yaml:4:17 cameras[0].analysis.fps');
  });

  it('prints every error with file:line:col and the next step, and exits 1', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, BROKEN);
    const r = await run(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([
      `CONFIG_INVALID: ${file} has 2 errors:`,
      `  ${file}:4:17 cameras[0].analysis.fps: expected a number, got "five"`,
      `  ${file}:5:22 cameras[0].zones[0].points: expected at least 3 points`,
      '  → Fix each field listed; `camwatch config validate FILE` re-checks without starting.',
      '',
    ]);
  });

  it('--json prints the result as data', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, BROKEN);
    const bad = await run(['validate', '--json', file]);
    expect(bad.code).toBe(1);
    const parsed = JSON.parse(bad.stdout) as { ok: boolean; code: string; issues: unknown[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.code).toBe('CONFIG_INVALID');
    expect(parsed.issues).toEqual([
      { path: 'cameras[0].analysis.fps', message: 'expected a number, got "five"', line: 4, col: 17 },
      { path: 'cameras[0].zones[0].points', message: 'expected at least 3 points', line: 5, col: 22 },
    ]);
    const good = await run(['validate', '--json', 'config/camwatch.example.yaml']);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toEqual({ ok: true, file: 'config/camwatch.example.yaml', cameras: 1, rules: 2, secretsChecked: true });
  });

  it('--no-secrets skips secret files; without it a missing one fails', async () => {
    const file = join(dir, 'with-secret.yaml');
    writeFileSync(file, 'mqtt:\n  url: mqtt://broker:1883\n  passwordFile: /nonexistent/mqtt.password\n');
    expect((await run(['validate', file])).stderr).toContain('SECRET_UNREADABLE');
    expect(await run(['validate', '--no-secrets', file])).toMatchObject({ code: 0, stdout: `OK: 0 cameras, 0 rules (${file}; secrets not checked)\n` });
  });

  it('a missing file → CONFIG_NOT_FOUND, exit 1', async () => {
    const r = await run(['validate', 'nope.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CONFIG_NOT_FOUND: cannot read config nope.yaml: no such file');
  });
});

describe('camwatch config schema / usage', () => {
  it('schema prints the same JSON Schema as docs/camwatch.schema.json', async () => {
    const r = await run(['schema']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(PROJECT_ROOT, 'docs', 'camwatch.schema.json'), 'utf8'));
  });

  it('--help prints usage and exits 0; a missing or unknown subcommand exits 2', async () => {
    expect(await run(['--help'])).toMatchObject({ code: 0, stdout: `${configCommand.usage}\n` });
    expect(await run(['validate', '--help'])).toMatchObject({ code: 0 });
    const missing = await run([]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('camwatch config: missing subcommand');
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['validate', 'a.yaml', 'b.yaml'])).code).toBe(2);
  });

  it('an unknown option is a parse error the dispatcher turns into exit 2', async () => {
    await expect(run(['validate', '--jsn'])).rejects.toMatchObject({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  });
});
