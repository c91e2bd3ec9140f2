/**
 * The incident path of the privacy masks on a real frame: the lifecycle's pictures (new, and the pending
 * evidence of a static rule) and createIncident go through the camera's privacy step; the frame shared with
 * the detector and other incidents is left as it was.
 */
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { cameraSchema } from '../../../agent/config/schema.js';
import type { Frame } from '../../../agent/frames/types.js';
import { createIncident } from '../../../agent/incidents/create.js';
import { IncidentLifecycle } from '../../../agent/incidents/lifecycle.js';
import { createStillPrivacy } from '../../../agent/privacy/index.js';
import type { RuleHit } from '../../../agent/rules/types.js';
import { decodeClip } from '../../helpers/clip-frames.js';
import { videoPath } from '../../helpers/data.js';
import { rawRegionLevels, regionLevels } from '../../helpers/still-pixels.js';

// Top-left of the Saigon intersection: trees and parked cars, never dark.
const MASK = { id: 'shop-front', points: [[0, 0], [0.35, 0], [0.35, 0.3], [0, 0.3]] as Array<[number, number]> };
// Inside the mask with a margin for JPEG ringing at its edge, and the same size beside it.
const INSIDE = { x0: 0.02, y0: 0.02, x1: 0.33, y1: 0.28 };
const BESIDE = { x0: 0.4, y0: 0.02, x1: 0.71, y1: 0.28 };

const camera = cameraSchema.parse({ id: 'saigon', source: { file: 'x.mp4' }, privacy: { masks: [MASK] } });

function hit(o: Partial<RuleHit> = {}): RuleHit {
  return {
    ruleId: 'cross',
    ruleType: 'line_crossing',
    category: 'traffic',
    severity: 'low',
    trackId: 3,
    className: 'car',
    score: 0.8,
    box: { x1: 200, y1: 200, x2: 300, y2: 300 },
    tMs: 0,
    ...o,
  };
}

describe('privacy masks on incident stills (real frame)', () => {
  let frame: Frame;
  beforeAll(async () => {
    frame = (await decodeClip(videoPath('vn_saigon_intersection.mp4'), { fps: 1, width: 640, startSeconds: 2, durationSeconds: 1 })).frames[0]!;
    // The test means something only if the area is not dark to begin with.
    expect(rawRegionLevels(frame.data, frame.width, frame.height, INSIDE).mean).toBeGreaterThan(60);
  }, 30_000);

  it('the lifecycle blacks the mask out of new and pending pictures, and leaves the frame alone', async () => {
    const before = Buffer.from(frame.data);
    const lc = new IncidentLifecycle({ agentId: 'a', camera, privacy: createStillPrivacy(camera.privacy) });
    const [oneShot] = await lc.handle([hit()], frame);
    // A static rule's pending evidence is drawn when kept, and becomes the picture of the start.
    await lc.handle([hit({ ruleId: 'left', ruleType: 'object_left', key: 'k', phase: 'pending', evidenceBox: { x1: 320, y1: 200, x2: 360, y2: 300 } })], frame);
    const [started] = await lc.handle([hit({ ruleId: 'left', ruleType: 'object_left', key: 'k', phase: 'start', tMs: 1000 })], frame);
    for (const record of [oneShot!, started!]) {
      // The clean copy (no overlay) is masked the same way.
      expect((await regionLevels(record.cleanJpeg!, INSIDE)).mean, `${record.incident.type} clean`).toBeLessThan(8);
      const jpeg = record.snapshotJpeg!;
      expect(jpeg, record.incident.type).toBeDefined();
      const inside = await regionLevels(jpeg, INSIDE);
      expect(inside.width).toBe(640);
      expect(inside.max, record.incident.type).toBeLessThan(40);
      expect(inside.mean).toBeLessThan(8);
      expect((await regionLevels(jpeg, BESIDE)).mean).toBeGreaterThan(60);
    }
    expect(frame.data.equals(before)).toBe(true);
  });

  it('keeps the clean frame beside the boxed one: the box is drawn on a copy only', async () => {
    const lc = new IncidentLifecycle({ agentId: 'a', camera, privacy: createStillPrivacy(camera.privacy) });
    const [record] = await lc.handle([hit()], frame);
    // The top edge of the box (x 200..300 at y 200): red in the boxed picture, the street in the clean one.
    const edge = { x0: 210 / 640, y0: 199 / frame.height, x1: 290 / 640, y1: 201 / frame.height };
    const redness = async (jpeg: Buffer) => {
      const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
      let sum = 0;
      let n = 0;
      for (let y = Math.floor(edge.y0 * info.height); y < Math.ceil(edge.y1 * info.height); y++) {
        for (let x = Math.floor(edge.x0 * info.width); x < Math.ceil(edge.x1 * info.width); x++) {
          const i = (y * info.width + x) * 3;
          sum += data[i]! - (data[i + 1]! + data[i + 2]!) / 2;
          n++;
        }
      }
      return sum / n;
    };
    expect(await redness(record!.snapshotJpeg!)).toBeGreaterThan(100);
    expect(await redness(record!.cleanJpeg!)).toBeLessThan(40);
    const a = await sharp(record!.snapshotJpeg!).metadata();
    const b = await sharp(record!.cleanJpeg!).metadata();
    expect([b.width, b.height]).toEqual([a.width, a.height]);
  });

  it('a failing face detector loses the picture, never sends it unblurred (docs/operations.md)', async () => {
    const errors: unknown[] = [];
    const broken = { kind: 'face' as const, model: 'broken', detect: async () => { throw new Error('onnxruntime: out of memory'); } };
    const privacy = createStillPrivacy({ masks: [MASK], blurFaces: true, blurPlates: false }, { face: broken });
    const lc = new IncidentLifecycle({ agentId: 'a', camera, privacy, onSnapshotError: (err) => errors.push(err) });
    const [record] = await lc.handle([hit()], frame);
    expect(record!.incident.status).toBe('new');
    expect(record!.snapshotJpeg).toBeUndefined();
    expect(record!.cleanJpeg).toBeUndefined();
    expect(record!.incident.snapshot).toBeUndefined();
    expect(String(errors[0])).toMatch(/out of memory/);
  });

  it('createIncident applies the mask too; without privacy the same area is not black', async () => {
    const masked = await createIncident(hit(), frame, { agentId: 'a', camera, privacy: createStillPrivacy(camera.privacy) });
    expect((await regionLevels(masked.snapshotJpeg!, INSIDE)).mean).toBeLessThan(8);
    const plain = await createIncident(hit(), frame, { agentId: 'a', camera });
    expect((await regionLevels(plain.snapshotJpeg!, INSIDE)).mean).toBeGreaterThan(60);
  });
});
