import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cameraSchema, configSchema } from '../../agent/config/schema.js';
import type { Detector } from '../../agent/detection/types.js';
import type { Frame } from '../../agent/frames/types.js';
import { buildRules } from '../../agent/rules/index.js';
import { createTracker, trackerOptionsFromConfig } from '../../agent/tracking/index.js';
import { detectClip, openTestDetector, runRules, type DetectedClip } from '../helpers/clip-frames.js';
import { videoPath } from '../helpers/data.js';

/**
 * The static-object detector on more than ten minutes of normal street footage: every fixed street camera
 * of the data folder, each clip played forwards then backwards up to 90 s (as rules-tamper-real.test.ts
 * does), with the real detector and tracker, dumping and object_left on the whole frame at their defaults
 * (dumping from pixels alone; object_left from bags and pixels). Cars queue at lights, motorbikes wait at
 * stop lines, people stand on pavements, shadows move with traffic: none of it is a dumped or left object.
 * 2.5 analysed frames/s instead of 5 keeps the detector's share of the test near half a minute; the rules
 * count time, not frames.
 */
const FPS = 2.5;
const PLAYED_S = 90;
const CLIPS = [
  'highway_traffic_degirum.mp4', 'id_boulevard_motorbikes.mp4', 'intel_car_lane_topdown.mp4', 'residential_street_ahmetozlu.mp4',
  'vn_saigon_intersection.mp4', 'vn_stopline_queue.mp4', 'plaza_overhead_pedestrians.mp4',
];

const camera = cameraSchema.parse({
  id: 'street',
  source: { file: 'x.mp4' },
  rules: [
    { id: 'dump', type: 'dumping', detector: 'static-pixels' },
    { id: 'left', type: 'object_left' },
  ],
});

/** The clip forwards, backwards, forwards… up to `seconds`, detections following their frames. */
function pingPong(clip: DetectedClip, seconds: number): DetectedClip {
  const n = clip.frames.length;
  const count = Math.max(n, Math.round(seconds * FPS));
  const frames: Frame[] = [];
  const detections: DetectedClip['detections'] = [];
  for (let k = 0; k < count; k++) {
    const p = k % (2 * n);
    const src = p < n ? p : 2 * n - 1 - p;
    frames.push({ ...clip.frames[src]!, seq: k, capturedAtMs: Math.round((k * 1000) / FPS) });
    detections.push(clip.detections[src]!);
  }
  return { ...clip, frames, detections };
}

describe('static objects on normal street footage', () => {
  let detector: Detector;
  beforeAll(async () => {
    detector = await openTestDetector(configSchema.parse({}).tracking.lowScoreThreshold);
  });
  afterAll(async () => {
    await detector?.close();
  });

  it('more than 10 minutes from seven fixed street cameras raise no dumping and no object_left', async () => {
    const tracking = configSchema.parse({}).tracking;
    let playedS = 0;
    const raised: unknown[] = [];
    for (const name of CLIPS) {
      const clip = pingPong(await detectClip(videoPath(name), { fps: FPS, width: 640 }, detector), PLAYED_S);
      playedS += clip.frames.length / FPS;
      const rules = buildRules(camera, { width: clip.width, height: clip.height });
      const { hits } = await runRules(clip, createTracker(trackerOptionsFromConfig(tracking)), rules);
      raised.push(...hits.filter((h) => h.phase === 'start').map((h) => [name, h.ruleId, h.className, h.tMs / 1000, h.box]));
    }
    expect(playedS).toBeGreaterThan(600);
    expect(raised).toEqual([]);
  }, 300_000);
});
