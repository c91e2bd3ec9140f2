import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.js';
import type { Box, Detection } from '../../../agent/detection/types.js';
import { ByteTracker } from '../../../agent/tracking/bytetrack.js';
import { RiderClassVote } from '../../../agent/tracking/class-vote.js';
import { ridersFor, trackerOptionsFromConfig } from '../../../agent/tracking/create.js';
import { fuseRiders, movesLikeAVehicle, ridesOn, type RiderOptions } from '../../../agent/tracking/rider-fusion.js';
import type { Track, TrackPoint } from '../../../agent/tracking/types.js';

const FRAME_MS = 200; // 5 fps, the default analysis rate
const CLASS_IDS: Record<string, number> = { person: 0, bicycle: 1, car: 2, motorcycle: 3 };
const RIDERS: RiderOptions = { classIds: { motorcycle: 3, bicycle: 1 } };

function det(className: string, box: Box, score = 0.8): Detection {
  return { classId: CLASS_IDS[className]!, className, score, box };
}
const box = (x: number, y: number, w: number, h: number): Box => ({ x1: x, y1: y, x2: x + w, y2: y + h });

/** A rider seen from behind, as YOLOX-nano boxes them on the Hanoi clip: person over the whole vehicle, a weak bike box on its lower part. */
function riderFromBehind(x: number, y: number, personScore = 0.7, bikeScore = 0.19): Detection[] {
  return [det('person', box(x, y, 30, 66), personScore), det('motorcycle', box(x + 3, y + 38, 26, 30), bikeScore)];
}

function tracker(): ByteTracker {
  return new ByteTracker({ highScoreThreshold: 0.35, lowScoreThreshold: 0.1, minHits: 2, maxLostMs: 1500, riders: RIDERS });
}

function run(t: ByteTracker, frames: Detection[][]): Track[][] {
  return frames.map((dets, i) => t.update(dets, i * FRAME_MS));
}

describe('fuseRiders (one frame)', () => {
  it('a rider on a low-score motorbike box becomes one motorcycle: the union box, the best score, riders 1', () => {
    const out = fuseRiders(riderFromBehind(100, 100));
    expect(out).toHaveLength(1);
    expect(out[0]).toEqual({ classId: 3, className: 'motorcycle', score: 0.7, box: box(100, 100, 30, 68), riders: 1 });
  });

  it('a rider seen from the side: the bike box wider than the rider, under their legs', () => {
    const person = box(120, 50, 30, 70); // torso and legs
    const bike = box(100, 85, 70, 45); // wheels reach below the feet
    expect(ridesOn(person, bike)).toBe(true);
    const out = fuseRiders([det('person', person, 0.6), det('bicycle', bike, 0.5)]);
    expect(out).toEqual([{ classId: 1, className: 'bicycle', score: 0.6, box: box(100, 50, 70, 80), riders: 1 }]);
  });

  it('a pedestrian standing beside a parked motorbike stays a person; the bike stays riderless', () => {
    const person = det('person', box(100, 100, 30, 80));
    const bike = det('motorcycle', box(132, 140, 50, 40), 0.6); // kerb-side, touching the pedestrian's box
    expect(ridesOn(person.box, bike.box)).toBe(false);
    expect(fuseRiders([person, bike])).toEqual([person, bike]);
  });

  it('a pedestrian walking in front of a parked motorbike (feet well below its wheels) is not its rider', () => {
    const person = box(110, 100, 30, 90); // feet at 190
    const bike = box(100, 120, 50, 40); // wheels at 160, further from the camera
    expect(ridesOn(person, bike)).toBe(false);
  });

  it('two riders on one motorbike: one motorcycle, riders 2', () => {
    const out = fuseRiders([
      det('person', box(100, 100, 30, 66), 0.7), // driver
      det('person', box(104, 96, 28, 60), 0.5), // passenger behind, slightly higher
      det('motorcycle', box(102, 130, 30, 38), 0.3),
    ]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ className: 'motorcycle', riders: 2, score: 0.7 });
  });

  it('two boxes the detector put on one bike (motorcycle and bicycle) give one vehicle', () => {
    const out = fuseRiders([
      det('person', box(100, 100, 30, 66), 0.7),
      det('motorcycle', box(102, 130, 28, 38), 0.3),
      det('bicycle', box(101, 134, 28, 34), 0.15),
    ]);
    expect(out).toEqual([{ classId: 3, className: 'motorcycle', score: 0.7, box: box(100, 100, 30, 68), riders: 1 }]);
  });

  it('two motorbikes side by side in a queue: each rider goes to the bike under them', () => {
    const out = fuseRiders([...riderFromBehind(100, 100), ...riderFromBehind(136, 102)]);
    expect(out.map((d) => [d.className, d.riders, d.box.x1])).toEqual([
      ['motorcycle', 1, 100],
      ['motorcycle', 1, 136],
    ]);
  });

  it('leaves other classes and a frame without two-wheelers untouched', () => {
    const dets = [det('person', box(10, 10, 20, 40)), det('car', box(100, 100, 80, 50))];
    expect(fuseRiders(dets)).toEqual(dets);
  });
});

describe('movesLikeAVehicle', () => {
  const walk = (pxPerS: number, seconds: number): TrackPoint[] =>
    Array.from({ length: Math.round(seconds * 5) + 1 }, (_, i) => ({ tMs: i * FRAME_MS, x: 100 + (pxPerS * i * FRAME_MS) / 1000, y: 200 }));

  it('a pedestrian (0.8 heights/s) is not; a motorbike (4 heights/s) is', () => {
    expect(movesLikeAVehicle(walk(0.8 * 80, 3), 80)).toBe(false);
    expect(movesLikeAVehicle(walk(4 * 80, 3), 80)).toBe(true);
  });

  it('needs the speed over the whole window: a 0.4 s dash is not enough', () => {
    expect(movesLikeAVehicle(walk(4 * 80, 0.4), 80)).toBe(false);
  });
});

describe('ByteTracker with riders', () => {
  it('a rider whose bike box comes and goes is one motorcycle track, riders 1, from the second fused frame', () => {
    const frames = run(
      tracker(),
      Array.from({ length: 10 }, (_, i) => (i % 3 === 2 ? [det('person', box(100, 100 - i * 4, 30, 66), 0.7)] : riderFromBehind(100, 100 - i * 4))),
    );
    const tracks = frames.flat();
    expect(new Set(tracks.map((t) => t.id))).toEqual(new Set([1]));
    expect(frames[1]![0]).toMatchObject({ className: 'motorcycle', classId: 3, riders: 1 });
    // Frames where only the person was detected still report the vehicle.
    expect(frames[5]![0]).toMatchObject({ className: 'motorcycle', riders: 1 });
    expect(tracks.every((t) => t.className === 'motorcycle')).toBe(true);
  });

  it('a pedestrian walking past stays a person, with no riders', () => {
    const frames = run(tracker(), Array.from({ length: 15 }, (_, i) => [det('person', box(100 + i * 13, 100, 30, 80))]));
    const tracks = frames.flat();
    expect(tracks.length).toBeGreaterThan(10);
    expect(tracks.every((t) => t.className === 'person' && t.riders === undefined)).toBe(true);
  });

  it('a person box moving like a vehicle (no bike box ever) becomes a motorcycle and stays one when it stops at a red light', () => {
    const dets: Detection[][] = [];
    // Side-on, 40 px per frame = 200 px/s ≈ 3 heights/s of a 66 px box; then stopped for 8 s.
    for (let i = 0; i < 10; i++) dets.push([det('person', box(100 + i * 40, 100, 60, 66))]);
    for (let i = 0; i < 40; i++) dets.push([det('person', box(500, 100, 60, 66))]);
    const frames = run(tracker(), dets);
    expect(frames.slice(1, 4).flat().every((t) => t.className === 'person')).toBe(true); // < 0.8 s of motion: not yet
    expect(frames[9]![0]).toMatchObject({ className: 'motorcycle', classId: 3, riders: 1 });
    const stopped = frames.slice(10).flat();
    // The Kalman filter overshoots the sudden stop by a frame or so; the id survives it.
    expect(stopped.length).toBeGreaterThanOrEqual(38);
    expect(new Set(stopped.map((t) => t.id))).toEqual(new Set([frames[9]![0]!.id]));
    expect(stopped.every((t) => t.className === 'motorcycle' && t.riders === 1)).toBe(true);
  });

  it('a pedestrian walking along the pavement past parked motorbikes (in front of them) stays a person', () => {
    const parked = [det('motorcycle', box(200, 120, 60, 40), 0.6), det('motorcycle', box(262, 121, 60, 40), 0.5)];
    const frames = run(
      tracker(),
      Array.from({ length: 15 }, (_, i) => [det('person', box(140 + i * 12, 100, 30, 80)), ...parked]),
    );
    const walker = frames.flat().filter((t) => t.box.y2 > 170);
    expect(walker.length).toBeGreaterThan(12);
    expect(walker.every((t) => t.className === 'person' && t.riders === undefined)).toBe(true);
    expect(frames[14]!.filter((t) => t.className === 'motorcycle')).toHaveLength(2);
  });
});

describe('RiderClassVote', () => {
  it('person votes on a track with a two-wheeler seen twice do not turn it back into a person', () => {
    const v = new RiderClassVote(RIDERS, 'person', 0, 0.9);
    v.add('motorcycle', 3, 0.2, 1);
    v.add('motorcycle', 3, 0.2, 1);
    for (let i = 0; i < 20; i++) v.add('person', 0, 0.9);
    expect([v.className, v.classId, v.riders]).toEqual(['motorcycle', 3, 1]);
  });
});

describe('config', () => {
  const tracking = configSchema.parse({}).tracking;

  it('is on by default for a COCO model, with the model ids of the two-wheelers', () => {
    const coco = ['person', 'bicycle', 'car', 'motorcycle'];
    expect(trackerOptionsFromConfig(tracking, coco).riders).toMatchObject({ classIds: { bicycle: 1, motorcycle: 3 }, minOverlap: 0.5 });
  });

  it('is off when disabled, and for a model that cannot tell riders (person-only, or remapped to vehicle)', () => {
    expect(ridersFor({ ...tracking, riders: { ...tracking.riders, enabled: false } }, ['person', 'motorcycle'])).toBeUndefined();
    expect(ridersFor(tracking, ['person'])).toBeUndefined();
    expect(ridersFor(tracking, ['person', 'vehicle', 'object'])).toBeUndefined();
  });
});
