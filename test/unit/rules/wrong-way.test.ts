import { describe, expect, it } from 'vitest';
import { RULE_CATALOGUE } from '../../../agent/rules/catalogue.js';
import { Schedule } from '../../../agent/rules/schedule.js';
import type { RuleHit } from '../../../agent/rules/types.js';
import { WrongWayRule, type WrongWayOptions } from '../../../agent/rules/wrong-way.js';
import { TrackFeed } from './track-feed.js';

const FRAME_MS = 200;
// A vertical lane x 100..300, y 0..400; traffic is expected to move down (+y).
const LANE = [
  { x: 100, y: 0 },
  { x: 300, y: 0 },
  { x: 300, y: 400 },
  { x: 100, y: 400 },
];

function rule(o: Partial<WrongWayOptions> = {}): WrongWayRule {
  return new WrongWayRule({
    id: 'ww',
    zoneId: 'lane-1',
    polygon: LANE,
    expected: { x: 0, y: 1 },
    classes: ['car'],
    toleranceDeg: 60,
    minMs: 1_000,
    minDistancePx: 30,
    cooldownMs: 60_000,
    severity: 'high',
    category: RULE_CATALOGUE.wrong_way.category,
    ...o,
  });
}

/** Drives track 1 through the given (x, y) positions, one per frame, and collects hits. */
function drive(r: WrongWayRule, path: Array<[number, number] | null>, cls = 'car', feed = new TrackFeed(), id = 1): RuleHit[] {
  const hits: RuleHit[] = [];
  path.forEach((p, i) => {
    const t = i * FRAME_MS;
    hits.push(...r.evaluate(p === null ? [] : [feed.at(id, p[0], p[1], t, cls, 40, 30)], t));
  });
  return hits;
}

const line = (x0: number, y0: number, dx: number, dy: number, n: number): Array<[number, number]> =>
  Array.from({ length: n }, (_, i) => [x0 + dx * i, y0 + dy * i]);

describe('wrong_way', () => {
  it('ignores vehicles going the expected way', () => {
    expect(drive(rule(), line(200, 20, 0, 15, 25))).toEqual([]);
  });

  it('starts once a vehicle has moved against the lane for minSeconds and minDistancePx, updates, then ends when it leaves', () => {
    // Up the lane at 75 px/s (15 px per frame) from y=380, out of the lane at the top.
    const hits = drive(rule(), [...line(200, 380, 0, -15, 26), [200, -100], [200, -100], [200, -100], [200, -100], [200, -100], [200, -100]]);
    const start = hits.find((h) => h.phase === 'start')!;
    // Motion direction is known once the window holds ≥ 4 px (frame 1), so the run is dated from frame 0;
    // 1 s later (frame 5) it has covered 75 px ≥ 30 px.
    expect(start).toMatchObject({ ruleType: 'wrong_way', category: 'traffic', zoneId: 'lane-1', trackId: 1, tMs: 1000, durationSeconds: 1 });
    expect(hits.filter((h) => h.phase === 'start')).toHaveLength(1);
    const end = hits.find((h) => h.phase === 'end')!;
    expect(end.key).toBe(start.key);
    // Last in the lane at frame 25 (y=5); out for ≥ 1 s → ends at frame 31.
    expect(end.tMs).toBe(31 * FRAME_MS);
  });

  it('needs the distance too: a slow crawl against the flow shorter than minDistancePx does not count', () => {
    // 2 px per frame = 10 px/s for 2 s: 20 px < 30 px.
    expect(drive(rule(), line(200, 200, 0, -2, 11)).filter((h) => h.phase === 'start')).toEqual([]);
    // … but it does once it has crawled 30 px (frame 15).
    const hits = drive(rule(), line(200, 200, 0, -2, 20));
    expect(hits.find((h) => h.phase === 'start')?.tMs).toBe(15 * FRAME_MS);
  });

  it('accepts motion within the tolerance of the reverse direction, not across the lane', () => {
    // 45° off the reverse direction (up-left): within 60°.
    expect(drive(rule(), line(280, 380, -10, -10, 15)).some((h) => h.phase === 'start')).toBe(true);
    // Straight across the lane (90° off): not wrong-way.
    expect(drive(rule(), line(110, 200, 12, 0, 15))).toEqual([]);
  });

  it('ends when the vehicle turns round and goes with the flow for a second (U-turn)', () => {
    const hits = drive(rule(), [...line(200, 300, 0, -15, 12), ...line(200, 135, 0, 15, 12)]);
    const phases = hits.filter((h) => h.phase !== 'update').map((h) => h.phase);
    expect(phases).toEqual(['start', 'end']);
  });

  it('tolerates jitter: a still car in the lane is not wrong-way, and jitter does not end a run', () => {
    const jitter: Array<[number, number]> = Array.from({ length: 25 }, (_, i) => [200 + (i % 2 ? 2 : -2), 200 + (i % 3) - 1]);
    expect(drive(rule(), jitter)).toEqual([]);
    // Against the flow with ±3 px lateral jitter: one start, no end while it keeps going.
    const noisy = line(200, 380, 0, -15, 20).map(([x, y], i): [number, number] => [x + (i % 2 ? 3 : -3), y]);
    const hits = drive(rule(), noisy);
    expect(hits.filter((h) => h.phase === 'start')).toHaveLength(1);
    expect(hits.filter((h) => h.phase === 'end')).toHaveLength(0);
  });

  it('ends when the track disappears, and only considers its classes', () => {
    const hits = drive(rule(), [...line(200, 380, 0, -15, 10), ...Array.from({ length: 20 }, () => null)]);
    expect(hits.filter((h) => h.phase !== 'update').map((h) => [h.phase, h.tMs])).toEqual([
      ['start', 1000],
      ['end', 5000], // last seen 1800, gone after 3 s
    ]);
    expect(drive(rule(), line(200, 380, 0, -15, 20), 'person')).toEqual([]);
  });

  it('keeps one incident through a short occlusion (the tracker keeps the id)', () => {
    const path: Array<[number, number] | null> = [...line(200, 380, 0, -15, 8), null, null, null, null, ...line(200, 380 - 15 * 12, 0, -15, 8)];
    const hits = drive(rule(), path);
    expect(hits.filter((h) => h.phase === 'start')).toHaveLength(1);
    expect(hits.filter((h) => h.phase === 'end')).toEqual([]);
  });

  it('only inside its schedule; an open incident ends when the schedule closes', () => {
    const t0 = Date.UTC(2026, 0, 5, 0, 59, 0); // Mon 07:59:00 local; window 08:00–08:01
    const r = rule({ schedule: new Schedule([{ days: ['mon'], from: '08:00', to: '08:01' }], 'Asia/Ho_Chi_Minh') });
    const feed = new TrackFeed();
    const hits: RuleHit[] = [];
    // 2 frames per second, 15 px per frame up the lane (wrapping inside it), for 2.5 min.
    for (let k = 0; k < 300; k++) {
      const t = t0 + k * 500;
      hits.push(...r.evaluate([feed.at(1 + Math.floor(k / 20), 200, 390 - (k % 20) * 15, t, 'car', 40, 30)], t));
    }
    const ev = hits.filter((h) => h.phase !== 'update').map((h) => [h.phase, (h.tMs - t0) / 1000]);
    expect(ev.length).toBeGreaterThan(0);
    for (const [phase, s] of ev) {
      if (phase === 'start') expect(s as number).toBeGreaterThanOrEqual(60);
      expect(s as number).toBeLessThanOrEqual(120);
    }
    expect(ev.at(-1)).toEqual(['end', 120]);
  });
});
