import { describe, expect, it } from 'vitest';
import { LineCrossingRule, type LineCrossingOptions } from '../../../agent/rules/line-crossing.js';
import { Schedule } from '../../../agent/rules/schedule.js';
import type { RuleHit } from '../../../agent/rules/types.js';
import type { Homography } from '../../../agent/tracking/calibration.js';
import { TrackFeed } from './track-feed.js';

const FRAME_MS = 200;
// Horizontal tripwire pointing right; looking along it, its right side is below (y down): moving down is "in".
const LINE_Y = 200;

function rule(overrides: Partial<LineCrossingOptions> = {}): LineCrossingRule {
  return new LineCrossingRule({
    id: 'gate-count',
    lineId: 'gate',
    segment: { from: { x: 100, y: LINE_Y }, to: { x: 300, y: LINE_Y } },
    direction: 'both',
    severity: 'info',
    ...overrides,
  });
}

/** Moves track `id` through the given bottom-centre y values at x, one per frame. */
function walk(r: LineCrossingRule, feed: TrackFeed, id: number, x: number, ys: number[], t0 = 0, cls = 'person'): RuleHit[] {
  const hits: RuleHit[] = [];
  ys.forEach((y, i) => {
    const t = t0 + i * FRAME_MS;
    hits.push(...r.evaluate([feed.at(id, x, y, t, cls)], t));
  });
  return hits;
}

const range = (from: number, to: number, step: number): number[] => {
  const out: number[] = [];
  for (let v = from; step > 0 ? v <= to : v >= to; v += step) out.push(v);
  return out;
};

describe('line_crossing', () => {
  it('counts a crossing from the left side to the right side as "in"', () => {
    const r = rule();
    const hits = walk(r, new TrackFeed(), 1, 200, range(150, 250, 10));
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({
      ruleId: 'gate-count',
      ruleType: 'line_crossing',
      category: 'traffic',
      severity: 'info',
      lineId: 'gate',
      direction: 'in',
      trackId: 1,
      className: 'person',
      counts: { person: { in: 1, out: 0 } },
    });
    // The hit comes once the track is clearly past the line (first point beyond the 4 px band: y=210).
    expect(hits[0]!.tMs).toBe(6 * FRAME_MS);
  });

  it('counts the opposite crossing as "out"', () => {
    const r = rule();
    const hits = walk(r, new TrackFeed(), 1, 200, range(250, 150, -10));
    expect(hits.map((h) => h.direction)).toEqual(['out']);
    expect(r.getCounts()).toEqual({ person: { in: 0, out: 1 } });
  });

  it('counts a crossing made in a single big step', () => {
    const r = rule();
    expect(walk(r, new TrackFeed(), 1, 200, [120, 280]).map((h) => h.direction)).toEqual(['in']);
  });

  it('raises hits only in the configured direction but counts both', () => {
    const r = rule({ direction: 'in' });
    const feed = new TrackFeed();
    expect(walk(r, feed, 1, 200, range(250, 150, -10))).toEqual([]); // out: counted, no hit
    const hits = walk(r, feed, 2, 220, range(150, 250, 10), 5000);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.counts).toEqual({ person: { in: 1, out: 1 } });

    const outOnly = rule({ direction: 'out' });
    const f2 = new TrackFeed();
    expect(walk(outOnly, f2, 1, 200, range(150, 250, 10))).toEqual([]);
    expect(walk(outOnly, f2, 2, 200, range(250, 150, -10), 5000).map((h) => h.direction)).toEqual(['out']);
  });

  it('counts jitter back and forth at the line once', () => {
    const r = rule();
    const ys = [160, 180, 195, 198, 202, 198, 203, 197, 202, 199, 203, 198, 201, 230, 250];
    const hits = walk(r, new TrackFeed(), 1, 200, ys);
    expect(hits.map((h) => h.direction)).toEqual(['in']);
    expect(r.getCounts()).toEqual({ person: { in: 1, out: 0 } });
  });

  it('does not count a track that hovers on the line and goes back', () => {
    const r = rule();
    const hits = walk(r, new TrackFeed(), 1, 200, [170, 190, 198, 202, 199, 203, 197, 180, 160]);
    expect(hits).toEqual([]);
    expect(r.getCounts()).toEqual({});
  });

  it('counts a real crossing back once the track was clearly across', () => {
    const r = rule();
    const hits = walk(r, new TrackFeed(), 1, 200, [...range(160, 240, 20), 201, 199, 202, ...range(180, 140, -20)]);
    expect(hits.map((h) => h.direction)).toEqual(['in', 'out']);
    expect(r.getCounts()).toEqual({ person: { in: 1, out: 1 } });
  });

  it('does not count a path beside the end of the segment (only the extended line is crossed)', () => {
    const r = rule();
    const feed = new TrackFeed();
    expect(walk(r, feed, 1, 320, range(150, 250, 10))).toEqual([]);
    expect(walk(r, feed, 2, 80, range(250, 150, -10))).toEqual([]);
    // A diagonal path that meets the extension at x=310, beyond the end at x=300.
    const diag = [
      [290, 180],
      [300, 190],
      [310, 200],
      [320, 210],
      [330, 220],
    ] as const;
    const hits: RuleHit[] = [];
    diag.forEach(([x, y], i) => hits.push(...r.evaluate([feed.at(3, x, y, i * FRAME_MS)], i * FRAME_MS)));
    expect(hits).toEqual([]);
    expect(r.getCounts()).toEqual({});
  });

  it('keeps counters per class and filters classes', () => {
    const r = rule({ classes: ['car', 'motorcycle'] });
    const feed = new TrackFeed();
    walk(r, feed, 1, 150, range(150, 250, 25), 0, 'car');
    walk(r, feed, 2, 180, range(150, 250, 25), 0, 'car');
    walk(r, feed, 3, 210, range(250, 150, -25), 0, 'motorcycle');
    expect(walk(r, feed, 4, 240, range(150, 250, 25), 0, 'person')).toEqual([]);
    const last = walk(r, feed, 5, 270, range(250, 150, -25), 0, 'car');
    expect(last[0]!.counts).toEqual({ car: { in: 2, out: 1 }, motorcycle: { in: 0, out: 1 } });
    // Counts in a hit are a snapshot, not a live view.
    walk(r, feed, 6, 150, range(150, 250, 25), 5000, 'car');
    expect(last[0]!.counts!.car).toEqual({ in: 2, out: 1 });
    expect(r.getCounts().car).toEqual({ in: 3, out: 1 });
  });

  it('counts a crossing that happened while the track was still tentative (history replay)', () => {
    const r = rule();
    const feed = new TrackFeed();
    // The tracker confirms the track only at its third point; the rule first sees it already across.
    feed.at(1, 200, 185, 0);
    feed.at(1, 200, 205, 200);
    const hits = r.evaluate([feed.at(1, 200, 225, 400)], 400);
    expect(hits.map((h) => h.direction)).toEqual(['in']);
  });

  it('uses a wider hysteresis band for big boxes', () => {
    const r = rule();
    const feed = new TrackFeed();
    const hits: RuleHit[] = [];
    // Box 200 px tall → band 10 px: jitter of ±7 px after crossing must not count an "out".
    const ys = [150, 180, 215, 193, 207, 194, 230];
    ys.forEach((y, i) => hits.push(...r.evaluate([feed.at(1, 200, y, i * FRAME_MS, 'person', 80, 200)], i * FRAME_MS)));
    expect(hits.map((h) => h.direction)).toEqual(['in']);
  });

  it('reports crossings as one-shot events: phase start, no key, the rule cooldown carried for the lifecycle', () => {
    const r = rule({ cooldownMs: 5000 });
    const [hit] = walk(r, new TrackFeed(), 1, 200, range(150, 250, 10));
    expect(hit!.phase).toBe('start');
    expect(hit!.key).toBeUndefined();
    expect(hit!.cooldownMs).toBe(5000);
  });

  it('neither counts nor reports crossings outside its schedule, including ones replayed from history', () => {
    const t0 = Date.UTC(2026, 0, 5, 0, 59, 58); // Mon 07:59:58 local; window 08:00–09:00
    const r = rule({ schedule: new Schedule([{ days: ['mon'], from: '08:00', to: '09:00' }], 'Asia/Ho_Chi_Minh') });
    const feed = new TrackFeed();
    // Crosses at 07:59:59 (off), then keeps walking below the line after 08:00.
    const hits = walk(r, feed, 1, 200, [150, 190, 250, 260, 270, 280, 290, 300, 310, 320, 330, 340, 350, 360], t0);
    expect(hits).toEqual([]);
    expect(r.getCounts()).toEqual({});
    // A crossing inside the window counts.
    const inWindow = walk(r, feed, 2, 200, range(150, 250, 10), t0 + 10_000);
    expect(inWindow).toHaveLength(1);
    expect(r.getCounts()).toEqual({ person: { in: 1, out: 0 } });
  });

  it('adds the ground speed when calibrated', () => {
    // 1 px = 0.1 m; 10 px per 200 ms = 5 m/s = 18 km/h.
    const ground: Homography = [0.1, 0, 0, 0, 0.1, 0, 0, 0, 1];
    const [hit] = walk(rule({ ground }), new TrackFeed(), 1, 200, range(150, 250, 10));
    expect(hit!.speedKmh).toBeCloseTo(18, 0);
  });
});
