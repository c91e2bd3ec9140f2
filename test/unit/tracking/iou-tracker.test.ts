import { describe, expect, it } from 'vitest';
import type { Detection } from '../../../agent/detection/types.js';
import { iou } from '../../../agent/core/geometry.js';
import { createTracker } from '../../../agent/tracking/index.js';
import type { Track } from '../../../agent/tracking/types.js';

const FRAME_MS = 200; // 5 fps, the default analysis rate

function det(className: string, x: number, y: number, w = 40, h = 80, score = 0.9): Detection {
  const classId = className === 'person' ? 0 : className === 'car' ? 2 : 7;
  return { classId, className, score, box: { x1: x, y1: y, x2: x + w, y2: y + h } };
}

function tracker(overrides: Partial<{ iouThreshold: number; maxLostMs: number; minHits: number; maxHistoryPoints: number }> = {}) {
  return createTracker({ kind: 'iou', iouThreshold: 0.3, maxLostMs: 1500, minHits: 2, ...overrides });
}

describe('iou', () => {
  it('is 1 for identical boxes, 0 for disjoint ones and the overlap ratio otherwise', () => {
    const a = { x1: 0, y1: 0, x2: 10, y2: 10 };
    expect(iou(a, a)).toBe(1);
    expect(iou(a, { x1: 20, y1: 0, x2: 30, y2: 10 })).toBe(0);
    expect(iou(a, { x1: 10, y1: 0, x2: 20, y2: 10 })).toBe(0); // touching edges
    expect(iou(a, { x1: 5, y1: 0, x2: 15, y2: 10 })).toBeCloseTo(50 / 150, 10);
  });
});

describe('IoU tracker', () => {
  it('reports a track only from its minHits-th match, then keeps one id while the box moves', () => {
    const t = tracker();
    expect(t.update([det('person', 100, 100)], 0)).toEqual([]);
    const ids = new Set<number>();
    for (let i = 1; i < 20; i++) {
      const out = t.update([det('person', 100 + i * 8, 100 + i * 2)], i * FRAME_MS);
      expect(out).toHaveLength(1);
      ids.add(out[0]!.id);
      expect(out[0]!.hits).toBe(i + 1);
      expect(out[0]!.lastSeenMs).toBe(i * FRAME_MS);
      expect(out[0]!.firstSeenMs).toBe(0);
    }
    expect([...ids]).toEqual([1]);
  });

  it('records bottom-centre history, oldest first and bounded', () => {
    const t = tracker({ maxHistoryPoints: 5 });
    let last: Track[] = [];
    for (let i = 0; i < 8; i++) last = t.update([det('car', 10 + i * 5, 20, 40, 30)], i * FRAME_MS);
    const h = last[0]!.history;
    expect(h).toHaveLength(5);
    expect(h[0]).toEqual({ tMs: 3 * FRAME_MS, x: 10 + 15 + 20, y: 50 });
    expect(h[4]).toEqual({ tMs: 7 * FRAME_MS, x: 10 + 35 + 20, y: 50 });
  });

  it('keeps the ids of two objects that cross each other', () => {
    const t = tracker({ iouThreshold: 0.2 });
    // A walks right, B walks left, 20 px per frame each; at frame 5 their boxes almost coincide (4 px
    // apart), so at frame 6 each old box overlaps the OTHER object's new box more than its own: only the
    // motion prediction keeps the ids from swapping.
    const idOfA = new Set<number>();
    const idOfB = new Set<number>();
    for (let i = 0; i <= 10; i++) {
      const ax = i * 20;
      const bx = 204 - i * 20;
      // Detector output order is arbitrary: alternate it so list order cannot decide the match.
      const dets = [det('person', ax, 100), det('person', bx, 100)];
      const out = t.update(i % 2 ? dets : dets.reverse(), i * FRAME_MS);
      if (i === 0) continue;
      expect(out).toHaveLength(2);
      for (const tr of out) (tr.box.x1 === ax ? idOfA : idOfB).add(tr.id);
    }
    expect(idOfA.size).toBe(1);
    expect(idOfB.size).toBe(1);
    expect([...idOfA][0]).not.toBe([...idOfB][0]);
  });

  it('keeps the id through a 3-frame occlusion within maxLostMs, even while the object moves', () => {
    const t = tracker({ maxLostMs: 1000 });
    const seen: number[] = [];
    for (let i = 0; i < 12; i++) {
      const hidden = i >= 5 && i <= 7; // 3 frames = 600 ms without a detection
      const out = t.update(hidden ? [] : [det('car', 50 + i * 15, 200, 60, 40)], i * FRAME_MS);
      if (hidden) expect(out).toEqual([]);
      else if (i > 0) seen.push(out[0]!.id);
    }
    expect(new Set(seen)).toEqual(new Set([1]));
  });

  it('starts a new (tentative) track with a new id once maxLostMs has passed', () => {
    const t = tracker({ maxLostMs: 500 });
    t.update([det('person', 100, 100)], 0);
    expect(t.update([det('person', 102, 100)], 200)[0]!.id).toBe(1);
    // 800 ms later than the last match: beyond maxLostMs, the old track is gone.
    expect(t.update([det('person', 104, 100)], 1000)).toEqual([]);
    expect(t.update([det('person', 106, 100)], 1200)[0]!.id).toBe(2);
  });

  it('keeps classes apart: a car box does not continue a person track at the same place', () => {
    const t = tracker({ minHits: 1 });
    const first = t.update([det('person', 100, 100)], 0);
    const second = t.update([det('car', 100, 100)], 200);
    expect(first[0]!.className).toBe('person');
    expect(second[0]!.className).toBe('car');
    expect(second[0]!.id).not.toBe(first[0]!.id);
    // Both at once: two tracks, each continuing its own class.
    const both = t.update([det('car', 101, 100), det('person', 101, 100)], 400);
    expect(both.map((x) => [x.className, x.id]).sort()).toEqual([
      ['car', second[0]!.id],
      ['person', first[0]!.id],
    ]);
  });

  it('drops a one-frame false positive without spending an id', () => {
    const t = tracker();
    t.update([det('person', 400, 10)], 0); // ghost, never seen again
    t.update([det('person', 100, 100)], 200);
    const out = t.update([det('person', 104, 100)], 400);
    expect(out[0]!.id).toBe(1);
  });

  it('prefers the highest-IoU pair when two detections overlap one track', () => {
    const t = tracker({ minHits: 1, iouThreshold: 0.1 });
    const [a] = t.update([det('person', 100, 100)], 0);
    const out = t.update([det('person', 130, 100), det('person', 104, 100)], 200);
    const cont = out.find((x) => x.id === a!.id);
    expect(cont!.box.x1).toBe(104);
    expect(out.find((x) => x.id !== a!.id)!.box.x1).toBe(130);
  });

  it('hands out copies: changing a returned track does not change the tracker', () => {
    const t = tracker({ minHits: 1 });
    const [first] = t.update([det('person', 100, 100)], 0);
    first!.box.x1 = 9999;
    first!.history.length = 0;
    const [again] = t.update([det('person', 102, 100)], 200);
    expect(again!.id).toBe(first!.id);
    expect(again!.history).toHaveLength(2);
  });

  it('ids keep increasing across many objects', () => {
    const t = tracker({ minHits: 1, maxLostMs: 0 });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(t.update([det('person', i * 300, 0)], i * 1000)[0]!.id);
    expect(ids).toEqual([1, 2, 3, 4, 5]);
  });
});
