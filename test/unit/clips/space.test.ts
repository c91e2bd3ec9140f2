import { describe, expect, it } from 'vitest';
import { checkRingSpace, cameraRingBudgetBytes, DEFAULT_RING_MARGIN_SECONDS } from '../../../agent/clips/index.js';
import { isCamwatchError } from '../../../agent/core/index.js';

const clips = (enabled: boolean) => ({ enabled, preSeconds: 10, postSeconds: 10, maxSeconds: 120, maxBitrateKbps: 8_000, maskPrivacy: false });
/** (10 + 120 + margin) s × 8 Mbit/s. */
const ONE_RING = Math.ceil(((10 + 120 + DEFAULT_RING_MARGIN_SECONDS) * 8_000_000) / 8);

describe('checkRingSpace (CLIP_RING_SPACE at start-up)', () => {
  const cameras = [{ id: 'gate', clips: clips(true) }, { id: 'yard', clips: clips(true) }, { id: 'off', clips: clips(false) }];

  it('sizes each enabled ring as (pre + max + margin) × maxBitrateKbps and returns the total when it fits', () => {
    expect(cameraRingBudgetBytes(clips(true))).toBe(ONE_RING);
    expect(checkRingSpace(cameras, '/nowhere', 1_000, 2 * ONE_RING + 1_000)).toBe(2 * ONE_RING);
  });

  it('refuses rings that do not fit beside the reserve, naming each camera and the folder', () => {
    let caught: unknown;
    try {
      checkRingSpace(cameras, '/var/lib/camwatch', 1_000, 2 * ONE_RING + 999);
    } catch (err) {
      caught = err;
    }
    expect(isCamwatchError(caught) && caught.code).toBe('CLIP_RING_SPACE');
    expect((caught as Error).message).toMatch(/gate .*, yard /);
    expect((caught as Error).message).not.toContain('off');
    expect((caught as Error).message).toContain('/var/lib/camwatch');
  });

  it('checks nothing when no camera has clips on', () => {
    expect(checkRingSpace([{ id: 'off', clips: clips(false) }], '/nowhere', 1_000, 0)).toBe(0);
  });
});
