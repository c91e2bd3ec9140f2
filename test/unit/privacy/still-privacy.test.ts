/**
 * The privacy step runs its detectors once per frame: several pictures of one frame (incidents and pending
 * evidence of one analysed frame, a batch's full-resolution stills) differ only in their subjects.
 */
import { describe, expect, it } from 'vitest';
import type { Box, RgbImage } from '../../../agent/core/index.js';
import { createStillPrivacy, type RegionDetector } from '../../../agent/privacy/index.js';

const frame = (): RgbImage => ({ width: 100, height: 100, data: Buffer.alloc(100 * 100 * 3, 128) });
const FACE: Box = { x1: 10, y1: 10, x2: 20, y2: 20 };

function countingFace(fail = 0): RegionDetector & { runs: number } {
  const d = {
    kind: 'face' as const,
    model: 'counting',
    runs: 0,
    async detect(): Promise<Box[]> {
      d.runs++;
      if (d.runs <= fail) throw new Error('busy');
      return [FACE];
    },
  };
  return d;
}

describe('createStillPrivacy', () => {
  it('detects once per frame; each picture keeps its own subject sharp', async () => {
    const face = countingFace();
    const privacy = createStillPrivacy({ masks: [], blurFaces: true, blurPlates: false }, { face });
    const shared = frame();
    const a = await privacy.apply(shared, []);
    const b = await privacy.apply(shared, [{ x1: 0, y1: 0, x2: 50, y2: 50 }]);
    expect(face.runs).toBe(1);
    expect(a.report).toMatchObject({ faces: 1, keptOnSubject: 0 });
    expect(b.report).toMatchObject({ faces: 0, keptOnSubject: 1 });
    await privacy.apply(frame(), []);
    expect(face.runs).toBe(2);
  });

  it('a failed detection is not remembered: the next picture of the frame runs it again', async () => {
    const face = countingFace(1);
    const privacy = createStillPrivacy({ masks: [], blurFaces: true, blurPlates: false }, { face });
    const shared = frame();
    await expect(privacy.apply(shared, [])).rejects.toThrow(/busy/);
    expect((await privacy.apply(shared, [])).report.faces).toBe(1);
    expect(face.runs).toBe(2);
  });
});
