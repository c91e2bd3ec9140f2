/** `camwatch camera test` writes a JPEG a technician copies off the box: the camera's privacy masks apply to it. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-process.js';
import { MODELS_YAML, videoPath } from '../helpers/data.js';
import { regionLevels } from '../helpers/still-pixels.js';

describe('camwatch camera test with a privacy mask', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-camtest-mask-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('blacks out the mask in the annotated JPEG, at analysis and at full size', async () => {
    const config = join(dir, 'camwatch.yaml');
    // The right half of the residential street: parked cars and houses, never dark.
    writeFileSync(
      config,
      `${MODELS_YAML}
cameras:
  - id: street
    source: { file: ${videoPath('residential_street_ahmetozlu.mp4')} }
    analysis: { width: 480 }
    privacy: { masks: [{ id: houses, points: [[0.5, 0], [1, 0], [1, 1], [0.5, 1]] }] }
`,
    );
    for (const extra of [[], ['--full-size']]) {
      const out = join(dir, `street${extra.length}.jpg`);
      const r = await runCli(['camera', 'test', 'street', '--config', config, '--out', out, '--threshold', '0.99', ...extra], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const jpeg = readFileSync(out);
      const inside = await regionLevels(jpeg, { x0: 0.53, y0: 0.03, x1: 0.97, y1: 0.97 });
      expect(inside.width).toBe(extra.length ? 640 : 480);
      expect(inside.mean).toBeLessThan(8);
      expect(inside.max).toBeLessThan(40);
      expect((await regionLevels(jpeg, { x0: 0.03, y0: 0.03, x1: 0.47, y1: 0.97 })).mean).toBeGreaterThan(50);
    }
  }, 90_000);
});
