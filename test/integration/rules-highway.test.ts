import { describe, expect, it } from 'vitest';
import { cameraSchema } from '../../agent/config/schema.js';
import { lineCounts } from '../../agent/rules/index.js';
import { useClipScene } from '../helpers/clip-scene.js';

/**
 * Motorway seen from an overpass (highway_traffic_degirum.mp4, 11 s), analysed at 5 fps, 640x360, with
 * the real YOLOX-nano detector and ByteTrack at the config defaults. Expectations come from stepping
 * through the frames by hand (docs/rules.md, "Motorway clip").
 */
const FPS = 5;

/** The counting line across the near carriageway at half height, and the carriageway as a lane zone. */
function camera(rules: unknown[]) {
  return cameraSchema.parse({
    id: 'a2-overpass',
    source: { file: 'highway_traffic_degirum.mp4' },
    zones: [{ id: 'carriageway', points: [[0.4688, 0.0556], [0.625, 0.0556], [0.9375, 0.8333], [0.9844, 1], [0.0312, 1]] }],
    lines: [{ id: 'mid', from: [0.2031, 0.5], to: [0.8438, 0.5] }],
    rules,
  });
}

const scene = useClipScene('highway_traffic_degirum.mp4', FPS, camera);

const run = (rules: unknown[]) => scene.run(rules);

describe('motorway clip', () => {
  it('decodes 56 frames of 640x360 at full speed', () => {
    expect(scene.clip.frames).toHaveLength(56);
    expect([scene.clip.width, scene.clip.height]).toEqual([640, 360]);
  });

  it('line_crossing: 11 cars cross the mid line downwards, as counted by hand, each at the frame it crosses', async () => {
    const { hits, built } = await run([{ id: 'count', type: 'line_crossing', line: 'mid', classes: ['car', 'truck', 'bus', 'motorcycle'], incident: true }]);
    // Hand count: 11 (frames 9-10 ×2, 15, 21 ×2, 38, 39, 41, 45, 49, 51), all moving towards the camera = "in".
    const total = Object.values(lineCounts(built)[0]!.counts).reduce((s, c) => s + c.in + c.out, 0);
    expect(Math.abs(total - 11)).toBeLessThanOrEqual(1.1); // ±10 %
    expect(lineCounts(built)[0]!.counts.car?.out ?? 0).toBe(0);
    // Each reported crossing lies within a frame of one counted by hand.
    const handFrames = [9.5, 9.5, 15.5, 21.5, 21.5, 38.5, 39.5, 41.5, 45.5, 49.5, 51.5];
    for (const h of hits) {
      expect(h).toMatchObject({ ruleType: 'line_crossing', phase: 'start', direction: 'in', lineId: 'mid' });
      expect(h.key).toBeUndefined();
      const frame = h.tMs / (1000 / FPS);
      expect(Math.min(...handFrames.map((f) => Math.abs(f - frame)))).toBeLessThanOrEqual(1.5);
    }
  });

  it('wrong_way: none with the lane direction as driven; one per car with the direction reversed', async () => {
    const { hits, built } = await run([
      { id: 'as-driven', type: 'wrong_way', zone: 'carriageway', expectedDirection: [0, 1] },
      { id: 'reversed', type: 'wrong_way', zone: 'carriageway', expectedAngleDeg: 270 },
    ]);
    expect(hits.filter((h) => h.ruleId === 'as-driven')).toEqual([]);
    const starts = hits.filter((h) => h.ruleId === 'reversed' && h.phase === 'start');
    // The 11 cars that cross the line are all seen moving down the lane for ≥ 1 s and ≥ 30 px.
    expect(starts.length).toBeGreaterThanOrEqual(10);
    expect(starts.length).toBeLessThanOrEqual(12);
    expect(new Set(starts.map((h) => h.trackId)).size).toBe(starts.length);
    // Each run ends once its car has left (3 s unseen). Cars leaving in the last 3 s end when the rules see
    // the empty road 4 s after the last frame.
    const after = built.flatMap((r) => r.evaluate([], scene.clip.frames.at(-1)!.capturedAtMs + 4000));
    const ended = [...hits, ...after].filter((h) => h.ruleId === 'reversed' && h.phase === 'end');
    expect(new Set(ended.map((h) => h.key))).toEqual(new Set(starts.map((h) => h.key)));
    expect(hits.filter((h) => h.ruleId === 'reversed' && h.phase === 'end').length).toBeGreaterThanOrEqual(4);
  });
});
