import { describe, expect, it } from 'vitest';
import { cameraSchema, configSchema } from '../../agent/config/schema.js';
import { pointInPolygon, zoneToFrame } from '../../agent/rules/index.js';
import type { RuleHit } from '../../agent/rules/types.js';
import { createTracker, trackerOptionsFromConfig } from '../../agent/tracking/index.js';
import { useClipScene } from '../helpers/clip-scene.js';

/**
 * Rider fusion on real Vietnamese footage (tracking.riders, docs/rules.md "Riders"), with the real
 * YOLOX-nano. Geometry of the stop-line clip as labelled in eval/clips/vn_stopline_queue.yaml; hand
 * counts from its labels: 7 motorbikes (one rider each) cross the exit line up the image, the 7th in the
 * last 0.4 s of the clip (doubtful at 5 fps); 3 vehicles (2 motorbikes and a car) queue from ~12.5 s.
 */
const stopline = useClipScene('vn_stopline_queue.mp4', 5, (rules) =>
  cameraSchema.parse({
    id: 'vn-stopline',
    source: { file: 'vn_stopline_queue.mp4' },
    zones: [{ id: 'approach', points: [[0.05, 0.5], [0.86, 0.5], [0.97, 1.0], [0.05, 1.0]] }],
    lines: [{ id: 'exit-line', from: [0.95, 0.38], to: [0.2, 0.38] }],
    rules,
  }),
);

// incident: true: the test reads each crossing as a hit (since counting lines only count by default, crossings are telemetry).
const LINE_RULE = { id: 'entering', type: 'line_crossing', line: 'exit-line', classes: ['person', 'motorcycle', 'bicycle', 'car'], incident: true };
const QUEUE_RULE = { id: 'queue', type: 'congestion', zone: 'approach', minCount: 3, minSeconds: 10 };

const crossings = (hits: RuleHit[]) => hits.filter((h) => h.ruleType === 'line_crossing' && h.direction === 'in');
const byClass = (hits: RuleHit[]) => {
  const out: Record<string, number> = {};
  for (const h of crossings(hits)) out[h.className] = (out[h.className] ?? 0) + 1;
  return out;
};

describe('riders on the Hanoi stop-line clip (vn_stopline_queue.mp4)', () => {
  it('without fusion the line counts riders as persons (5) and 2 of the same motorbikes again as motorcycles', async () => {
    const { hits } = await stopline.run([LINE_RULE], { riders: false });
    const counted = byClass(hits);
    expect(counted.person).toBeGreaterThanOrEqual(4);
    expect(counted.motorcycle ?? 0).toBeLessThanOrEqual(3);
  });

  it('with fusion every crossing is a motorcycle with one rider: 6-7 of the 7 counted by hand, no person', async () => {
    const { hits } = await stopline.run([LINE_RULE]);
    const counted = byClass(hits);
    expect(counted.person ?? 0).toBe(0);
    expect(counted.motorcycle).toBeGreaterThanOrEqual(6);
    expect(counted.motorcycle).toBeLessThanOrEqual(7);
    for (const h of crossings(hits)) expect(h.riders).toBe(1);
    // One crossing per track: a rider and the bike under them are not two objects.
    expect(new Set(crossings(hits).map((h) => h.trackId)).size).toBe(crossings(hits).length);
  });

  it('the red-light queue (a waiting motorbike, the car, a second motorbike) raises congestion at 22.5 s ± 2 s; without fusion it never does', async () => {
    const on = (await stopline.run([QUEUE_RULE])).hits.filter((h) => (h.phase ?? 'start') === 'start');
    expect(on).toHaveLength(1);
    expect(on[0]!.tMs / 1000).toBeGreaterThanOrEqual(20.5);
    expect(on[0]!.tMs / 1000).toBeLessThanOrEqual(24.5);
    expect(on[0]!.objectCount).toBeGreaterThanOrEqual(3);
    const off = (await stopline.run([QUEUE_RULE], { riders: false })).hits;
    expect(off).toEqual([]);
  });
});

/** Saigon junction at red (vn_saigon_intersection.mp4): the woman standing on the right pavement all clip long. */
const PAVEMENT = { id: 'pavement', points: [[0.8281, 0.3319], [0.9375, 0.3319], [0.9375, 0.5531], [0.8281, 0.5531]] };
const COCO = ['person', 'bicycle', 'car', 'motorcycle'];
const saigon = useClipScene('vn_saigon_intersection.mp4', 5, (rules) =>
  cameraSchema.parse({ id: 'hcm', source: { file: 'vn_saigon_intersection.mp4' }, zones: [PAVEMENT], rules }),
);

describe('riders on the Saigon junction clip (vn_saigon_intersection.mp4)', () => {
  it('motorbikes waiting and filtering up are tracked as motorcycles with riders; the woman on the pavement stays a person', async () => {
    // Anything (person or vehicle) staying 3 s on the pavement.
    const { hits } = await saigon.run([
      { id: 'pavement-any', type: 'intrusion', zone: 'pavement', classes: ['person', 'motorcycle', 'bicycle', 'car', 'truck', 'bus'], minSeconds: 3 },
    ]);
    const starts = hits.filter((h) => (h.phase ?? 'start') === 'start');
    // The woman (the only object that stays 3 s on the pavement) is one person, never a vehicle.
    expect(starts.map((h) => h.className)).toEqual(['person']);
    expect(starts[0]!.riders).toBeUndefined();
    const zone = zoneToFrame(cameraSchema.parse({ id: 'x', source: { file: 'x.mp4' }, zones: [PAVEMENT] }).zones[0]!, {
      frameWidth: saigon.clip.width,
      frameHeight: saigon.clip.height,
    });
    const b = starts[0]!.box;
    expect(pointInPolygon({ x: (b.x1 + b.x2) / 2, y: b.y2 }, zone)).toBe(true);
  });

  it('riders on the carriageway become motorcycles: at least 5 distinct motorcycle tracks carrying riders', () => {
    const tracking = configSchema.parse({}).tracking;
    const tracker = createTracker(trackerOptionsFromConfig(tracking, COCO));
    const ridden = new Set<number>();
    saigon.clip.detections.forEach((dets, k) => {
      for (const t of tracker.update(dets, k * 200)) if (t.className === 'motorcycle' && (t.riders ?? 0) >= 1) ridden.add(t.id);
    });
    // By eye 3-5 motorbikes with riders in the approach at any time and ~10 over the clip; without fusion YOLOX-nano
    // gives 0-1 motorcycle boxes per frame.
    expect(ridden.size).toBeGreaterThanOrEqual(5);
  });
});
