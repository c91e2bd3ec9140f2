/** `camwatch camera test` as a technician runs it: real decoder, real model, an annotated JPEG to scp off. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR, PROJECT_ROOT, videoPath } from '../helpers/data.js';

const run = (args: string[]) =>
  promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'bin', 'camwatch.js'), ...args], { cwd: PROJECT_ROOT, timeout: 90_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('camwatch camera test', () => {
  let dir: string;
  let config: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-camtest-'));
    config = join(dir, 'camwatch.yaml');
    writeFileSync(
      config,
      `models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
cameras:
  - id: street
    source: { file: ${videoPath('residential_street_ahmetozlu.mp4')} }
    analysis: { width: 480 }
    zones: [{ id: kerb, points: [[0.1, 0.6], [0.9, 0.6], [0.9, 0.95], [0.1, 0.95]] }]
    lines: [{ id: near-lane, from: [0.0, 0.7], to: [1.0, 0.7] }]
`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports the stream, detects on one frame and writes an annotated JPEG of the analysis size', async () => {
    const out = join(dir, 'street.jpg');
    const r = await run(['camera', 'test', 'street', '--config', config, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { stream: { codec: string; width: number; height: number }; frame: { width: number; height: number }; detections: unknown[]; zones: string[]; lines: string[]; image: string };
    expect(report.stream).toMatchObject({ codec: 'h264', width: 640, height: 352 });
    expect(report.frame).toEqual({ width: 480, height: 264 });
    expect(report).toMatchObject({ zones: ['kerb'], lines: ['near-lane'], image: out });
    const meta = await sharp(readFileSync(out)).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 480, height: 264 });
  }, 120_000);

  it('names the cameras it knows when the id is wrong, and exits 1', async () => {
    const r = await run(['camera', 'test', 'nope', '--config', config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no camera "nope"');
    expect(r.stderr).toContain('cameras: street');
  });

  it('is a usage error without a target', async () => {
    const r = await run(['camera', 'test', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: camwatch camera test');
  });
});
