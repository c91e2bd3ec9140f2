/** `camwatch doctor` checks the face / plate models a camera's blur needs, as the agent does at start. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-process.js';
import { DATA_DIR, PROJECT_ROOT, videoPath } from '../helpers/data.js';

describe('camwatch doctor: privacy models', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-doctor-privacy-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const config = (name: string, modelsDir: string) => {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(
      path,
      `agent: { id: doc, dataDir: ${join(dir, name)} }
models: { dir: ${modelsDir}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
cameras:
  - id: lobby
    source: { file: ${videoPath('lobby_abandoned_bag.mp4')} }
    privacy: { blurFaces: true, blurPlates: true }
`,
    );
    return path;
  };

  it('passes with the models in place and fails naming the missing file otherwise', async () => {
    const good = await runCli(['doctor', '--config', config('good', join(DATA_DIR, 'models')), '--probe-seconds', '1'], { cwd: dir });
    expect(good.stdout).toMatch(/PASS {2}privacy models +face_yunet_n_320 \(faces\), plate_hyperlpr_y5fu_320 \(plates\): sha256 ok/);

    const models = join(dir, 'only-yolox');
    mkdirSync(models);
    symlinkSync(join(DATA_DIR, 'models', 'yolox_nano_416.onnx'), join(models, 'yolox_nano_416.onnx'));
    const bad = await runCli(['doctor', '--config', config('bad', models), '--probe-seconds', '1'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL {2}privacy models +model file .*only-yolox\/face_yunet_n_320\.onnx for privacy model "face_yunet_n_320" is missing \(ENOENT\)\n\s+→ MODEL_NOT_FOUND: Run `npm run fetch-assets`/);
  }, 60_000);
});
