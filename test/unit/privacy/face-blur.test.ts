/**
 * Face blur with the real YuNet model on a real frame (the lobby clip at 6 s: a young man facing the camera):
 * the face found is blurred, the incident's subject box is left exactly as it was, and a face inside the
 * subject box stays sharp. Plates: the real plate model on a Saigon frame finds the taxi's plate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box } from '../../../agent/core/index.js';
import type { Frame } from '../../../agent/frames/types.js';
import { createStillPrivacy, privacyDetectors, type PrivacyDetectors } from '../../../agent/privacy/index.js';
import { decodeClip } from '../../helpers/clip-frames.js';
import { PROJECT_ROOT, videoPath } from '../../helpers/data.js';
import { rawRegionDifference } from '../../helpers/still-pixels.js';

const px = (b: Box, w: number, h: number) => {
  const left = Math.max(0, Math.floor(b.x1));
  const top = Math.max(0, Math.floor(b.y1));
  return { left, top, width: Math.min(w, Math.ceil(b.x2)) - left, height: Math.min(h, Math.ceil(b.y2)) - top };
};

describe('face and plate blur (real models, real frames)', () => {
  let detectors: PrivacyDetectors;
  let lobby: Frame;
  let saigon: Frame;
  beforeAll(async () => {
    detectors = privacyDetectors(`${PROJECT_ROOT}/models/manifest.json`, `${PROJECT_ROOT}/models`);
    await detectors.check(['face', 'plate']);
    lobby = (await decodeClip(videoPath('lobby_abandoned_bag.mp4'), { fps: 1, width: 640, startSeconds: 6, durationSeconds: 1 })).frames[0]!;
    saigon = (await decodeClip(videoPath('vn_saigon_intersection.mp4'), { fps: 1, width: 1018, startSeconds: 2, durationSeconds: 1 })).frames[0]!;
  }, 30_000);
  afterAll(() => detectors?.close());

  it('blurs the face outside the subject and leaves the subject box untouched', async () => {
    const faces = await detectors.face.detect(lobby);
    expect(faces.length).toBeGreaterThanOrEqual(1);
    const face = faces[0]!;
    // A face box of a person 2-3 m away in a 640x480 frame: 10-40 px.
    expect(face.x2 - face.x1).toBeGreaterThan(8);
    expect(face.x2 - face.x1).toBeLessThan(60);
    // The subject: the lower left of the frame (the floor where the bag is dropped), away from the face.
    const subject = { x1: 0, y1: 300, x2: 300, y2: 480 };
    const privacy = createStillPrivacy({ masks: [], blurFaces: true, blurPlates: false }, detectors);
    const before = Buffer.from(lobby.data);
    const { image, report } = await privacy.apply(lobby, [subject]);
    expect(report.faces).toBe(faces.length);
    expect(image.data).not.toBe(lobby.data);
    // The face differs from the clean frame (blurred: mean change of several grey levels per channel)…
    expect(rawRegionDifference(image.data, lobby.data, 640, px(face, 640, 480))).toBeGreaterThan(4);
    // …the subject box is byte for byte the clean frame…
    expect(rawRegionDifference(image.data, lobby.data, 640, px(subject, 640, 480))).toBe(0);
    // …and the clean frame itself was not written.
    expect(lobby.data.equals(before)).toBe(true);
    const again = await detectors.face.detect(lobby);
    expect(again).toEqual(faces);
  });

  it('keeps the face sharp when it is the subject', async () => {
    const [face] = await detectors.face.detect(lobby);
    const person = { x1: face!.x1 - 30, y1: face!.y1 - 10, x2: face!.x2 + 30, y2: face!.y2 + 200 };
    const { image, report } = await createStillPrivacy({ masks: [], blurFaces: true, blurPlates: false }, detectors).apply(lobby, [person]);
    expect(report.keptOnSubject).toBeGreaterThanOrEqual(1);
    expect(rawRegionDifference(image.data, lobby.data, 640, px(face!, 640, 480))).toBe(0);
  });

  it('finds and blurs the plate of a car that is not the subject (Saigon, full resolution)', async () => {
    const plates = await detectors.plate.detect(saigon);
    // The taxi and the SUV in front of the camera have rear plates of 30-50 px at 1018 px wide.
    expect(plates.length).toBeGreaterThanOrEqual(2);
    const { image, report } = await createStillPrivacy({ masks: [], blurFaces: false, blurPlates: true }, detectors).apply(saigon, []);
    expect(report.plates).toBe(plates.length);
    for (const p of plates) expect(rawRegionDifference(image.data, saigon.data, saigon.width, px(p, saigon.width, saigon.height))).toBeGreaterThan(4);
  });
});
