import { describe, expect, it } from 'vitest';
import { cameraSchema } from '../../agent/config/schema.js';
import { lineCounts } from '../../agent/rules/index.js';
import { useClipScene } from '../helpers/clip-scene.js';

/**
 * Residential street (residential_street_ahmetozlu.mp4, 38 s), analysed at 5 fps, 640x352. Eight cars
 * come towards the camera in the near lane, one at a time; nothing crosses the near lane the other way.
 * Hand count and times: docs/rules.md, "Residential clip".
 */
const FPS = 5;

function camera(rules: unknown[]) {
  return cameraSchema.parse({
    id: 'residential',
    source: { file: 'residential_street_ahmetozlu.mp4' },
    // The near lane from the island down to the bottom-right corner; traffic in it drives down-right (≈ 60°).
    zones: [{ id: 'near-lane', points: [[0.3203, 0.3977], [0.4375, 0.3977], [0.7031, 0.7386], [1, 0.8523], [1, 1], [0.4688, 1]] }],
    // Across the near lane, from the left kerb to the centre line, pointing right: moving down is "in".
    lines: [{ id: 'kerb-line', from: [0.3359, 0.5966], to: [0.6562, 0.5966] }],
    rules,
  });
}

const scene = useClipScene('residential_street_ahmetozlu.mp4', FPS, camera);

const run = (rules: unknown[]) => scene.run(rules);

describe('residential clip', () => {
  it('decodes 188 frames of 640x352 at full speed', () => {
    expect(scene.clip.frames).toHaveLength(188);
    expect([scene.clip.width, scene.clip.height]).toEqual([640, 352]);
  });

  it('line_crossing: 8 cars "in", 0 "out", matching the hand count car by car', async () => {
    const { hits, built } = await run([{ id: 'count', type: 'line_crossing', line: 'kerb-line', classes: ['car', 'truck', 'bus', 'motorcycle'], incident: true }]);
    const counts = lineCounts(built)[0]!.counts;
    const total = Object.values(counts).reduce((s, c) => s + c.in + c.out, 0);
    expect(Math.abs(total - 8)).toBeLessThanOrEqual(0.8); // ±10 % of 8: exactly 8
    expect(Object.values(counts).reduce((s, c) => s + c.out, 0)).toBe(0);
    // Frames at which each car's front wheels pass the line, stepping through the clip by hand.
    const handFrames = [3.5, 15.5, 26.5, 37.5, 49.5, 86.5, 98.5, 147.5];
    const got = hits.map((h) => h.tMs / (1000 / FPS)).sort((a, b) => a - b);
    expect(got).toHaveLength(handFrames.length);
    got.forEach((f, i) => expect(Math.abs(f - handFrames[i]!)).toBeLessThanOrEqual(1.5));
  });

  it('wrong_way: none for the direction driven; all 8 cars with the lane direction reversed', async () => {
    const { hits } = await run([
      { id: 'as-driven', type: 'wrong_way', zone: 'near-lane', expectedAngleDeg: 60 },
      { id: 'reversed', type: 'wrong_way', zone: 'near-lane', expectedAngleDeg: 240 },
    ]);
    expect(hits.filter((h) => h.ruleId === 'as-driven')).toEqual([]);
    const starts = hits.filter((h) => h.ruleId === 'reversed' && h.phase === 'start');
    expect(starts).toHaveLength(8);
    expect(new Set(starts.map((h) => h.trackId)).size).toBe(8);
    // Each car is flagged on its way down, before it crosses the line (frames above).
    const handFrames = [3.5, 15.5, 26.5, 37.5, 49.5, 86.5, 98.5, 147.5];
    starts.forEach((h, i) => expect(h.tMs / (1000 / FPS)).toBeLessThan(handFrames[i]! + 2));
    // Every run ends once its car has left the frame.
    expect(hits.filter((h) => h.ruleId === 'reversed' && h.phase === 'end')).toHaveLength(8);
  });
});
