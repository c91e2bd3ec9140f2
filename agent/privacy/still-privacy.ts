import { boxArea, type Box, type RgbImage } from '../core/index.js';
import { blurBoxes } from './blur.js';
import { blackOutMasks, type PrivacyMask } from './masks.js';

/** A camera's privacy settings as configured (agent/config privacySchema satisfies it). */
export interface PrivacySettings {
  readonly masks: readonly PrivacyMask[];
  readonly blurFaces: boolean;
  readonly blurPlates: boolean;
}

/** The detectors the given cameras' settings switch on (each kind once): what must be checked and opened. */
export function blurKinds(settings: readonly Pick<PrivacySettings, 'blurFaces' | 'blurPlates'>[]): Array<'face' | 'plate'> {
  return [...(settings.some((s) => s.blurFaces) ? ['face' as const] : []), ...(settings.some((s) => s.blurPlates) ? ['plate' as const] : [])];
}

/** Finds faces or plates in a still (agent/privacy/region-detector.ts). */
export interface RegionDetector {
  readonly kind: 'face' | 'plate';
  readonly model: string;
  detect(image: RgbImage): Promise<Box[]>;
}

/** What the privacy step did to one still (for logs and tests). */
export interface PrivacyReport {
  masks: number;
  faces: number;
  plates: number;
  /** Found regions left sharp because they overlap the incident's subject. */
  keptOnSubject: number;
}

/** The privacy step every still goes through before it leaves the box. */
export interface StillPrivacy {
  /** True when the step changes nothing (no mask, no blur): callers may skip it. */
  readonly none: boolean;
  /**
   * The frame as it may leave the box: faces and plates outside the subject boxes blurred, then the masks
   * black (last, so nothing is drawn over them). Never modifies `frame`.
   */
  apply(frame: RgbImage, subjects?: readonly Box[]): Promise<{ image: RgbImage; report: PrivacyReport }>;
}

/**
 * A found region is the subject's (left sharp) when most of it lies inside a subject box: the face of the
 * person who dumped the bag, the plate of the car parked in the no-stopping zone. Half: a face box at the top
 * edge of a person box sticks out by its margin.
 */
export const DEFAULT_SUBJECT_OVERLAP = 0.5;

/** The privacy step of one camera; `detectors` must hold the face / plate detector its settings switch on. */
export function createStillPrivacy(settings: PrivacySettings, detectors: { face?: RegionDetector; plate?: RegionDetector } = {}): StillPrivacy {
  const active: RegionDetector[] = [];
  if (settings.blurFaces) {
    if (detectors.face === undefined) throw new Error('privacy.blurFaces is on but no face detector was loaded');
    active.push(detectors.face);
  }
  if (settings.blurPlates) {
    if (detectors.plate === undefined) throw new Error('privacy.blurPlates is on but no plate detector was loaded');
    active.push(detectors.plate);
  }
  const masks = [...settings.masks];
  // What the detectors found, per frame object: one analysed frame often gives several pictures (incidents and
  // pending evidence of one frame, a batch's full-resolution stills), which differ only in their subjects.
  // Decoded frames are fresh buffers, never rewritten, so the object identifies its pixels.
  const found = new WeakMap<RgbImage, Promise<Array<{ kind: RegionDetector['kind']; box: Box }>>>();
  const detect = (frame: RgbImage) => {
    let finds = found.get(frame);
    if (finds === undefined) {
      finds = (async () => {
        const all: Array<{ kind: RegionDetector['kind']; box: Box }> = [];
        for (const detector of active) for (const box of await detector.detect(frame)) all.push({ kind: detector.kind, box });
        return all;
      })();
      found.set(frame, finds);
      // A failed run is not remembered: the next picture of the frame tries again.
      finds.catch(() => found.delete(frame));
    }
    return finds;
  };
  return {
    none: masks.length === 0 && active.length === 0,
    async apply(frame, subjects = []) {
      const report: PrivacyReport = { masks: masks.length, faces: 0, plates: 0, keptOnSubject: 0 };
      const toBlur: Box[] = [];
      for (const { kind, box } of active.length === 0 ? [] : await detect(frame)) {
        if (subjects.some((s) => insideShare(box, s) >= DEFAULT_SUBJECT_OVERLAP)) {
          report.keptOnSubject++;
          continue;
        }
        toBlur.push(box);
        if (kind === 'face') report.faces++;
        else report.plates++;
      }
      const blurred = await blurBoxes(frame, toBlur);
      return { image: blackOutMasks(blurred, masks), report };
    },
  };
}

/** Share of `box`'s area inside `outer` (0..1). */
export function insideShare(box: Box, outer: Box): number {
  const w = Math.max(0, Math.min(box.x2, outer.x2) - Math.max(box.x1, outer.x1));
  const h = Math.max(0, Math.min(box.y2, outer.y2) - Math.max(box.y1, outer.y1));
  const area = boxArea(box);
  return area > 0 ? (w * h) / area : 0;
}
