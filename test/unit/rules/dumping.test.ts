import { describe, expect, it } from 'vitest';
import { RULE_CATALOGUE } from '../../../agent/rules/catalogue.js';
import { DumpingRule, type DumpingOptions } from '../../../agent/rules/dumping.js';
import { Schedule } from '../../../agent/rules/schedule.js';
import type { RuleHit } from '../../../agent/rules/types.js';
import type { Track } from '../../../agent/tracking/types.js';
import { TrackFeed } from './track-feed.js';

const FRAME_MS = 200;
const CORNER = [
  { x: 300, y: 200 },
  { x: 500, y: 200 },
  { x: 500, y: 400 },
  { x: 300, y: 400 },
];

function rule(o: Partial<DumpingOptions> = {}): DumpingRule {
  return new DumpingRule({
    id: 'dump',
    zoneId: 'corner',
    polygon: CORNER,
    classes: ['suitcase', 'couch'],
    personClasses: ['person'],
    personRadiusPx: 60,
    minMs: 5_000,
    maxSpeedPxPerS: 6,
    warmupMs: 2_000,
    cooldownMs: 600_000,
    severity: 'medium',
    category: RULE_CATALOGUE.dumping.category,
    ...o,
  });
}

function play(r: DumpingRule, frames: number, scene: (i: number, t: number, feed: TrackFeed) => Track[]): RuleHit[] {
  const feed = new TrackFeed();
  const hits: RuleHit[] = [];
  for (let i = 0; i < frames; i++) hits.push(...r.evaluate(scene(i, i * FRAME_MS, feed), i * FRAME_MS));
  return hits;
}

/** A person walks in from the left to (380, 300), puts a couch down at (420, 300) at frame 20, and walks away. */
function dumpScene(i: number, t: number, feed: TrackFeed): Track[] {
  const out: Track[] = [];
  const px = i < 20 ? 200 + i * 9 : 380 - (i - 20) * 15;
  if (px > 0) out.push(feed.at(7, px, 300, t, 'person', 30, 80));
  if (i >= 20) out.push(feed.at(9, 420, 300, t, 'couch', 50, 30));
  return out;
}

describe('dumping', () => {
  it('a new object left in the zone for minSeconds: pending at appearance with the person attached, then start', () => {
    const hits = play(rule(), 70, dumpScene);
    const pending = hits.filter((h) => h.phase === 'pending');
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ tMs: 4000, trackId: 9, evidenceTrackId: 7, key: 'dump:9@4000' });
    expect(pending[0]!.evidenceBox).toEqual({ x1: 365, y1: 220, x2: 395, y2: 300 });
    const start = hits.find((h) => h.phase === 'start')!;
    expect(start).toMatchObject({
      ruleType: 'dumping',
      category: 'sanitation',
      className: 'couch',
      trackId: 9,
      evidenceTrackId: 7,
      key: pending[0]!.key,
      tMs: 9000, // appeared at 4 s + 5 s
      durationSeconds: 5,
    });
    expect(hits.filter((h) => h.phase === 'start')).toHaveLength(1);
  });

  it('ends when the object is taken away (gone for the linger time)', () => {
    const hits = play(rule({ lingerMs: 2000 }), 90, (i, t, feed) => (i < 60 ? dumpScene(i, t, feed) : []));
    const end = hits.find((h) => h.phase === 'end')!;
    expect(end.tMs).toBe(14_000); // last seen 11.8 s, unseen > 2 s
    expect(end.evidenceTrackId).toBe(7);
  });

  it('objects present at start-up (within the warm-up) are scene, not dumping', () => {
    const hits = play(rule({ warmupMs: 10_000 }), 70, dumpScene);
    expect(hits).toEqual([]);
  });

  it('no evidence when nobody was near; objects outside the zone or of other classes are ignored', () => {
    const alone = play(rule(), 60, (i, t, feed) => (i >= 15 ? [feed.at(3, 420, 300, t, 'suitcase', 30, 40)] : []));
    const start = alone.find((h) => h.phase === 'start')!;
    expect(start.evidenceTrackId).toBeUndefined();
    expect(alone.find((h) => h.phase === 'pending')!.evidenceBox).toBeUndefined();
    expect(play(rule(), 60, (i, t, feed) => (i >= 15 ? [feed.at(3, 100, 300, t, 'suitcase', 30, 40)] : []))).toEqual([]);
    expect(play(rule(), 60, (i, t, feed) => (i >= 15 ? [feed.at(3, 420, 300, t, 'car', 30, 40)] : []))).toEqual([]);
  });

  it('an object that keeps moving (carried through) is not dumping', () => {
    const hits = play(rule(), 60, (i, t, feed) => (i >= 15 ? [feed.at(3, 310 + (i - 15) * 4, 300, t, 'suitcase', 30, 40)] : []));
    expect(hits.filter((h) => h.phase === 'start')).toEqual([]);
  });

  it('one incident through an occlusion that changes the track id, and through box jitter', () => {
    const hits = play(rule(), 90, (i, t, feed) => {
      const out = dumpScene(i, t, feed).filter((tr) => tr.className === 'person');
      if (i < 20 || (i >= 40 && i < 50)) return out; // hidden 2 s by a passing van at 8 s
      const id = i < 40 ? 9 : 10;
      out.push(feed.at(id, 420 + (i % 2 ? 2 : -2), 300 + (i % 3) - 1, t, 'couch', 50, 30));
      return out;
    });
    expect(hits.filter((h) => h.phase === 'start')).toHaveLength(1);
    expect(hits.filter((h) => h.phase === 'end')).toEqual([]);
    expect(hits.at(-1)!.trackId).toBe(10);
    expect(hits.at(-1)!.key).toBe('dump:9@4000');
  });

  it('only reports inside its schedule; an object dumped before the window opens is not new in it', () => {
    const t0 = Date.UTC(2026, 0, 5, 14, 59, 50); // Mon 21:59:50 local; window 22:00–05:00
    const r = rule({ schedule: new Schedule([{ days: ['mon'], from: '22:00', to: '05:00' }], 'Asia/Ho_Chi_Minh') });
    const feed = new TrackFeed();
    const hits: RuleHit[] = [];
    for (let k = 0; k < 150; k++) {
      const t = t0 + k * 200;
      // Dumped at 21:59:56 (k = 30), after the warm-up but before the window.
      hits.push(...r.evaluate(k >= 30 ? [feed.at(3, 420, 300, t, 'suitcase', 30, 40)] : [], t));
    }
    expect(hits).toEqual([]);
  });
});
