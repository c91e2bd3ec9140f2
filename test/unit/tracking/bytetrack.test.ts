import { describe, expect, it } from 'vitest';
import type { Detection } from '../../../agent/detection/types.js';
import { ByteTracker, type ByteTrackOptions } from '../../../agent/tracking/bytetrack.js';
import { createTracker } from '../../../agent/tracking/index.js';
import type { Track } from '../../../agent/tracking/types.js';

const FRAME_MS = 200; // 5 fps, the default analysis rate

function det(className: string, x: number, y: number, score = 0.9, w = 40, h = 80): Detection {
  const classId = className === 'person' ? 0 : className === 'car' ? 2 : className === 'truck' ? 7 : 3;
  return { classId, className, score, box: { x1: x, y1: y, x2: x + w, y2: y + h } };
}

function tracker(o: ByteTrackOptions = {}): ByteTracker {
  return new ByteTracker({ highScoreThreshold: 0.5, lowScoreThreshold: 0.1, minHits: 2, maxLostMs: 1500, ...o });
}

/** Runs frames (one detection list per frame) and returns the tracks reported in each. */
function run(t: { update: ByteTracker['update'] }, frames: Detection[][], t0 = 0): Track[][] {
  return frames.map((dets, i) => t.update(dets, t0 + i * FRAME_MS));
}

const ids = (frames: Track[][]) => frames.map((f) => f.map((tr) => tr.id));

describe('ByteTracker', () => {
  it('is the default tracker kind', () => {
    expect(createTracker({ iouThreshold: 0.3, maxLostMs: 1500, minHits: 2 })).toBeInstanceOf(ByteTracker);
  });

  it('gives each frame a history of its own: later frames, and the bound on points, leave it as it was', () => {
    const t = tracker({ maxHistoryPoints: 3 });
    // Bottom-centre of a 40 px wide box at x = 100 + 10 i (the filtered box: within a pixel).
    const xs = (tr: Track) => tr.history.map((p) => Math.round(p.x));
    const car = (i: number) => [det('car', 100 + i * 10, 100)];
    const second = run(t, [car(0), car(1)])[1]![0]!;
    expect(xs(second)).toEqual([120, 130]);
    const sixth = run(t, [car(2), car(3), car(4), car(5)], 2 * FRAME_MS)[3]![0]!;
    expect(xs(sixth)).toEqual([150, 160, 170]);
    expect(xs(second), 'an earlier snapshot after the tracker appended and dropped points').toEqual([120, 130]);
    // A rule changing a snapshot's history cannot reach the tracker's.
    sixth.history.length = 0;
    expect(xs(t.update([det('car', 160, 100)], 6 * FRAME_MS)[0]!)).toEqual([160, 170, 180]);
  });

  it('confirms a track at its minHits-th match and keeps one id while it moves', () => {
    const t = tracker();
    const frames = run(t, Array.from({ length: 20 }, (_, i) => [det('person', 100 + i * 8, 100 + i * 2)]));
    expect(frames[0]).toEqual([]);
    expect(new Set(frames.slice(1).flat().map((tr) => tr.id))).toEqual(new Set([1]));
    const last = frames[19]![0]!;
    expect(last.hits).toBe(20);
    expect(last.firstSeenMs).toBe(0);
    // Kalman velocity and window motion both say 40 px/s right, 10 px/s down.
    expect(last.velocityPxPerS!.x).toBeCloseTo(40, -1);
    expect(last.velocityPxPerS!.y).toBeCloseTo(10, -1);
    expect(last.speedPxPerS).toBeCloseTo(Math.hypot(40, 10), -1);
    expect(last.headingDeg).toBeCloseTo((Math.atan2(10, 40) * 180) / Math.PI, -1);
  });

  it('second stage: a low-score box continues a tracked object (partial occlusion) but never starts one', () => {
    const t = tracker();
    const frames = run(t, [
      [det('person', 100, 100, 0.9)],
      [det('person', 104, 100, 0.9)],
      [det('person', 108, 100, 0.3)], // half hidden: confidence drops below the high threshold
      [det('person', 112, 100, 0.25)],
      [det('person', 116, 100, 0.9)],
      [det('person', 400, 100, 0.3)], // a low-score box far away: no new track
      [det('person', 400, 100, 0.3)],
    ]);
    expect(ids(frames).slice(1, 5)).toEqual([[1], [1], [1], [1]]);
    expect(frames[2]![0]!.score).toBe(0.3);
    expect(ids(frames).slice(5)).toEqual([[], []]);
  });

  it('the iou tracker, given the same boxes above its threshold only, loses the id in the same scene', () => {
    // The same occlusion with only high-score boxes (what a 0.5 detector threshold leaves): 2 frames missing.
    const t = tracker();
    const frames = run(t, [[det('person', 100, 100)], [det('person', 104, 100)], [], [], [det('person', 116, 100)]]);
    // ByteTrack's lost buffer still keeps the id here; this checks the buffer, the test above the low stage.
    expect(ids(frames)[4]).toEqual([1]);
  });

  it('keeps the id through an occlusion within maxLostMs and starts a new one after it', () => {
    const t = tracker({ maxLostMs: 1000 });
    const seen = run(t, [
      [det('car', 100, 100)],
      [det('car', 110, 100)],
      [det('car', 120, 100)],
      [], [], [], // 600 ms hidden; the prediction keeps moving it
      [det('car', 160, 100)],
    ]);
    expect(ids(seen).at(-1)).toEqual([1]);
    const t2 = tracker({ maxLostMs: 1000 });
    const later = run(t2, [[det('car', 100, 100)], [det('car', 100, 100)], [], [], [], [], [], [], [det('car', 100, 100)], [det('car', 100, 100)]]);
    // Hidden 1.2 s > 1 s: the old track expired; the box starts a tentative track, confirmed with id 2.
    expect(ids(later).slice(-2)).toEqual([[], [2]]);
  });

  it('finds a stopped object again at its last box even when the prediction has drifted away', () => {
    const t = tracker({ maxLostMs: 1500 });
    const frames = run(t, [
      [det('car', 100, 100)],
      [det('car', 130, 100)],
      [det('car', 160, 100)],
      [], [], [], [], // braked to a stop while hidden; prediction runs ahead at 150 px/s
      [det('car', 170, 100)],
    ]);
    expect(ids(frames).at(-1)).toEqual([1]);
  });

  it('keeps the ids of two objects that cross each other (Hungarian on predicted boxes)', () => {
    const t = tracker();
    const frames: Detection[][] = [];
    for (let i = 0; i < 12; i++) frames.push([det('person', 100 + i * 20, 100), det('person', 320 - i * 20, 104)]);
    const out = run(t, frames);
    const left = out.map((f) => f.find((tr) => tr.box.x1 < 220 && tr.history.length > 1 && tr.history[0]!.x < tr.history.at(-1)!.x)?.id);
    const firstIds = out[1]!.map((tr) => [tr.id, Math.round(tr.box.x1)]);
    expect(firstIds).toHaveLength(2);
    const idMovingRight = out[1]!.find((tr) => tr.box.x1 < 200)!.id;
    for (const f of out.slice(2)) {
      const r = f.find((tr) => tr.id === idMovingRight)!;
      expect(r.history.at(-1)!.x).toBeGreaterThan(r.history[0]!.x);
    }
    expect(left.filter((x) => x !== undefined).length).toBeGreaterThan(0);
  });

  it('keeps the id when the detector hesitates between look-alike classes, and reports the majority class', () => {
    const t = tracker();
    const classes = ['car', 'truck', 'car', 'car', 'truck', 'car', 'car'];
    const frames = run(t, classes.map((c, i) => [det(c, 100 + i * 5, 100)]));
    expect(new Set(frames.slice(1).flat().map((tr) => tr.id))).toEqual(new Set([1]));
    expect(frames.at(-1)![0]!.className).toBe('car');
    // A person box at the same place never continues a car track.
    const t2 = tracker();
    const f2 = run(t2, [[det('car', 100, 100)], [det('car', 100, 100)], [det('person', 100, 100)], [det('person', 100, 100)]]);
    expect(ids(f2)).toEqual([[], [1], [], [2]]);
  });

  it('does not start a second track from a duplicate box of another class on the same object', () => {
    const t = tracker();
    // Class-aware NMS leaves a car box and a truck box on one taxi.
    const frames = run(t, Array.from({ length: 5 }, () => [det('car', 100, 100, 0.8), det('truck', 101, 101, 0.6)]));
    expect(frames.at(-1)!.map((tr) => tr.id)).toEqual([1]);
  });

  it('drops a one-frame false positive without spending an id', () => {
    const t = tracker();
    const frames = run(t, [[det('person', 500, 50)], [], [det('person', 100, 100)], [det('person', 102, 100)]]);
    expect(ids(frames)).toEqual([[], [], [], [1]]);
  });

  it('hands out copies: changing a returned track does not change the tracker', () => {
    const t = tracker();
    run(t, [[det('person', 100, 100)]]);
    const [a] = t.update([det('person', 102, 100)], FRAME_MS);
    a!.box.x1 = -999;
    a!.history.length = 0;
    const [b] = t.update([det('person', 104, 100)], 2 * FRAME_MS);
    expect(b!.box.x1).toBeGreaterThan(90);
    expect(b!.history).toHaveLength(3);
  });
});
