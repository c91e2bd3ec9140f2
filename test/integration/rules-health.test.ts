import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { cameraSchema } from '../../agent/config/schema.js';
import type { Frame } from '../../agent/frames/types.js';
import { IncidentLifecycle } from '../../agent/incidents/lifecycle.js';
import { buildRules } from '../../agent/rules/index.js';
import type { RuleHit } from '../../agent/rules/types.js';
import { decodeClip, type Clip } from '../helpers/clip-frames.js';
import { videoPath } from '../helpers/data.js';

/**
 * Camera health rules on real frames: the Saigon clip as the camera's normal view (5 fps, 640x452),
 * with the failures made from it — the picture going black, the same frames out of focus, the camera
 * suddenly looking at another street (the residential clip stretched to the same size). No detector:
 * these rules read pixels only. Expected times: docs/rules.md ("Camera health").
 */
const FPS = 5;
const FRAME_MS = 1000 / FPS;

let saigon: Clip;
let elsewhere: Clip;

beforeAll(async () => {
  saigon = await decodeClip(videoPath('vn_saigon_intersection.mp4'), { fps: FPS, width: 640 });
  elsewhere = await decodeClip(videoPath('residential_street_ahmetozlu.mp4'), { fps: FPS, width: 640, height: 452, durationSeconds: 10 });
});

const camera = cameraSchema.parse({
  id: 'hcm-le-loi',
  source: { file: 'vn_saigon_intersection.mp4' },
  rules: [
    { id: 'black', type: 'camera_blackout', minSeconds: 2 },
    { id: 'moved', type: 'camera_tamper', minSeconds: 2 },
    { id: 'blur', type: 'camera_defocus', minSeconds: 2 },
  ],
});

/** Frame k of a sequence built from `pick(k)`, timed k · 200 ms. */
function sequence(n: number, pick: (k: number) => Buffer): Frame[] {
  return Array.from({ length: n }, (_, k) => ({ cameraId: 'hcm-le-loi', seq: k, capturedAtMs: k * FRAME_MS, width: 640, height: 452, data: pick(k) }));
}

function play(frames: Frame[]): RuleHit[] {
  const rules = buildRules(camera, { width: 640, height: 452 });
  return frames.flatMap((f) => rules.flatMap((r) => r.evaluate([], f.capturedAtMs, { frame: f })));
}

const events = (hits: RuleHit[]) => hits.filter((h) => h.phase !== 'update').map((h) => [h.ruleId, h.phase, h.tMs / 1000]);
/** The real clip played forwards then backwards: a seamless 20 s of the normal view. */
const normal = (k: number) => saigon.frames[k % 102 < 51 ? k % 51 : 101 - (k % 102)]!.data;

describe('camera health on real frames', () => {
  it('the normal view raises nothing over 20 s', () => {
    expect(play(sequence(100, normal))).toEqual([]);
  });

  it('blackout: black from 6 s to 12 s → opens at 8 s, ends 3 s after the picture is back', () => {
    const dark = Buffer.alloc(640 * 452 * 3, 6);
    const hits = play(sequence(100, (k) => (k >= 30 && k < 60 ? dark : normal(k))));
    expect(events(hits)).toEqual([
      ['black', 'start', 8],
      ['black', 'end', 15],
    ]);
  });

  it('defocus: the same view blurred from 8 s on → opens 2 s later and stays open', async () => {
    const blurred = await Promise.all(
      saigon.frames.map((f) => sharp(f.data, { raw: { width: 640, height: 452, channels: 3 } }).blur(3).raw().toBuffer()),
    );
    const hits = play(sequence(100, (k) => (k >= 40 ? blurred[k % 102 < 51 ? k % 51 : 101 - (k % 102)]! : normal(k))));
    const ev = events(hits);
    expect(ev).toEqual([['blur', 'start', 10]]);
    const start = hits.find((h) => h.phase === 'start')!;
    expect(start.metrics!.sharpness!).toBeLessThan(0.4 * start.metrics!.baseline!);
  });

  it('tamper: the camera suddenly sees another street from 6 s → opens at 8 s; back at 14 s → ends at 17 s', () => {
    const hits = play(sequence(100, (k) => (k >= 30 && k < 70 ? elsewhere.frames[k - 30]!.data : normal(k))));
    expect(events(hits)).toEqual([
      ['moved', 'start', 8],
      ['moved', 'end', 17],
    ]);
  });

  it('through the lifecycle: one camera-level incident with the whole frame as bbox and the reason', async () => {
    const dark = Buffer.alloc(640 * 452 * 3, 6);
    const frames = sequence(100, (k) => (k >= 30 && k < 60 ? dark : normal(k)));
    const rules = buildRules(camera, { width: 640, height: 452 });
    const lifecycle = new IncidentLifecycle({ agentId: 'edge', camera, snapshot: false });
    const statuses: string[] = [];
    for (const f of frames) {
      for (const r of await lifecycle.handle(rules.flatMap((rule) => rule.evaluate([], f.capturedAtMs, { frame: f })), f)) {
        statuses.push(r.incident.status);
        expect(r.incident).toMatchObject({ type: 'camera_blackout', category: 'health', bbox: [0, 0, 1, 1], reason: 'uniform', title: { en: 'Camera image blacked out' } });
      }
    }
    expect(statuses).toEqual(['new', 'end']);
  });
});
