import { describe, expect, it } from 'vitest';
import type { Detection } from '../../../agent/detection/types.js';
import { changedAreas, coveredBy, mergeFocusedTiles, TileFocus, tilesToRun } from '../../../agent/ops/tile-focus.js';

// Two 416 px windows over a 640x480 frame, sharing the band x 224..416 (the plan of the Saigon clip's kind).
const LEFT = { x: 0, y: 0, width: 416, height: 480 };
const RIGHT = { x: 224, y: 0, width: 416, height: 480 };
const PLAN = [LEFT, RIGHT];
const box = (x1: number, y1: number, x2: number, y2: number) => ({ x1, y1, x2, y2 });
const det = (b: ReturnType<typeof box>, className = 'motorcycle', score = 0.8): Detection => ({ classId: className === 'car' ? 2 : 3, className, score, box: b });

describe('changedAreas', () => {
  it('keeps the moving regions and adds each moving track from its last box to where it should be now', () => {
    const regions = [box(10, 10, 40, 40)];
    const moving = { box: box(100, 100, 120, 140), lastSeenMs: 1000, velocityPxPerS: { x: 100, y: 0 }, history: [], speedPxPerS: 100 };
    const parked = { box: box(300, 300, 380, 340), lastSeenMs: 1000, velocityPxPerS: { x: 1, y: 0 }, history: [], speedPxPerS: 1 };
    const fresh = { box: box(500, 50, 520, 90), lastSeenMs: 1000, history: [] };
    // 200 ms later the moving track is 20 px further right: the area spans both boxes. The parked one adds
    // nothing; one of unknown speed counts as moving (as the gate counts it), unmoved.
    expect(changedAreas(regions, [moving, parked, fresh], 1200)).toEqual([box(10, 10, 40, 40), box(100, 100, 140, 140), box(500, 50, 520, 90)]);
  });
});

describe('tilesToRun', () => {
  it('runs one window for an object in the shared band, the one window that holds an object outside it', () => {
    expect(tilesToRun(PLAN, [box(300, 200, 330, 240)], 0)).toEqual([0]);
    expect(tilesToRun(PLAN, [box(500, 200, 530, 240)], 0)).toEqual([1]);
    expect(tilesToRun(PLAN, [box(20, 200, 50, 240)], 0)).toEqual([0]);
  });

  it('picks the fewest windows: one holding both of two areas rather than one per area', () => {
    // The band's object is also whole in the right window, which the second object needs anyway.
    expect(tilesToRun(PLAN, [box(300, 200, 330, 240), box(500, 200, 530, 240)], 0)).toEqual([1]);
    expect(tilesToRun(PLAN, [box(20, 200, 50, 240), box(500, 200, 530, 240)], 0)).toEqual([0, 1]);
  });

  it('widens areas by the margin before asking which window holds them', () => {
    // x 390..410 fits the left window; widened by 16 px it reaches 426, past its edge at 416.
    expect(tilesToRun(PLAN, [box(390, 200, 410, 240)], 0)).toEqual([0]);
    expect(tilesToRun(PLAN, [box(390, 200, 410, 240)], 16)).toEqual([1]);
  });

  it('runs every window an area wider than one window touches, and none for an area outside the plan', () => {
    expect(tilesToRun(PLAN, [box(100, 200, 600, 240)], 0)).toEqual([0, 1]);
    // A region of the rules in the lower half: motion in the sky changes nothing there.
    const lower = [{ x: 0, y: 240, width: 416, height: 240 }, { x: 224, y: 240, width: 416, height: 240 }];
    expect(tilesToRun(lower, [box(100, 20, 200, 80)], 16)).toEqual([]);
    // An area across the plan's top border is clipped to it, and then fits one window.
    expect(tilesToRun(lower, [box(20, 200, 60, 300)], 16)).toEqual([0]);
  });
});

describe('TileFocus', () => {
  const input = (tMs: number, over: Partial<Parameters<TileFocus['choose']>[0]> = {}) => ({ plan: PLAN, reason: 'motion' as const, regions: [box(500, 200, 530, 240)], tracks: [], tMs, ...over });

  it('runs every window first and every allEverySeconds, the windows of the change in between', () => {
    const focus = new TileFocus({ allEverySeconds: 1 });
    expect(focus.choose(input(0)).run).toEqual(PLAN);
    const between = focus.choose(input(200));
    expect(between).toEqual({ run: [RIGHT], all: false, changed: [box(500, 200, 530, 240)] });
    expect(focus.choose(input(800)).all).toBe(false);
    expect(focus.choose(input(1000)).run).toEqual(PLAN);
    expect(focus.choose(input(1200)).run).toEqual([RIGHT]);
  });

  it("runs every window on the gate's re-checks and on motion without regions (a whole-scene change)", () => {
    const focus = new TileFocus({ allEverySeconds: 10 });
    focus.choose(input(0));
    expect(focus.choose(input(200, { reason: 'keep-alive', regions: [] })).all).toBe(true);
    expect(focus.choose(input(400, { reason: 'sweep', regions: [] })).all).toBe(true);
    expect(focus.choose(input(600, { regions: undefined })).all).toBe(true);
    // Moving tracks alone (the gate's active-tracks) pick windows like regions do.
    const track = { box: box(20, 200, 50, 240), lastSeenMs: 600, velocityPxPerS: { x: 0, y: 50 }, history: [], speedPxPerS: 50 };
    expect(focus.choose(input(800, { reason: 'active-tracks', regions: [], tracks: [track] })).run).toEqual([LEFT]);
    // Nothing changed inside the plan: no window.
    expect(focus.choose(input(1000, { regions: [] })).run).toEqual([]);
  });
});

describe('mergeFocusedTiles', () => {
  it('keeps the previous detections of the windows not run, replaces those the run windows saw, drops those where things moved', () => {
    const parkedRight = det(box(560, 100, 600, 130), 'car');
    const parkedLeftOld = det(box(40, 300, 80, 330), 'car');
    const movedOld = det(box(100, 200, 120, 240));
    const previous = [parkedRight, parkedLeftOld, movedOld];
    const changed = [box(100, 200, 140, 240)];
    const perTile = [{ rect: LEFT, detections: [det(box(40, 300, 80, 331), 'car', 0.9), det(box(120, 200, 140, 240))] }];
    const merged = mergeFocusedTiles(perTile, previous, changed, 0.45);
    expect(merged.map((d) => d.box)).toEqual([box(560, 100, 600, 130), box(40, 300, 80, 331), box(120, 200, 140, 240)]);
  });

  it('drops a piece a run window cuts from an object kept whole from the window not run', () => {
    // A parked car across the left window's right edge (x 416), seen whole by the right window last frame.
    const car = det(box(380, 100, 470, 150), 'car');
    const piece = det(box(380, 100, 416, 150), 'car', 0.6);
    const bike = det(box(20, 300, 40, 340));
    const merged = mergeFocusedTiles([{ rect: LEFT, detections: [piece, bike] }], [car], [box(20, 300, 40, 340)], 0.45);
    expect(merged).toEqual([car, bike]);
  });
});

describe('coveredBy', () => {
  it('answers for the union of windows, not each window alone', () => {
    const b = box(100, 100, 600, 150);
    expect(coveredBy(b, PLAN)).toBe(true);
    expect(coveredBy(b, [LEFT])).toBe(false);
    expect(coveredBy(b, [{ x: 0, y: 0, width: 300, height: 480 }, { x: 320, y: 0, width: 320, height: 480 }])).toBe(false);
  });
});
