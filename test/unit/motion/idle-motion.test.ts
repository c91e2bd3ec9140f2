import { describe, expect, it } from 'vitest';
import { IdleMotionCells } from '../../../agent/motion/idle-motion.js';
import { boundingRegion } from '../../../agent/motion/motion-detector.js';

const frame = { width: 640, height: 360 };
// A tree at the top-left corner (cells of 40 x 30 px on the default 16 x 12 grid).
const tree = { x1: 5, y1: 5, x2: 75, y2: 55 };
const car = (x: number) => ({ x1: x, y1: 200, x2: x + 60, y2: 240 });

describe('IdleMotionCells', () => {
  it('makes cells idle after 10 inferences in a row with motion and nothing detected there, and lets other motion through', () => {
    const idle = new IdleMotionCells();
    for (let i = 0; i < 9; i++) idle.observe([tree], [], frame, i * 200);
    expect(idle.live([tree], frame, 1_800)).toEqual([tree]);
    idle.observe([tree], [], frame, 1_800);
    expect(idle.live([tree], frame, 2_000)).toEqual([]);
    expect(idle.idleCount(2_000)).toBeGreaterThan(0);
    // A car moving elsewhere, or motion that reaches past the tree, still wakes the detector.
    expect(idle.live([tree, car(300)], frame, 2_000)).toEqual([car(300)]);
    const spill = { ...tree, x2: 200 };
    expect(idle.live([spill], frame, 2_000)).toEqual([spill]);
  });

  it('a detection over an idle cell makes it live again at once', () => {
    const idle = new IdleMotionCells();
    for (let i = 0; i < 10; i++) idle.observe([tree], [], frame, i * 200);
    expect(idle.live([tree], frame, 2_000)).toEqual([]);
    idle.observe([tree], [{ box: { x1: 20, y1: 10, x2: 60, y2: 50 } }], frame, 2_200);
    expect(idle.live([tree], frame, 2_400)).toEqual([tree]);
  });

  it('a still inference takes a miss back: a road cell where an undetected far car passes half the time stays live, a crown\'s fringe moving most of the time does not', () => {
    const idle = new IdleMotionCells();
    const far = { x1: 300, y1: 100, x2: 320, y2: 110 };
    const fringe = { x1: 500, y1: 10, x2: 520, y2: 20 };
    for (let i = 0; i < 100; i++) idle.observe([...(i % 2 === 0 ? [far] : []), ...(i % 3 === 2 ? [] : [fringe])], [], frame, i * 200);
    expect(idle.live([far], frame, 20_000)).toEqual([far]);
    expect(idle.live([fringe], frame, 20_000)).toEqual([]);
  });

  it('forgets an idle cell that has not moved for a minute', () => {
    const idle = new IdleMotionCells({ forgetMs: 60_000 });
    for (let i = 0; i < 10; i++) idle.observe([tree], [], frame, i * 200);
    expect(idle.live([tree], frame, 30_000)).toEqual([]);
    expect(idle.live([tree], frame, 62_000)).toEqual([tree]);
  });
});

describe('boundingRegion', () => {
  it('is the box around every region', () => {
    expect(boundingRegion([tree, car(300)])).toEqual({ x1: 5, y1: 5, x2: 360, y2: 240 });
  });
});
