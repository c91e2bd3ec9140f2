import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectCommand, type DetectRecord } from '../../agent/cli/commands/detect.js';
import type { CliIO } from '../../agent/cli/types.js';
import { DATA_DIR, PROJECT_ROOT, imagePath } from '../helpers/data.js';

const MODELS_DIR = join(DATA_DIR, 'models');

/** Runs `camwatch detect ...` in-process with captured streams; cwd is the project root (default manifest). */
async function detect(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (b: Buffer) => out.push(b));
  stderr.on('data', (b: Buffer) => err.push(b));
  const io: CliIO = { stdout, stderr, env: {}, cwd: PROJECT_ROOT };
  const code = await detectCommand.run(argv, io);
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

const iouXywh = (a: readonly number[], b: readonly number[]): number => {
  const iw = Math.min(a[0]! + a[2]!, b[0]! + b[2]!) - Math.max(a[0]!, b[0]!);
  const ih = Math.min(a[1]! + a[3]!, b[1]! + b[3]!) - Math.max(a[1]!, b[1]!);
  return iw <= 0 || ih <= 0 ? 0 : (iw * ih) / (a[2]! * a[3]! + b[2]! * b[3]! - iw * ih);
};
// Reference boxes of detection-models.test.ts, as COCO [x, y, w, h].
const BUS: number[] = [14, 231, 786, 504];
const DOG: number[] = [131, 213, 181, 326];

let tmp: string;
beforeAll(async () => { tmp = await mkdtemp(join(tmpdir(), 'camwatch-cli-detect-')); });
afterAll(async () => { await rm(tmp, { recursive: true, force: true }); });

describe('camwatch detect', () => {
  it('prints COCO-style JSON for every image, boxes in original pixels, exit 0', async () => {
    const bus = imagePath('bus.jpg');
    const r = await detect('--model', 'yolox_nano_416', '--models-dir', MODELS_DIR, '--threshold', '0.5', bus, imagePath('dog.jpg'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const records = JSON.parse(r.stdout) as DetectRecord[];
    expect(r.stdout.split('\n').filter((l) => l.includes('"category"'))).toHaveLength(records.length); // one per line
    for (const rec of records) {
      expect(Object.keys(rec)).toEqual(['image', 'category', 'category_id', 'bbox', 'score']);
      expect(rec.bbox).toHaveLength(4);
      expect(rec.score).toBeGreaterThanOrEqual(0.5);
    }
    const busRec = records.find((x) => x.category === 'bus');
    expect(busRec).toMatchObject({ image: bus, category_id: 5 });
    expect(iouXywh(busRec!.bbox, BUS)).toBeGreaterThan(0.75);
    expect(records.filter((x) => x.image === bus && x.category === 'person').length).toBeGreaterThanOrEqual(3);
    expect(records.filter((x) => x.image.endsWith('dog.jpg')).map((x) => x.category).sort()).toEqual(['bicycle', 'car', 'dog']);
  });

  it('applies EXIF orientation before detecting', async () => {
    // Store dog.jpg turned 90° anticlockwise with orientation 6 ("turn 90° clockwise to display"): upright when shown.
    const file = join(tmp, 'dog-exif6.jpg');
    await sharp(imagePath('dog.jpg')).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toFile(file);
    const r = await detect('-m', 'yolox_nano_416', '--models-dir', MODELS_DIR, '--threads', '1', file);
    expect(r.code).toBe(0);
    const dog = (JSON.parse(r.stdout) as DetectRecord[]).find((x) => x.category === 'dog');
    expect(dog, r.stdout).toBeDefined();
    expect(iouXywh(dog!.bbox, DOG)).toBeGreaterThan(0.75);
  });

  it('prints --help on stdout with exit 0', async () => {
    const r = await detect('--help');
    expect([r.code, r.stdout.startsWith('Usage: camwatch detect'), r.stderr]).toEqual([0, true, '']);
  });

  it.each([
    [['bus.jpg'], '--model is required'],
    [['--model', 'yolox_nano_416'], 'give at least one IMAGE'],
    [['--model', 'yolox_nano_416', '--threshold', '1.5', 'bus.jpg'], '--threshold must be a number from 0 to 1'],
    [['--model', 'yolox_nano_416', '--threads', '0', 'bus.jpg'], '--threads must be an integer'],
    [['--model', 'yolox_nano_416', '--frobnicate', 'bus.jpg'], 'frobnicate'],
  ])('bad arguments %j: message and usage on stderr, exit 2', async (argv, message) => {
    const r = await detect(...argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('Usage: camwatch detect');
  });

  it('a model error prints the code, message and hint on stderr, exit 1', async () => {
    const r = await detect('--model', 'yolo9000', '--models-dir', MODELS_DIR, imagePath('bus.jpg'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/MODEL_UNKNOWN: model "yolo9000" is not in .*manifest\.json; known models: yolox_nano_416/);
    expect(r.stderr).toContain('→ Use a model name listed in models/manifest.json.');
    const missing = await detect('--model', 'yolox_nano_416', '--models-dir', tmp, imagePath('bus.jpg'));
    expect([missing.code, missing.stderr.includes('MODEL_NOT_FOUND'), missing.stderr.includes('npm run fetch-assets')]).toEqual([1, true, true]);
  });

  it('an unreadable image names the file, exit 1, no partial JSON', async () => {
    const bogus = join(tmp, 'not-an-image.jpg');
    await writeFile(bogus, 'hello');
    const r = await detect('--model', 'yolox_nano_416', '--models-dir', MODELS_DIR, '--threads', '1', imagePath('dog.jpg'), bogus);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`cannot read image ${bogus}`);
  });
});
