import { describe, expect, it } from 'vitest';
import { RULE_CATALOGUE } from '../../../agent/rules/catalogue.js';
import { LoiteringRule } from '../../../agent/rules/loitering.js';
import { Schedule } from '../../../agent/rules/schedule.js';
import type { RuleHit } from '../../../agent/rules/types.js';
import { ZoneIntrusionRule, type ZoneIntrusionOptions } from '../../../agent/rules/zone-intrusion.js';
import { TrackFeed } from './track-feed.js';

const FRAME_MS = 200;
const INSIDE = 200; // x of a point inside the zone
const OUTSIDE = 50;
const Y = 200;

function rule(overrides: Partial<ZoneIntrusionOptions> = {}): ZoneIntrusionRule {
  return new ZoneIntrusionRule({
    id: 'no-entry',
    zoneId: 'yard',
    polygon: [
      { x: 100, y: 100 },
      { x: 300, y: 100 },
      { x: 300, y: 300 },
      { x: 100, y: 300 },
    ],
    classes: ['person'],
    minMs: 2_000,
    cooldownMs: 30_000,
    severity: 'high',
    category: RULE_CATALOGUE.zone_intrusion.category,
    ...overrides,
  });
}

/** Feeds one track through `xs` (one x per frame, from t0; null = not reported) and returns every hit. */
function run(
  r: { evaluate: ZoneIntrusionRule['evaluate'] },
  xs: Array<number | null>,
  opts: { id?: number; cls?: string; t0?: number; feed?: TrackFeed } = {},
) {
  const feed = opts.feed ?? new TrackFeed();
  const hits: RuleHit[] = [];
  xs.forEach((x, i) => {
    const t = (opts.t0 ?? 0) + i * FRAME_MS;
    hits.push(...r.evaluate(x === null ? [] : [feed.at(opts.id ?? 1, x, Y, t, opts.cls ?? 'person')], t));
  });
  return hits;
}

const repeat = <T,>(x: T, n: number): T[] => Array.from({ length: n }, () => x);
const phases = (hits: RuleHit[]) => hits.map((h) => [h.phase, h.tMs]);
const starts = (hits: RuleHit[]) => hits.filter((h) => h.phase === 'start');

describe('zone_intrusion', () => {
  it('starts one incident once the object has been inside for minSeconds, updates it while inside, ends it on exit', () => {
    const r = rule();
    // Outside for 1 s, inside from t=1000 for 4 s, then outside for 1 s.
    const hits = run(r, [...repeat(OUTSIDE, 5), ...repeat(INSIDE, 20), ...repeat(OUTSIDE, 5)]);
    const [start] = starts(hits);
    expect(start).toMatchObject({
      ruleId: 'no-entry',
      ruleType: 'zone_intrusion',
      category: 'security',
      severity: 'high',
      zoneId: 'yard',
      trackId: 1,
      className: 'person',
      phase: 'start',
      tMs: 3000, // entered at 1000 + 2 s
      durationSeconds: 2,
      cooldownMs: 30_000,
    });
    expect(start!.box).toEqual({ x1: INSIDE - 10, y1: Y - 40, x2: INSIDE + 10, y2: Y });
    // Updates each frame until the last inside frame (t=4800); the exit is confirmed once it has been
    // seen outside for 0.5 s (first outside 5000 → 5600); the duration stops at the last inside frame.
    const updates = hits.filter((h) => h.phase === 'update');
    expect(updates.map((h) => h.tMs)).toEqual(Array.from({ length: 9 }, (_, i) => 3200 + i * 200));
    const end = hits.filter((h) => h.phase === 'end');
    expect(end).toHaveLength(1);
    expect(end[0]).toMatchObject({ tMs: 5600, key: start!.key, durationSeconds: 3.8 });
    expect(new Set(hits.map((h) => h.key))).toEqual(new Set([start!.key]));
  });

  it('does not start for a stay shorter than minSeconds, and a real exit resets the dwell', () => {
    const r = rule();
    // 1.6 s inside, 1 s outside (beyond the 0.5 s tolerance), then inside again.
    const hits = run(r, [...repeat(INSIDE, 9), ...repeat(OUTSIDE, 5), ...repeat(INSIDE, 15)]);
    expect(starts(hits).map((h) => [h.tMs, h.durationSeconds])).toEqual([[14 * FRAME_MS + 2000, 2]]);
  });

  it('keeps one stay through jitter at the edge (exits under 0.5 s)', () => {
    const r = rule();
    const pattern = [INSIDE, INSIDE, OUTSIDE, INSIDE, OUTSIDE, OUTSIDE];
    const hits = run(r, [...pattern, ...pattern, ...pattern, INSIDE, INSIDE]);
    expect(starts(hits)).toHaveLength(1);
    expect(hits.filter((h) => h.phase === 'end')).toEqual([]);
    expect(starts(hits)[0]!.durationSeconds).toBeGreaterThanOrEqual(2);
  });

  it('an exit of three frames (600 ms) is a real exit: the incident ends and the next stay is a new key', () => {
    const r = rule({ minMs: 400 });
    const hits = run(r, [...repeat(INSIDE, 4), ...repeat(OUTSIDE, 4), ...repeat(INSIDE, 4)]);
    // Outside from 800; out for ≥ 500 ms at 1400 → end. Back inside at 1600 → new stay, start at 2000.
    expect(phases(hits.filter((h) => h.phase !== 'update'))).toEqual([
      ['start', 400],
      ['end', 1400],
      ['start', 2000],
    ]);
    const keys = starts(hits).map((h) => h.key);
    expect(new Set(keys).size).toBe(2);
  });

  it('ends the incident when the track disappears (not reported for 3 s)', () => {
    const r = rule({ minMs: 1_000 });
    const hits = run(r, [...repeat(INSIDE, 10), ...repeat(null, 20)]);
    const end = hits.find((h) => h.phase === 'end');
    // Last seen at 1800; gone once unseen for more than 3 s (at t=5000); the dwell stops at the last sighting.
    expect(end).toMatchObject({ tMs: 5000, durationSeconds: 1.8 });
  });

  it('keeps the dwell of an object hidden for a moment while inside', () => {
    const r = rule();
    const feed = new TrackFeed();
    const hits: RuleHit[] = [];
    for (let i = 0; i < 15; i++) {
      const t = i * FRAME_MS;
      const hidden = i >= 3 && i <= 8; // the tracker keeps the id; the rule sees no track for 1.2 s
      hits.push(...r.evaluate(hidden ? [] : [feed.at(1, INSIDE, Y, t)], t));
    }
    expect(phases(starts(hits))).toEqual([['start', 2000]]);
  });

  it('ignores classes it is not configured for; all classes when none are configured', () => {
    const r = rule({ minMs: 0 });
    expect(run(r, repeat(INSIDE, 20), { id: 1, cls: 'car' })).toEqual([]);
    expect(starts(run(r, repeat(INSIDE, 2), { id: 2, cls: 'person' }))).toHaveLength(1);
    const all = rule({ minMs: 0, classes: undefined });
    expect(starts(run(all, repeat(INSIDE, 2), { id: 3, cls: 'car' }))).toHaveLength(1);
  });

  it('tracks several objects independently', () => {
    const r = rule({ minMs: 1_000 });
    const feed = new TrackFeed();
    const hits: RuleHit[] = [];
    for (let i = 0; i < 12; i++) {
      const t = i * FRAME_MS;
      const tracks = [feed.at(1, INSIDE, Y, t)];
      if (i >= 3) tracks.push(feed.at(2, INSIDE + 20, Y, t));
      hits.push(...r.evaluate(tracks, t));
    }
    expect(starts(hits).map((h) => [h.trackId, h.tMs])).toEqual([
      [1, 1000],
      [2, 1600],
    ]);
  });

  it('works with trackers that report no history (uses the box bottom-centre)', () => {
    const r = rule({ minMs: 400 });
    const hits: RuleHit[] = [];
    for (let i = 0; i < 4; i++) {
      const t = i * FRAME_MS;
      const track = { ...new TrackFeed().at(1, INSIDE, Y, t), firstSeenMs: 0, history: [] };
      hits.push(...r.evaluate([track], t));
    }
    expect(phases(starts(hits))).toEqual([['start', 400]]);
  });

  it('only fires inside its schedule, and ends an open incident when the schedule closes', () => {
    // 2026-01-05 is a Monday. Window 22:00–05:00 local (UTC+7): 15:00–22:00 UTC.
    const t0 = Date.UTC(2026, 0, 5, 14, 59, 0); // 21:59 local
    const r = rule({ minMs: 1_000, schedule: new Schedule([{ days: ['mon'], from: '22:00', to: '05:00' }], 'Asia/Ho_Chi_Minh') });
    const feed = new TrackFeed();
    const hits: RuleHit[] = [];
    // One frame per second from 21:59:00 to 22:00:59.
    for (let s = 0; s < 120; s++) hits.push(...r.evaluate([feed.at(1, INSIDE, Y, t0 + s * 1000)], t0 + s * 1000));
    expect(starts(hits).map((h) => h.tMs)).toEqual([t0 + 61_000]); // entered (for the rule) at 22:00:00, +1 s

    const morning = Date.UTC(2026, 0, 5, 21, 59, 58); // Tue 04:59:58 local: still the Monday window
    const r2 = rule({ minMs: 0, schedule: new Schedule([{ days: ['mon'], from: '22:00', to: '05:00' }], 'Asia/Ho_Chi_Minh') });
    const feed2 = new TrackFeed();
    const h2: RuleHit[] = [];
    for (let s = 0; s < 4; s++) h2.push(...r2.evaluate([feed2.at(1, INSIDE, Y, morning + s * 1000)], morning + s * 1000));
    expect(h2.map((h) => h.phase)).toEqual(['start', 'update', 'end']);
    expect(h2[2]!.tMs).toBe(morning + 2000); // 05:00:00 local
  });
});

describe('loitering', () => {
  it('is a dwell rule with its own type and a long exit tolerance', () => {
    const r = new LoiteringRule({
      id: 'loiter',
      zoneId: 'yard',
      polygon: [
        { x: 100, y: 100 },
        { x: 300, y: 100 },
        { x: 300, y: 300 },
        { x: 100, y: 300 },
      ],
      classes: ['person'],
      minMs: 5_000,
      exitToleranceMs: 3000,
      cooldownMs: 300_000,
      severity: 'low',
      category: RULE_CATALOGUE.loitering.category,
    });
    // Inside 3 s, out 2 s (under the 3 s tolerance), inside 3 s: one stay of 8 s → starts at 5 s.
    const hits = run(r, [...repeat(INSIDE, 15), ...repeat(OUTSIDE, 10), ...repeat(INSIDE, 15)]);
    expect(starts(hits).map((h) => [h.ruleType, h.tMs, h.category])).toEqual([['loitering', 5000, 'security']]);
    // A person passing through (2 s inside) never starts.
    expect(run(r, [...repeat(OUTSIDE, 2), ...repeat(INSIDE, 10), ...repeat(OUTSIDE, 30)], { id: 2 })).toEqual([]);
  });
});
