import { describe, expect, it } from 'vitest';
import { skipsNonReferenceFrames } from '../../../agent/frames/skip-nonref.js';

describe('skipsNonReferenceFrames', () => {
  it('does what an explicit setting says, whatever the stream', () => {
    expect(skipsNonReferenceFrames(true, 6, 5)).toBe(true);
    expect(skipsNonReferenceFrames(false, 30, 5)).toBe(false);
  });

  it('auto: skips on a stream at least 3x the analysis rate, not below it', () => {
    expect(skipsNonReferenceFrames('auto', 25, 5)).toBe(true);
    expect(skipsNonReferenceFrames('auto', 15, 5)).toBe(true);
    expect(skipsNonReferenceFrames('auto', 14.99, 5)).toBe(false);
    // A 10 fps sub-stream analysed at 5 fps: skipping could leave fewer frames than the analysis takes.
    expect(skipsNonReferenceFrames('auto', 10, 5)).toBe(false);
    expect(skipsNonReferenceFrames('auto', 20, 10)).toBe(false);
  });

  it('auto: skips while the rate is not known yet (the header corrects it before the first frame)', () => {
    expect(skipsNonReferenceFrames('auto', undefined, 5)).toBe(true);
    // A header that states no rate is passed as 0: not known to be fast enough.
    expect(skipsNonReferenceFrames('auto', 0, 5)).toBe(false);
  });
});
