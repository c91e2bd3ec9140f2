import { describe, expect, it } from 'vitest';
import { RULE_CATALOGUE } from '../../../agent/rules/catalogue.js';
import { ObjectLeftRule, type ObjectLeftOptions } from '../../../agent/rules/object-left.js';
import { Schedule } from '../../../agent/rules/schedule.js';
import type { RuleHit } from '../../../agent/rules/types.js';
import type { Track } from '../../../agent/tracking/types.js';
import { TrackFeed } from './track-feed.js';

const FRAME_MS = 200;

function rule(o: Partial<ObjectLeftOptions> = {}): ObjectLeftRule {
  return new ObjectLeftRule({
    id: 'left',
    classes: ['backpack', 'handbag', 'suitcase'],
    personClasses: ['person'],
    personRadiusPx: 80,
    minMs: 5_000,
    maxSpeedPxPerS: 6,
    cooldownMs: 600_000,
    severity: 'high',
    category: RULE_CATALOGUE.object_left.category,
    ...o,
  });
}

function play(r: ObjectLeftRule, frames: number, scene: (i: number, t: number, feed: TrackFeed) => Track[]): RuleHit[] {
  const feed = new TrackFeed();
  const hits: RuleHit[] = [];
  for (let i = 0; i < frames; i++) hits.push(...r.evaluate(scene(i, i * FRAME_MS, feed), i * FRAME_MS));
  return hits;
}

const bag = (feed: TrackFeed, t: number, id = 5) => feed.at(id, 300, 300, t, 'suitcase', 30, 40);
const ev = (hits: RuleHit[]) => hits.filter((h) => h.phase !== 'update').map((h) => [h.phase, h.tMs]);

describe('object_left', () => {
  it('a bag with nobody within the radius for minSeconds opens an incident', () => {
    // The owner stands by the bag for 2 s, then walks away fast (gone beyond 80 px within 0.4 s).
    const hits = play(rule(), 60, (i, t, feed) => {
      const out = [bag(feed, t)];
      if (i < 10) out.push(feed.at(1, 340, 300, t, 'person', 30, 80));
      else if (i < 20) out.push(feed.at(1, 400 + (i - 10) * 40, 300, t, 'person', 30, 80));
      return out;
    });
    const start = hits.find((h) => h.phase === 'start')!;
    // Attended until frame 10 (x=400: 70 px gap); unattended from then → 2 s + 5 s.
    expect(start).toMatchObject({ ruleType: 'object_left', category: 'security', className: 'suitcase', trackId: 5, tMs: 7000 });
    expect(ev(hits)).toEqual([['start', 7000]]);
  });

  it('passers-by do not reset the clock; someone staying by the bag does, and ends an open incident', () => {
    const passers = play(rule(), 50, (i, t, feed) => {
      const out = [bag(feed, t)];
      if (i >= 15 && i < 20) out.push(feed.at(2, 100 + (i - 15) * 100, 300, t, 'person', 30, 80)); // walks past
      return out;
    });
    expect(passers.find((h) => h.phase === 'start')?.tMs).toBe(5000);

    const owner = play(rule(), 70, (i, t, feed) => {
      const out = [bag(feed, t)];
      if (i >= 40) out.push(feed.at(1, 320, 300, t, 'person', 30, 80)); // comes back at 8 s and stays
      return out;
    });
    // Open at 5 s; the owner by it for 3 s ends it at 11 s.
    expect(ev(owner)).toEqual([
      ['start', 5000],
      ['end', 11_000],
    ]);
  });

  it('ends when the bag is picked up and carried off', () => {
    const hits = play(rule(), 60, (i, t, feed) => [i < 35 ? bag(feed, t) : feed.at(5, 300 + (i - 35) * 20, 300, t, 'suitcase', 30, 40)]);
    const e = ev(hits);
    expect(e[0]).toEqual(['start', 5000]);
    expect(e[1]![0]).toBe('end');
    expect(e[1]![1]).toBeGreaterThan(7000);
    expect(e[1]![1]).toBeLessThanOrEqual(8400);
  });

  it('respects its zone and classes', () => {
    const zoned = rule({
      zoneId: 'hall',
      polygon: [
        { x: 0, y: 0 },
        { x: 200, y: 0 },
        { x: 200, y: 200 },
        { x: 0, y: 200 },
      ],
    });
    expect(play(zoned, 40, (_i, t, feed) => [bag(feed, t)])).toEqual([]);
    expect(play(rule(), 40, (_i, t, feed) => [feed.at(5, 300, 300, t, 'chair', 30, 40)])).toEqual([]);
  });

  it('one incident through box jitter and an occlusion that changes the track id', () => {
    const hits = play(rule(), 80, (i, t, feed) => {
      if (i >= 40 && i < 50) return []; // a bus in front for 2 s
      return [feed.at(i < 40 ? 5 : 6, 300 + (i % 2 ? 2 : -2), 300 + (i % 3) - 1, t, 'suitcase', 30, 40)];
    });
    expect(ev(hits)).toEqual([['start', 5000]]);
    expect(hits.at(-1)!.trackId).toBe(6);
  });

  it('follows its schedule: nothing outside, the open incident ends when the window closes', () => {
    const t0 = Date.UTC(2026, 0, 5, 0, 0, 0); // Mon 07:00 local; window 07:00–07:01
    const r = rule({ schedule: new Schedule([{ days: ['mon'], from: '07:00', to: '07:01' }], 'Asia/Ho_Chi_Minh') });
    const feed = new TrackFeed();
    const hits: RuleHit[] = [];
    for (let k = 0; k < 120; k++) hits.push(...r.evaluate([bag(feed, t0 + k * 1000)], t0 + k * 1000));
    expect(hits.filter((h) => h.phase !== 'update').map((h) => [h.phase, (h.tMs - t0) / 1000])).toEqual([
      ['start', 5],
      ['end', 60],
    ]);
  });
});
