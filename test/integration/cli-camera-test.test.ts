/** `camwatch camera test` as a technician runs it: real decoder, real model, an annotated JPEG to scp off. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-process.js';
import { DATA_DIR, PROJECT_ROOT, videoPath } from '../helpers/data.js';

describe('camwatch camera test', () => {
  let dir: string;
  let config: string;
  const run = (args: string[]) => runCli(args, { cwd: dir });
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
    const report = JSON.parse(r.stdout) as {
      stream: { codec: string; width: number; height: number; fps: number };
      frame: { width: number; height: number };
      detections: Array<{ category: string; score: number; box: { x1: number; y1: number; x2: number; y2: number } }>;
      zones: string[];
      lines: string[];
      image: string;
    };
    expect(report.stream).toEqual({ codec: 'h264', width: 640, height: 352, fps: 24.01 });
    expect(report.frame).toEqual({ width: 480, height: 264 });
    expect(report).toMatchObject({ zones: ['kerb'], lines: ['near-lane'], image: out });
    // The first frame of this street has parked and passing cars; the default threshold is 0.35.
    expect(report.detections.filter((d) => d.category === 'car').length).toBeGreaterThanOrEqual(3);
    for (const d of report.detections) {
      expect(d.score).toBeGreaterThanOrEqual(0.35);
      expect(d.box.x2).toBeLessThanOrEqual(480);
    }
    const meta = await sharp(readFileSync(out)).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 480, height: 264 });
  }, 120_000);

  it('lists each detection and says where the image is; a video path works without a config entry', async () => {
    const out = join(dir, 'adhoc.jpg');
    const r = await run(['camera', 'test', videoPath('residential_street_ahmetozlu.mp4'), '--config', config, '--out', out, '--full-size', '--model', 'nanodet_m_320']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^stream {5}h264 640x352 @ 24\.01 fps$/m);
    expect(r.stdout).toMatch(/^frame {6}640x352 \(full size\)$/m);
    expect(r.stdout).toMatch(/^detected {3}\d+ car/m);
    expect(r.stdout).toMatch(/^ {2}car +0\.\d\d {2}at \d+,\d+ size \d+x\d+$/m);
    expect(r.stdout).toContain(`image      ${out}\n`);
    // Not a TTY: progress is plain lines on stderr, no control characters.
    expect(r.stderr).toContain('camera adhoc: loading model nanodet_m_320…\n');
    expect(r.stderr).not.toContain('\u001b');
    expect(await sharp(readFileSync(out)).metadata()).toMatchObject({ format: 'jpeg', width: 640, height: 352 });
  }, 120_000);

  it('a missing video file fails fast with SOURCE_INVALID, exit 1', async () => {
    const r = await run(['camera', 'test', join(dir, 'gone.mp4'), '--config', config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SOURCE_INVALID: camera adhoc: video file .*gone\.mp4 does not exist/);
  });

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
