import { describe, expect, it } from 'vitest';
import { cameraSchema } from '../../../agent/config/schema.js';
import { decodedAs } from '../../../agent/ops/camera-runner.js';

const camera = (extra: Record<string, unknown>) => cameraSchema.parse({ id: 'c', source: { file: 'x.mp4' }, ...extra });

describe('decodedAs', () => {
  it('keeps fast decoding on whole-frame cameras and turns it off where tiles need the detail', () => {
    expect(decodedAs(camera({})).analysis.fastDecode).toBe(true);
    const tiled = camera({ tiling: { enabled: true } });
    expect(decodedAs(tiled).analysis.fastDecode).toBe(false);
    // The config itself is not changed (it is what the console and `config show` display).
    expect(tiled.analysis.fastDecode).toBe(true);
    expect(decodedAs(camera({ analysis: { fastDecode: false } })).analysis.fastDecode).toBe(false);
  });
});
