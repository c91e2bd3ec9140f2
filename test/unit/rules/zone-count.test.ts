import { describe, expect, it } from 'vitest';
import { RULE_CATALOGUE } from '../../../agent/rules/catalogue.js';
import { Schedule } from '../../../agent/rules/schedule.js';
import type { RuleHit } from '../../../agent/rules/types.js';
import { ZoneCountRule, coveredFraction, zoneSamples, type ZoneCountOptions } from '../../../agent/rules/zone-count.js';
import type { Track } from '../../../agent/tracking/types.js';
import { TrackFeed } from './track-feed.js';

const FRAME_MS = 200;
const ZONE = [
  { x: 0, y: 0 },
  { x: 200, y: 0 },
  { x: 200, y: 100 },
  { x: 0, y: 100 },
];

function crowd(o: Partial<ZoneCountOptions> = {}): ZoneCountRule {
  return new ZoneCountRule('crowd', {
    id: 'crowd-1',
    zoneId: 'square',
    polygon: ZONE,
    classes: ['person'],
    minCount: 5,
    minMs: 2_000,
    clearMs: 1_000,
    cooldownMs: 60_000,
    severity: 'medium',
    category: RULE_CATALOGUE.crowd.category,
    ...o,
  });
}

/** n persons standing in the zone at frame i (ids 1..n), plus anything extra. */
function people(feed: TrackFeed, n: number, t: number, cls = 'person'): Track[] {
  return Array.from({ length: n }, (_, k) => feed.at(k + 1, 20 + k * 15, 80, t, cls));
}

function play(r: ZoneCountRule, counts: number[], cls = 'person'): RuleHit[] {
  const feed = new TrackFeed();
  return counts.flatMap((n, i) => r.evaluate(people(feed, n, i * FRAME_MS, cls), i * FRAME_MS));
}

const rep = (n: number, k: number) => Array.from({ length: k }, () => n);
const ev = (hits: RuleHit[]) => hits.filter((h) => h.phase !== 'update').map((h) => [h.phase, h.tMs]);

describe('crowd', () => {
  it('opens once ≥ minCount persons have been in the zone for minSeconds, updates the count, ends once it clears', () => {
    const hits = play(crowd(), [...rep(3, 5), ...rep(6, 20), ...rep(7, 5), ...rep(2, 10)]);
    expect(ev(hits)).toEqual([
      ['start', 3000], // 6 persons from t=1000, + 2 s
      ['end', 7000], // 2 persons from t=6000, clear for 1 s
    ]);
    const start = hits.find((h) => h.phase === 'start')!;
    expect(start).toMatchObject({ ruleType: 'crowd', category: 'security', trackId: 0, objectCount: 6, className: 'person', zoneId: 'square', durationSeconds: 2 });
    expect(start.box).toEqual({ x1: 10, y1: 40, x2: 10 + 5 * 15 + 20, y2: 80 });
    expect(hits.filter((h) => h.phase === 'update').at(-1)!.objectCount).toBe(7);
    expect(new Set(hits.map((h) => h.key)).size).toBe(1);
  });

  it('a count that flickers for a frame (a missed detection) neither delays the start nor ends the episode', () => {
    const counts = [...rep(5, 6), 4, ...rep(5, 10), 4, ...rep(5, 10)];
    expect(ev(play(crowd(), counts))).toEqual([['start', 2000]]);
  });

  it('counts only its classes and only bottom-centres inside the zone', () => {
    expect(play(crowd(), rep(8, 30), 'car')).toEqual([]);
    const r = crowd();
    const feed = new TrackFeed();
    const hits: RuleHit[] = [];
    for (let i = 0; i < 30; i++) {
      const t = i * FRAME_MS;
      // 4 inside + 4 standing just below the zone (bottom-centre y = 120).
      const ts = [...people(feed, 4, t), ...Array.from({ length: 4 }, (_, k) => feed.at(10 + k, 20 + k * 15, 120, t))];
      hits.push(...r.evaluate(ts, t));
    }
    expect(hits).toEqual([]);
  });

  it('follows its schedule', () => {
    const t0 = Date.UTC(2026, 0, 5, 12, 59, 0); // Mon 19:59 local
    const r = crowd({ schedule: new Schedule([{ days: ['mon'], from: '20:00', to: '21:00' }], 'Asia/Ho_Chi_Minh') });
    const feed = new TrackFeed();
    const hits: RuleHit[] = [];
    for (let s = 0; s < 70; s++) hits.push(...r.evaluate(people(feed, 6, t0 + s * 1000), t0 + s * 1000));
    expect(ev(hits).map(([p, t]) => [p, ((t as number) - t0) / 1000])).toEqual([['start', 62]]);
  });
});

describe('congestion', () => {
  it('by occupancy: boxes covering ≥ minOccupancy of the zone for minSeconds', () => {
    const r = new ZoneCountRule('congestion', {
      id: 'jam',
      zoneId: 'approach',
      polygon: ZONE,
      classes: ['car', 'truck'],
      minOccupancy: 0.5,
      minMs: 1_000,
      clearMs: 1_000,
      cooldownMs: 60_000,
      severity: 'medium',
      category: RULE_CATALOGUE.congestion.category,
    });
    const feed = new TrackFeed();
    const hits: RuleHit[] = [];
    for (let i = 0; i < 30; i++) {
      const t = i * FRAME_MS;
      // Three 70x60 cars side by side (63 % of the zone) for 3 s, then one car (21 %).
      const n = i < 15 ? 3 : 1;
      hits.push(...r.evaluate(Array.from({ length: n }, (_, k) => feed.at(k + 1, 35 + k * 70, 90, t, 'car', 70, 60)), t));
    }
    const start = hits.find((h) => h.phase === 'start')!;
    expect(start).toMatchObject({ ruleType: 'congestion', category: 'traffic', tMs: 1000, objectCount: 3 });
    expect(start.occupancy!).toBeCloseTo(0.63, 1);
    expect(hits.find((h) => h.phase === 'end')?.tMs).toBe(4000);
  });

  it('occupancy helpers: samples inside the polygon, overlapping boxes counted once', () => {
    const tri = [
      { x: 0, y: 0 },
      { x: 100, y: 0 },
      { x: 0, y: 100 },
    ];
    const samples = zoneSamples(tri, 20);
    expect(samples.length).toBeGreaterThan(180);
    expect(samples.length).toBeLessThan(220); // half of 400
    const all = zoneSamples(ZONE, 10);
    const box = { x1: 0, y1: 0, x2: 100, y2: 100 };
    expect(coveredFraction(all, [box])).toBeCloseTo(0.5, 5);
    expect(coveredFraction(all, [box, box])).toBeCloseTo(0.5, 5);
    expect(coveredFraction([], [box])).toBe(0);
  });
});
