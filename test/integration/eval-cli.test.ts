import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { MARKDOWN_BEGIN, MARKDOWN_END } from '../../agent/eval/format.js';
import type { EvalReport } from '../../agent/eval/report.js';
import { runCli } from '../helpers/cli-process.js';
import { PROJECT_ROOT } from '../helpers/data.js';

/**
 * `camwatch eval` as a user runs it, on a real 4 s clip (a derived cut of the residential street, two cars
 * crossing the line) with the real YOLOX-nano: the report's shape and facts that hold whatever the scores.
 * No score thresholds here: quality is what `npm run eval` measures.
 */

const CLIP = 'test/fixtures/eval/residential_first4s.yaml';
const dir = mkdtempSync(join(tmpdir(), 'camwatch-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
const validate = ajv.compile(JSON.parse(readFileSync(join(PROJECT_ROOT, 'docs', 'schemas', 'eval-report.schema.json'), 'utf8')) as object);

describe('camwatch eval (CLI, real clip and model)', () => {
  it('runs the clip and prints a report that matches its schema and the obvious facts of the clip', async () => {
    const doc = join(dir, 'quality.md');
    writeFileSync(doc, `# Quality\n\nbefore\n${MARKDOWN_BEGIN}\nstale\n${MARKDOWN_END}\nafter\n`);
    const run = await runCli(['eval', CLIP, '--json', '--markdown', doc, '--set', 'detection.scoreThreshold=0.35'], { timeoutMs: 120_000 });
    expect(run.stderr).toMatch(/eval: \[1\/1\] test\/fixtures\/eval\/residential_first4s\.yaml/);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as EvalReport;
    expect(validate(report), ajv.errorsText(validate.errors)).toBe(true);

    expect(report.settings.model.name).toBe('yolox_nano_416');
    expect(report.settings.overrides).toEqual(['detection.scoreThreshold=0.35']);
    const [clip] = report.clips;
    // 4.0 s of video at 5 fps: one frame per 0.2 s, none dropped.
    expect(Math.abs(clip!.framesAnalysed - 4 * 5)).toBeLessThanOrEqual(1);
    expect(clip!.inferencesRun + clip!.inferencesSkipped).toBe(clip!.framesAnalysed);
    // Two cars drive across the line towards the camera: something is counted "in", nothing "out".
    const carIn = clip!.counts.find((r) => r.class === 'car' && r.direction === 'in')!;
    expect(carIn.expected).toBe(2);
    expect(carIn.counted).toBeGreaterThan(0);
    // Times come from the video: every incident starts inside the clip.
    for (const p of clip!.incidents.produced) {
      expect(p.startS).toBeGreaterThanOrEqual(0);
      expect(p.startS).toBeLessThanOrEqual(4);
    }
    const m = clip!.incidents;
    expect(m.matches.length + m.misses.length).toBe(m.expected.length);
    expect(m.matches.length + m.falsePositives.length).toBe(m.produced.length);
    expect(report.summary.tune.clips).toBe(1);
    expect(report.summary.holdout.clips).toBe(0);
    expect(report.summary.all.overall.expected).toBe(2);

    // The derived clip was rendered once into the cache; the Markdown part was replaced, the rest kept.
    expect(existsSync(join(PROJECT_ROOT, 'var', 'eval-cache'))).toBe(true);
    const md = readFileSync(doc, 'utf8');
    expect(md).toMatch(/^# Quality\n\nbefore\n/);
    expect(md).not.toMatch(/stale/);
    expect(md).toMatch(/\| tune \| wrong_way \|/);
    expect(md).toMatch(/after\n$/);
  });

  it('exits 1 naming the file and field for a bad clip, before loading any model', async () => {
    const bad = join(dir, 'bad.yaml');
    copyFileSync(join(PROJECT_ROOT, CLIP), bad);
    writeFileSync(bad, readFileSync(bad, 'utf8').replace('line: count-line\n      classes', 'line: count-lne\n      classes'));
    const run = await runCli(['eval', bad]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/EVAL_CLIP_INVALID: .*bad\.yaml has 1 error/);
    expect(run.stderr).toMatch(/bad\.yaml:\d+:\d+ camera\.rules\[0\]\.line: .*count-lne/);
    expect(run.stdout).toBe('');
  });

  it('exits 2 with the usage when no clip is given', async () => {
    const run = await runCli(['eval']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/give at least one CLIP\.yaml/);
  });
});
