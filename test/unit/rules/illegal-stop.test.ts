import { describe, expect, it } from 'vitest';
import { RULE_CATALOGUE } from '../../../agent/rules/catalogue.js';
import { IllegalStopRule, type IllegalStopOptions } from '../../../agent/rules/illegal-stop.js';
import { Schedule } from '../../../agent/rules/schedule.js';
import type { RuleHit } from '../../../agent/rules/types.js';
import type { Track } from '../../../agent/tracking/types.js';
import { TrackFeed } from './track-feed.js';

const FRAME_MS = 200;
const ZONE = [
  { x: 100, y: 100 },
  { x: 400, y: 100 },
  { x: 400, y: 300 },
  { x: 100, y: 300 },
];

function rule(o: Partial<IllegalStopOptions> = {}): IllegalStopRule {
  return new IllegalStopRule({
    id: 'no-stop',
    zoneId: 'bus-stop',
    polygon: ZONE,
    classes: ['car', 'truck', 'bus', 'motorcycle'],
    minMs: 5_000,
    maxSpeedPxPerS: 6,
    cooldownMs: 300_000,
    severity: 'medium',
    category: RULE_CATALOGUE.illegal_stop.category,
    ...o,
  });
}

/** Per frame, the tracks present: built by `scene(i, t, feed)`. */
function play(r: IllegalStopRule, frames: number, scene: (i: number, t: number, feed: TrackFeed) => Track[]): RuleHit[] {
  const feed = new TrackFeed();
  const hits: RuleHit[] = [];
  for (let i = 0; i < frames; i++) {
    const t = i * FRAME_MS;
    hits.push(...r.evaluate(scene(i, t, feed), t));
  }
  return hits;
}

const events = (hits: RuleHit[]) => hits.filter((h) => h.phase !== 'update').map((h) => [h.phase, h.tMs, h.trackId]);

describe('illegal_stop', () => {
  it('one incident while a car stays: start after minSeconds, updates, end when it drives off', () => {
    // Arrives moving (2 s), stops at (250, 200) for 10 s, then drives off to the right.
    const hits = play(rule(), 90, (i, t, feed) => {
      const x = i < 10 ? 150 + i * 10 : i < 60 ? 250 : 250 + (i - 60) * 12;
      return [feed.at(1, x, 200, t, 'car', 60, 40)];
    });
    const ev = events(hits);
    expect(ev[0]![0]).toBe('start');
    // Still from frame 9 (t=1800); stillness needs ≥ 1 s of history, so it is known at ~2.8 s and dated
    // back to the window start; the incident opens 5 s after the stop.
    const start = hits.find((h) => h.phase === 'start')!;
    expect(start.tMs).toBeGreaterThanOrEqual(6600);
    expect(start.tMs).toBeLessThanOrEqual(7400);
    expect(start).toMatchObject({ ruleType: 'illegal_stop', zoneId: 'bus-stop', className: 'car', category: 'traffic' });
    expect(ev.filter(([p]) => p === 'start')).toHaveLength(1);
    const end = hits.find((h) => h.phase === 'end')!;
    expect(end.key).toBe(start.key);
    // Drives off at frame 60 (12 s); moving for ≥ 1 s (and speed measured over 2 s) → ends by ~13.4 s.
    expect(end.tMs).toBeGreaterThan(12_000);
    expect(end.tMs).toBeLessThanOrEqual(13_600);
    expect(end.durationSeconds!).toBeGreaterThan(9);
    expect(hits.filter((h) => h.phase === 'update').length).toBeGreaterThan(20);
  });

  it('does not fire for traffic moving through, or for a stop shorter than minSeconds', () => {
    expect(play(rule(), 40, (i, t, feed) => [feed.at(1, 110 + i * 8, 200, t, 'car', 60, 40)])).toEqual([]);
    const brief = play(rule(), 60, (i, t, feed) => [feed.at(1, i < 15 ? 200 : 200 + (i - 15) * 10, 200, t, 'car', 60, 40)]);
    expect(brief).toEqual([]);
  });

  it('ignores a car stopped outside the zone and classes it does not watch', () => {
    expect(play(rule(), 60, (_i, t, feed) => [feed.at(1, 500, 200, t, 'car', 60, 40)])).toEqual([]);
    expect(play(rule(), 60, (_i, t, feed) => [feed.at(1, 250, 200, t, 'person', 20, 40)])).toEqual([]);
  });

  it('tolerates box jitter of a parked car (±2 px per frame)', () => {
    const hits = play(rule(), 60, (i, t, feed) => [feed.at(1, 250 + (i % 2 ? 2 : -2), 200 + (i % 3 === 0 ? 1 : -1), t, 'car', 60, 40)]);
    expect(events(hits).map(([p]) => p)).toEqual(['start']);
  });

  it('keeps ONE incident when a passing bus hides the car and the tracker gives it a new id', () => {
    const hits = play(rule(), 100, (i, t, feed) => {
      if (i >= 40 && i < 55) return []; // hidden 3 s: the tracker loses it
      const id = i < 40 ? 1 : 2; // found again under a new id
      return [feed.at(id, 250 + (i % 2), 200, t, 'car', 60, 40)];
    });
    expect(events(hits).map(([p]) => p)).toEqual(['start']);
    const last = hits.at(-1)!;
    expect(last.trackId).toBe(2);
    expect(last.key).toBe(hits[0]!.key);
    // The stop keeps counting from before the occlusion.
    expect(last.durationSeconds!).toBeGreaterThan(17);
  });

  it('ends the incident when the car is gone for good (not seen for the linger time)', () => {
    const hits = play(rule({ lingerMs: 4000 }), 80, (i, t, feed) => (i < 50 ? [feed.at(1, 250, 200, t, 'car', 60, 40)] : []));
    const ev = events(hits);
    expect(ev.map(([p]) => p)).toEqual(['start', 'end']);
    // Last seen at 9.8 s; gone once unseen for more than 4 s.
    expect(ev[1]![1]).toBe(14_000);
  });

  it('only opens inside its schedule and ends when the schedule closes', () => {
    const t0 = Date.UTC(2026, 0, 5, 0, 0, 0); // Mon 07:00 local
    const sched = new Schedule([{ days: ['mon'], from: '07:00', to: '07:01' }], 'Asia/Ho_Chi_Minh');
    const r = rule({ schedule: sched });
    const feed = new TrackFeed();
    const hits: RuleHit[] = [];
    for (let s = 0; s < 90; s++) hits.push(...r.evaluate([feed.at(1, 250, 200, t0 + s * 1000, 'car', 60, 40)], t0 + s * 1000));
    const ev = hits.filter((h) => h.phase !== 'update').map((h) => [h.phase, (h.tMs - t0) / 1000]);
    expect(ev).toEqual([
      ['start', 5],
      ['end', 60],
    ]);
  });
});
