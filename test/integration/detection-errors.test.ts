import { copyFile, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDetector } from '../../agent/detection/index.js';
import type { DetectorOptions } from '../../agent/detection/onnx-detector.js';
import { CamwatchError } from '../../agent/core/errors.js';
import { DATA_DIR, PROJECT_ROOT, modelPath } from '../helpers/data.js';

const REPO_MANIFEST = join(PROJECT_ROOT, 'models', 'manifest.json');
const MODELS_DIR = join(DATA_DIR, 'models');

async function failure(options: DetectorOptions): Promise<CamwatchError> {
  try {
    const d = await createDetector({ threads: 1, ...options });
    await d.close();
  } catch (err) {
    if (err instanceof CamwatchError) return err;
    throw err;
  }
  throw new Error('expected createDetector to fail');
}

let tmp: string;
let manifestPath: string;
let yolox: Record<string, unknown>;

/** A temp manifest listing `entries` (each derived from the real yolox entry), class file beside it. */
async function writeManifest(...entries: Record<string, unknown>[]): Promise<void> {
  await writeFile(manifestPath, JSON.stringify({ models: entries }));
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'camwatch-model-errors-'));
  manifestPath = join(tmp, 'manifest.json');
  await copyFile(join(PROJECT_ROOT, 'models', 'classes', 'coco80.txt'), join(tmp, 'coco80.txt'));
  const repo = JSON.parse(await readFile(REPO_MANIFEST, 'utf8')) as { models: Record<string, unknown>[] };
  yolox = { ...repo.models.find((m) => m.name === 'yolox_nano_416')!, classes: 'coco80.txt' };
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('model loading errors', () => {
  it('a text file in place of the model is MODEL_INVALID naming the file', async () => {
    await writeFile(join(tmp, 'text.onnx'), 'this is not an ONNX model\n');
    const { sha256: _s, bytes: _b, ...rest } = yolox;
    await writeManifest({ ...rest, name: 'text', file: 'text.onnx' });
    const err = await failure({ manifestPath, modelsDir: tmp, modelName: 'text' });
    expect(err.code).toBe('MODEL_INVALID');
    expect(err.message).toContain(join(tmp, 'text.onnx'));
    expect(err.message).toContain('"text"');
  });

  it('a truncated ONNX file is MODEL_INVALID', async () => {
    const src = await open(modelPath('yolox_nano_416.onnx'), 'r');
    const head = Buffer.alloc(200_000);
    await src.read(head, 0, head.length, 0);
    await src.close();
    await writeFile(join(tmp, 'truncated.onnx'), head);
    const { sha256: _s, bytes: _b, ...rest } = yolox;
    await writeManifest({ ...rest, name: 'truncated', file: 'truncated.onnx' });
    const err = await failure({ manifestPath, modelsDir: tmp, modelName: 'truncated' });
    expect(err.code).toBe('MODEL_INVALID');
    expect(err.message).toContain('truncated.onnx');
  });

  it('a checksum mismatch is MODEL_CHECKSUM (checked by default), and skipped when verifyChecksum is false', async () => {
    // The real YOLOX file, but the manifest carries NanoDet's sha256.
    await writeManifest({ ...yolox, name: 'mislabelled', sha256: '88e9fb97a54bb0030127ad323a10f88b4531b6aa82617e7ef79e35ffcc9bb3e1' });
    const err = await failure({ manifestPath, modelsDir: MODELS_DIR, modelName: 'mislabelled' });
    expect(err.code).toBe('MODEL_CHECKSUM');
    expect(err.message).toContain('yolox_nano_416.onnx');
    const d = await createDetector({ manifestPath, modelsDir: MODELS_DIR, modelName: 'mislabelled', verifyChecksum: false, threads: 1 });
    await d.close();
  });

  it('a manifest input size the model does not have is MODEL_INVALID naming both sizes', async () => {
    await writeManifest({ ...yolox, name: 'wrong-size', input: { width: 320, height: 320 } });
    const err = await failure({ manifestPath, modelsDir: MODELS_DIR, modelName: 'wrong-size' });
    expect(err.code).toBe('MODEL_INVALID');
    expect(err.message).toMatch(/416x416 but the manifest input is 320x320/);
  });

  it('a declared layout the outputs do not fit is MODEL_LAYOUT', async () => {
    await writeManifest({ ...yolox, name: 'wrong-layout', layout: 'nanodet' });
    const err = await failure({ manifestPath, modelsDir: MODELS_DIR, modelName: 'wrong-layout' });
    expect(err.code).toBe('MODEL_LAYOUT');
    expect(err.message).toContain('output[1,3549,85]');
  });

  it('a missing file is MODEL_NOT_FOUND; an unknown name is MODEL_UNKNOWN', async () => {
    await writeManifest(yolox);
    const missing = await failure({ manifestPath, modelsDir: tmp, modelName: 'yolox_nano_416' });
    expect([missing.code, missing.hint.includes('fetch-assets')]).toEqual(['MODEL_NOT_FOUND', true]);
    const unknown = await failure({ manifestPath, modelsDir: MODELS_DIR, modelName: 'yolov99' });
    expect([unknown.code, unknown.message.includes('known models: yolox_nano_416')]).toEqual(['MODEL_UNKNOWN', true]);
  });
});
