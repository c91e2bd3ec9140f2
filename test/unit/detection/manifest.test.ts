import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel, loadClassNames, loadManifest, parseManifest, resolveModelFile, type ModelEntry } from '../../../agent/detection/manifest.js';
import { CamwatchError } from '../../../agent/core/errors.js';
import { PROJECT_ROOT } from '../../helpers/data.js';

const REPO_MANIFEST = join(PROJECT_ROOT, 'models', 'manifest.json');

async function caught(fn: () => unknown): Promise<CamwatchError> {
  try { await fn(); } catch (err) {
    if (err instanceof CamwatchError) return err;
    throw err;
  }
  throw new Error('expected a CamwatchError');
}

const entry = (over: Partial<ModelEntry> = {}): ModelEntry => ({
  name: 'tiny',
  file: 'tiny.onnx',
  input: { width: 64, height: 64 },
  preprocess: { colorOrder: 'rgb', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], letterbox: 'center', padValue: 114 },
  classes: 'classes.txt',
  ...over,
});

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'camwatch-manifest-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('model manifest', () => {
  it('loads the repository manifest and its COCO class file', async () => {
    const m = await loadManifest(REPO_MANIFEST);
    expect(m.models.map((e) => e.name)).toEqual(['yolox_nano_416', 'nanodet_m_320', 'yolov8n_int8', 'picodet_s_320']);
    const yolox = findModel(m, 'yolox_nano_416');
    expect(yolox).toMatchObject({ layout: 'yolox', input: { width: 416, height: 416 }, preprocess: { colorOrder: 'bgr', letterbox: 'top-left' } });
    const names = await loadClassNames(m, yolox);
    expect(names).toHaveLength(80);
    expect([names[0], names[5], names[16]]).toEqual(['person', 'bus', 'dog']);
    // PicoDet: the GFL decoder on four strides, stretched RGB input; its source repo has no licence file.
    const pico = findModel(m, 'picodet_s_320');
    expect(pico).toMatchObject({ layout: 'nanodet', decode: { strides: [8, 16, 32, 64] }, preprocess: { colorOrder: 'rgb', letterbox: 'none' } });
    expect(pico.license).toMatch(/^none found.*test and evaluation use only/);
  });

  it('names the manifest, the entry index and name, and the field in validation errors', () => {
    const bad = { models: [entry(), { ...entry({ name: 'broken' }), preprocess: { ...entry().preprocess, mean: [0, 0] }, layout: 'ssd' }] };
    const err = (() => { try { parseManifest(bad, '/x/manifest.json'); } catch (e) { return e as CamwatchError; } throw new Error('no error'); })();
    expect(err.code).toBe('MODEL_INVALID');
    expect(err.message).toContain('/x/manifest.json');
    expect(err.message).toMatch(/models\[1\] \("broken"\)\.preprocess\.mean/);
    expect(err.message).toMatch(/models\[1\] \("broken"\)\.layout/);
    expect(() => parseManifest({ models: [entry(), entry()] }, 'm.json')).toThrow(/lists model "tiny" twice/);
    expect(() => parseManifest({ models: [entry({ file: '../escape.onnx' })] }, 'm.json')).toThrow(/file: must be a file name inside/);
  });

  it('reports unreadable and malformed manifest files', async () => {
    expect((await caught(() => loadManifest(join(dir, 'absent.json')))).code).toBe('MODEL_NOT_FOUND');
    await writeFile(join(dir, 'broken.json'), '{ "models": [');
    const err = await caught(() => loadManifest(join(dir, 'broken.json')));
    expect([err.code, err.message.includes('broken.json')]).toEqual(['MODEL_INVALID', true]);
  });

  it('MODEL_UNKNOWN lists the known model names', () => {
    const err = (() => { try { findModel(parseManifest({ models: [entry()] }, 'm.json'), 'yolo9000'); } catch (e) { return e as CamwatchError; } throw new Error('no error'); })();
    expect(err.code).toBe('MODEL_UNKNOWN');
    expect(err.message).toContain('"yolo9000"');
    expect(err.message).toContain('known models: tiny');
  });

  it('resolves the file in the models dir; missing → MODEL_NOT_FOUND with the fetch-assets hint', async () => {
    const err = await caught(() => resolveModelFile(entry(), dir));
    expect(err.code).toBe('MODEL_NOT_FOUND');
    expect(err.message).toContain(join(dir, 'tiny.onnx'));
    expect(err.hint).toContain('npm run fetch-assets');
  });

  it('verifies size and sha256 only when asked; a mismatch is MODEL_CHECKSUM', async () => {
    const body = Buffer.from('not really a model');
    await writeFile(join(dir, 'tiny.onnx'), body);
    const sha = createHash('sha256').update(body).digest('hex');
    const wrong = 'a'.repeat(64);
    expect(await resolveModelFile(entry({ sha256: sha, bytes: body.length }), dir, { verifyChecksum: true })).toBe(join(dir, 'tiny.onnx'));
    expect(await resolveModelFile(entry({ sha256: wrong }), dir)).toBe(join(dir, 'tiny.onnx'));
    const bad = await caught(() => resolveModelFile(entry({ sha256: wrong }), dir, { verifyChecksum: true }));
    expect(bad.code).toBe('MODEL_CHECKSUM');
    expect(bad.message).toContain(`has sha256 ${sha}`);
    const short = await caught(() => resolveModelFile(entry({ bytes: 999 }), dir, { verifyChecksum: true }));
    expect([short.code, short.message.includes(`is ${body.length} bytes`)]).toEqual(['MODEL_CHECKSUM', true]);
  });

  it('reads class names relative to the manifest, skipping blank lines', async () => {
    await writeFile(join(dir, 'classes.txt'), 'person\r\n\ncar\n  truck  \n');
    const m = parseManifest({ models: [entry()] }, join(dir, 'manifest.json'));
    expect(await loadClassNames(m, m.models[0]!)).toEqual(['person', 'car', 'truck']);
    const missing = await caught(() => loadClassNames(m, entry({ classes: 'nope.txt' })));
    expect([missing.code, missing.message.includes(join(dir, 'nope.txt'))]).toEqual(['MODEL_NOT_FOUND', true]);
  });
});
