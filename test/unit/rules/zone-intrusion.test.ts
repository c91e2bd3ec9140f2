import { describe, expect, it } from 'vitest';
import { ZoneIntrusionRule, type ZoneIntrusionOptions } from '../../../agent/rules/zone-intrusion.js';
import type { RuleHit } from '../../../agent/rules/types.js';
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
    minSeconds: 2,
    cooldownSeconds: 30,
    severity: 'high',
    ...overrides,
  });
}

/** Feeds one track through `xs` (one x per frame, from t0) and returns every hit with its time. */
function run(r: ZoneIntrusionRule, xs: number[], opts: { id?: number; cls?: string; t0?: number; feed?: TrackFeed } = {}) {
  const feed = opts.feed ?? new TrackFeed();
  const hits: RuleHit[] = [];
  xs.forEach((x, i) => {
    const t = (opts.t0 ?? 0) + i * FRAME_MS;
    hits.push(...r.evaluate([feed.at(opts.id ?? 1, x, Y, t, opts.cls ?? 'person')], t));
  });
  return hits;
}

const repeat = (x: number, n: number): number[] => Array.from({ length: n }, () => x);

describe('zone_intrusion', () => {
  it('raises one hit once the object has been inside for minSeconds, with its dwell', () => {
    const r = rule();
    // Outside for 1 s, then inside from t=1000 for 6 s.
    const hits = run(r, [...repeat(OUTSIDE, 5), ...repeat(INSIDE, 30)]);
    expect(hits).toHaveLength(1);
    const [hit] = hits;
    expect(hit).toMatchObject({
      ruleId: 'no-entry',
      ruleType: 'zone_intrusion',
      category: 'security',
      severity: 'high',
      zoneId: 'yard',
      trackId: 1,
      className: 'person',
      tMs: 3000, // entered at 1000 + 2 s
      durationSeconds: 2,
    });
    expect(hit!.box).toEqual({ x1: INSIDE - 10, y1: Y - 40, x2: INSIDE + 10, y2: Y });
  });

  it('does not fire for a stay shorter than minSeconds, and a real exit resets the dwell', () => {
    const r = rule();
    // 1.6 s inside, 1 s outside (beyond the 0.5 s tolerance), then inside again.
    const xs = [...repeat(INSIDE, 9), ...repeat(OUTSIDE, 5), ...repeat(INSIDE, 15)];
    const hits = run(r, xs);
    expect(hits).toHaveLength(1);
    const reentry = 14 * FRAME_MS;
    expect(hits[0]!.tMs).toBe(reentry + 2000);
    expect(hits[0]!.durationSeconds).toBe(2);
  });

  it('does not reset the dwell for jitter at the edge (exits under 0.5 s)', () => {
    const r = rule();
    // Standing on the edge: inside, inside, outside, inside, outside, outside, inside, ...
    const pattern = [INSIDE, INSIDE, OUTSIDE, INSIDE, OUTSIDE, OUTSIDE];
    const xs = [...pattern, ...pattern, ...pattern, INSIDE, INSIDE];
    const hits = run(r, xs);
    expect(hits).toHaveLength(1);
    // Dwell counted from the first inside sighting at t=0, through the flicker.
    expect(hits[0]!.durationSeconds).toBeGreaterThanOrEqual(2);
    expect(hits[0]!.tMs).toBeLessThan(xs.length * FRAME_MS);
  });

  it('an exit of three frames (600 ms) is a real exit', () => {
    const r = rule({ minSeconds: 1 });
    const xs = [...repeat(INSIDE, 4), ...repeat(OUTSIDE, 4), ...repeat(INSIDE, 6)];
    const hits = run(r, xs);
    // 4 inside frames span 600 ms < 1 s; after the exit, dwell restarts at frame 8 → hit at frame 13.
    expect(hits.map((h) => h.tMs)).toEqual([13 * FRAME_MS]);
  });

  it('does not re-trigger within the cooldown, and does after it', () => {
    const r = rule({ minSeconds: 1, cooldownSeconds: 10 });
    const feed = new TrackFeed();
    const hits = [
      // First stay → hit at 1 s. Leave for 2 s, come back at t=5 s (within the cooldown).
      ...run(r, [...repeat(INSIDE, 10), ...repeat(OUTSIDE, 10)], { feed }),
      ...run(r, repeat(INSIDE, 40), { feed, t0: 4000 }),
    ];
    // Second stay is long enough at 5 s but the cooldown holds it back until 1 s + 10 s.
    expect(hits.map((h) => h.tMs)).toEqual([1000, 11_000]);
    expect(hits[1]!.durationSeconds).toBe(7);
  });

  it('re-enters after the cooldown: a new hit after minSeconds', () => {
    const r = rule({ minSeconds: 1, cooldownSeconds: 3 });
    const feed = new TrackFeed();
    const hits = [
      ...run(r, [...repeat(INSIDE, 10), ...repeat(OUTSIDE, 20)], { feed }),
      ...run(r, repeat(INSIDE, 10), { feed, t0: 6000 }),
    ];
    expect(hits.map((h) => h.tMs)).toEqual([1000, 7000]);
  });

  it('ignores classes it is not configured for', () => {
    const r = rule({ minSeconds: 0 });
    expect(run(r, repeat(INSIDE, 20), { id: 1, cls: 'car' })).toEqual([]);
    expect(run(r, repeat(INSIDE, 2), { id: 2, cls: 'person' })).toHaveLength(1);
    const all = rule({ minSeconds: 0, classes: undefined });
    expect(run(all, repeat(INSIDE, 2), { id: 3, cls: 'car' })).toHaveLength(1);
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
    expect(hits.map((h) => h.tMs)).toEqual([2000]);
  });

  it('tracks several objects independently', () => {
    const r = rule({ minSeconds: 1 });
    const feed = new TrackFeed();
    const hits: RuleHit[] = [];
    for (let i = 0; i < 12; i++) {
      const t = i * FRAME_MS;
      const tracks = [feed.at(1, INSIDE, Y, t)];
      if (i >= 3) tracks.push(feed.at(2, INSIDE + 20, Y, t));
      hits.push(...r.evaluate(tracks, t));
    }
    expect(hits.map((h) => [h.trackId, h.tMs])).toEqual([
      [1, 1000],
      [2, 1600],
    ]);
  });

  it('works with trackers that report no history (uses the box bottom-centre)', () => {
    const r = rule({ minSeconds: 0.4 });
    const hits: RuleHit[] = [];
    for (let i = 0; i < 4; i++) {
      const t = i * FRAME_MS;
      const track = { ...new TrackFeed().at(1, INSIDE, Y, t), firstSeenMs: 0, history: [] };
      hits.push(...r.evaluate([track], t));
    }
    expect(hits.map((h) => h.tMs)).toEqual([400]);
  });
});
