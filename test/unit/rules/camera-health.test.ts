import { describe, expect, it } from 'vitest';
import { CameraBlackoutRule, CameraDefocusRule, CameraTamperRule } from '../../../agent/rules/camera-health.js';
import { computeFrameStats, frameStats } from '../../../agent/rules/frame-stats.js';
import { Schedule } from '../../../agent/rules/schedule.js';
import type { RuleHit } from '../../../agent/rules/types.js';
import type { RgbImage } from '../../../agent/detection/types.js';
import type { Track } from '../../../agent/tracking/types.js';

const W = 640;
const H = 452;
const FRAME_MS = 200;

/** A textured scene: smooth large-scale shading plus fine detail from a deterministic hash, seeded per scene. */
function scene(seed: number, brightness = 0): RgbImage {
  const data = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const h = Math.imul((x + 13 * seed) * 374761393 + (y + 7 * seed) * 668265263, 1274126177) >>> 24;
      // Large-scale layout (what the tamper cells see) differs per seed; the hash adds fine detail.
      const base = 110 + 70 * Math.sin(x / (45 + 11 * seed) + seed) * Math.cos(y / (38 + 5 * seed) - seed) + (h >> 2);
      const v = Math.max(0, Math.min(255, base + brightness));
      const o = (y * W + x) * 3;
      data[o] = v;
      data[o + 1] = Math.max(0, Math.min(255, v - 10));
      data[o + 2] = Math.max(0, Math.min(255, v + 10));
    }
  }
  return { width: W, height: H, data };
}

/** A 9×9 box blur (what a lens knocked out of focus roughly does). */
function blur(img: RgbImage, r = 4): RgbImage {
  const { width, height, data } = img;
  const tmp = new Float32Array(width * height * 3);
  const out = Buffer.alloc(data.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) {
        let s = 0;
        let n = 0;
        for (let d = -r; d <= r; d++) {
          const xx = x + d;
          if (xx < 0 || xx >= width) continue;
          s += data[(y * width + xx) * 3 + c]!;
          n++;
        }
        tmp[(y * width + x) * 3 + c] = s / n;
      }
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) {
        let s = 0;
        let n = 0;
        for (let d = -r; d <= r; d++) {
          const yy = y + d;
          if (yy < 0 || yy >= height) continue;
          s += tmp[(yy * width + x) * 3 + c]!;
          n++;
        }
        out[(y * width + x) * 3 + c] = Math.round(s / n);
      }
  return { width, height, data: out };
}

const black = (): RgbImage => ({ width: W, height: H, data: Buffer.alloc(W * H * 3, 4) });
/** The same scene with a small moving object (traffic): must not look like tampering. */
function withObject(img: RgbImage, i: number): RgbImage {
  const data = Buffer.from(img.data);
  const x0 = (i * 23) % (W - 80);
  for (let y = 200; y < 260; y++) for (let x = x0; x < x0 + 80; x++) data.fill(30, (y * W + x) * 3, (y * W + x) * 3 + 3);
  return { width: W, height: H, data };
}

/** The scene dimmed to night (×0.3) with a car's two headlights and their glare cone sweeping across it. */
function headlights(img: RgbImage, i: number): RgbImage {
  const data = Buffer.from(img.data.map((v) => Math.round(v * 0.3)));
  const cx = (i * 37) % W;
  for (let y = 180; y < H; y++)
    for (let x = 0; x < W; x++) {
      const dx = x - cx;
      const lamp = Math.min((dx - 30) ** 2, (dx + 30) ** 2) + (y - 220) ** 2 < 15 ** 2;
      const cone = y > 230 && Math.abs(dx) < (y - 230) * 0.8;
      if (lamp || cone) data.fill(lamp ? 255 : 200, (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  return { width: W, height: H, data };
}

/** Heavy rain: 400 bright streaks (1 px wide, 12 px long, slanted) at new places every frame. */
function rain(img: RgbImage, i: number): RgbImage {
  const data = Buffer.from(img.data);
  for (let s = 0; s < 400; s++) {
    const h = Math.imul(s * 2654435761 + i * 40503, 1274126177) >>> 0;
    const x0 = h % W;
    const y0 = (h >>> 10) % H;
    for (let t = 0; t < 12; t++) {
      const x = x0 + (t >> 2);
      const y = y0 + t;
      if (x >= W || y >= H) break;
      const o = (y * W + x) * 3;
      for (let c = 0; c < 3; c++) data[o + c] = Math.min(255, data[o + c]! + 60);
    }
  }
  return { width: W, height: H, data };
}

type Frames = Array<(i: number) => RgbImage>;
function play(rule: { evaluate: CameraBlackoutRule['evaluate'] }, seq: Frames | ((i: number) => RgbImage), n: number): RuleHit[] {
  const hits: RuleHit[] = [];
  for (let i = 0; i < n; i++) {
    const img = typeof seq === 'function' ? seq(i) : seq[i]!(i);
    hits.push(...rule.evaluate([], i * FRAME_MS, { frame: img }));
  }
  return hits;
}
const ev = (hits: RuleHit[]) => hits.filter((h) => h.phase !== 'update').map((h) => [h.phase, h.tMs, h.reason]);

const A = scene(1);
const B = scene(4);
const Ablur = blur(A);
const dark = black();

describe('frame stats', () => {
  it('sees texture, uniformity and blur on a 320-px grey copy', () => {
    const s = computeFrameStats(A);
    expect(s.width).toBe(320);
    expect(s.height).toBe(226);
    expect(s.stdDev).toBeGreaterThan(20);
    expect(computeFrameStats(dark).stdDev).toBeLessThan(1);
    expect(computeFrameStats(Ablur).sharpness).toBeLessThan(0.2 * s.sharpness);
    expect(s.cells).toHaveLength(48);
  });

  it('is computed once per frame buffer (shared by the health rules)', () => {
    const first = frameStats(A);
    expect(frameStats(A)).toBe(first);
    expect(frameStats(scene(11))).not.toBe(first);
  });
});

describe('camera_blackout', () => {
  const rule = () => new CameraBlackoutRule({ id: 'black', minMs: 2_000, severity: 'high', maxStdDev: 8 });

  it('opens after the image has been uniform for minSeconds and ends once it is back', () => {
    const hits = play(rule(), (i) => (i >= 10 && i < 40 ? dark : A), 70);
    expect(ev(hits)).toEqual([
      ['start', 4000, 'uniform'], // uniform from 2000, + 2 s
      ['end', 11_000, 'uniform'], // normal again from 8000, + 3 s (DEFAULT_HEALTH_CLEAR_MS)
    ]);
    const start = hits.find((h) => h.phase === 'start')!;
    expect(start).toMatchObject({ ruleType: 'camera_blackout', category: 'health', trackId: 0, className: 'camera', box: { x1: 0, y1: 0, x2: W, y2: H } });
    expect(start.metrics!.stdDev).toBeLessThan(8);
  });

  it('follows its schedule: a black night outside the window raises nothing, and the window closing ends the incident', () => {
    const t0 = Date.UTC(2026, 0, 5, 0, 0, 0); // Mon 07:00 local; window 07:00–07:01
    const r = new CameraBlackoutRule({ id: 'black', minMs: 2_000, severity: 'high', maxStdDev: 8, schedule: new Schedule([{ days: ['mon'], from: '07:00', to: '07:01' }], 'Asia/Ho_Chi_Minh') });
    const hits: RuleHit[] = [];
    for (let k = 0; k < 90; k++) hits.push(...r.evaluate([], t0 + k * 1000, { frame: dark }));
    expect(ev(hits).map(([p, t]) => [p, ((t as number) - t0) / 1000])).toEqual([
      ['start', 2],
      ['end', 60],
    ]);
  });

  it('ignores a short dropout and needs the frame in the context', () => {
    expect(play(rule(), (i) => (i >= 10 && i < 15 ? dark : A), 40)).toEqual([]);
    expect(rule().evaluate([], 0)).toEqual([]);
  });
});

describe('camera_tamper', () => {
  const rule = (relearnMs = 20_000) => new CameraTamperRule({ id: 'tamper', minMs: 2_000, severity: 'high', changedFraction: 0.5, relearnMs });
  /** A with the rectangle [x1, x2) × [y1, y2) replaced by another textured scene (a cover, or a bus). */
  function covered(x1: number, y1: number, x2: number, y2: number): RgbImage {
    const other = scene(7);
    const data = Buffer.from(A.data);
    for (let y = y1; y < y2; y++) other.data.copy(data, (y * W + x1) * 3, (y * W + x1) * 3, (y * W + x2) * 3);
    return { width: W, height: H, data };
  }
  const track = (x1: number, y1: number, x2: number, y2: number) =>
    ({ id: 1, className: 'bus', score: 0.8, box: { x1, y1, x2, y2 } }) as unknown as Track;

  it('another view that persists opens an incident after the warm-up; going back ends it', () => {
    const hits = play(rule(), (i) => (i >= 40 && i < 70 ? B : A), 100);
    expect(ev(hits)).toEqual([
      ['start', 10_000, 'scene_change'], // changed from 8000, + 2 s
      ['end', 17_000, 'scene_change'], // back from 14 000, + 3 s
    ]);
    expect(hits.find((h) => h.phase === 'start')!.metrics!.changedFraction).toBeGreaterThan(0.5);
  });

  it('judges nothing during the first 5 s of learning', () => {
    expect(play(rule(), (i) => (i >= 5 ? B : A), 24)).toEqual([]);
  });

  it('moving traffic, a brightness or contrast change of the whole scene and a brief glitch are not tampering', () => {
    expect(play(rule(), (i) => withObject(A, i), 50)).toEqual([]);
    expect(play(rule(), (i) => (i < 30 ? A : scene(1, 40)), 60)).toEqual([]);
    const dusk: RgbImage = { width: W, height: H, data: Buffer.from(A.data.map((v) => Math.round(v * 0.35))) };
    expect(play(rule(), (i) => (i < 30 ? A : dusk), 60)).toEqual([]);
    expect(play(rule(), (i) => (i >= 30 && i < 35 ? B : A), 60)).toEqual([]);
  });

  it('a cover over 3/4 of the view opens an incident; the same area hidden by a tracked bus does not', () => {
    const cover = covered(40, 40, 600, 400);
    expect(ev(play(rule(), (i) => (i >= 30 ? cover : A), 50))).toEqual([['start', 8000, 'scene_change']]);
    const r = rule();
    const hits: RuleHit[] = [];
    for (let i = 0; i < 50; i++) hits.push(...r.evaluate(i >= 30 ? [track(40, 40, 600, 400)] : [], i * FRAME_MS, { frame: i >= 30 ? cover : A }));
    expect(hits).toEqual([]);
  });

  it('a view that is half plain asphalt, covered over its plain half and a little more: the new edges open it', () => {
    // Left half the textured scene, right half plain grey (asphalt); the cover (another texture) from x = 240.
    const plain = Buffer.from(A.data);
    for (let y = 0; y < H; y++) plain.fill(120, (y * W + W / 2) * 3, (y + 1) * W * 3);
    const half: RgbImage = { width: W, height: H, data: plain };
    const other = scene(7);
    const data = Buffer.from(plain);
    for (let y = 0; y < H; y++) other.data.copy(data, (y * W + 240) * 3, (y * W + 240) * 3, (y + 1) * W * 3);
    const cover: RgbImage = { width: W, height: H, data };
    const hits = play(rule(), (i) => (i >= 30 ? cover : half), 50);
    expect(ev(hits)).toEqual([['start', 8000, 'scene_change']]);
    const m = hits.find((h) => h.phase === 'start')!.metrics!;
    // The structured cells lost are under half of those judged: the old count alone would not have opened it.
    expect(m.lostCells! / m.judgedCells!).toBeLessThan(0.5);
    expect(m.newCells).toBeGreaterThan(m.lostCells!);
    expect(m.changedFraction).toBeGreaterThanOrEqual(0.5);
    // Plain asphalt crossed by a dark vehicle is not new structure for long enough to count.
    expect(play(rule(), (i) => withObject(half, i), 50)).toEqual([]);
    // Headlights at night sweeping over the asphalt, and rain streaks falling over the whole view, neither.
    expect(play(rule(), (i) => (i < 25 ? half : headlights(half, i)), 60)).toEqual([]);
    expect(play(rule(), (i) => (i < 25 ? half : rain(half, i)), 60)).toEqual([]);
  });

  it('accepts a change lasting relearnSeconds as the new view and ends the incident', () => {
    const hits = play(rule(6_000), (i) => (i >= 30 ? B : A), 100);
    expect(ev(hits)).toEqual([
      ['start', 8000, 'scene_change'],
      ['end', 12_000, 'scene_change'],
    ]);
  });
});

describe('camera_defocus', () => {
  const rule = () => new CameraDefocusRule({ id: 'focus', minMs: 2_000, severity: 'medium', sharpnessRatio: 0.4 });

  it('opens when sharpness collapses against the learned baseline, ends when it recovers', () => {
    const hits = play(rule(), (i) => (i >= 40 && i < 70 ? Ablur : A), 100);
    expect(ev(hits)).toEqual([
      ['start', 10_000, 'blur'],
      ['end', 17_000, 'blur'],
    ]);
    const m = hits.find((h) => h.phase === 'start')!.metrics!;
    expect(m.sharpness).toBeLessThan(0.4 * m.baseline!);
  });

  it('does not judge before the baseline has been learned, and leaves uniform frames to blackout', () => {
    expect(play(rule(), (i) => (i >= 3 ? Ablur : A), 20)).toEqual([]);
    expect(play(rule(), (i) => (i >= 40 ? dark : A), 80)).toEqual([]);
  });
});
