import { boxArea, intersectionArea, iou } from '../core/index.js';
import type { Track } from '../tracking/index.js';
import type { StaticObject } from './static-objects.js';

/**
 * Where the dumping and object_left rules get their objects: `objects` — tracks of the rule's classes
 * (needs a detector that knows the object); `static-pixels` — the model-agnostic static-object detector
 * (something new that stays, whatever it is); `both`.
 */
export type StaticSource = 'objects' | 'static-pixels' | 'both';

/** What the rule config says about the static-pixel detector (geometry in analysis-frame pixels). */
export interface StaticDetectorOptions {
  minAreaPx: number;
  maxAreaPx: number;
  /** A change that stays this long is the new background (ms). */
  relearnMs: number;
  explainClasses: ReadonlySet<string>;
}

/** A track overlapping a static object this much (IoU), or holding half of it, is the same object. */
export const DEFAULT_SAME_OBJECT_IOU = 0.3;

/**
 * Whether a track of `classes` already covers the static object: with `both`, the object path reports it
 * (with its class), and the pixel path stays quiet so one bag is one incident.
 */
export function coveredByClass(obj: StaticObject, tracks: readonly Track[], classes: ReadonlySet<string>): boolean {
  const a = boxArea(obj.box);
  return tracks.some(
    (t) => classes.has(t.className) && (iou(t.box, obj.box) >= DEFAULT_SAME_OBJECT_IOU || (a > 0 && intersectionArea(t.box, obj.box) >= 0.5 * a)),
  );
}
