import type { Detection } from './types.js';

/**
 * Maps model class names onto an operator's coarser vocabulary. Unlisted classes go to `fallback`
 * (null drops them). After remapping, classId is the index of the new name in `remapTargets(remap)`.
 */
export interface ClassRemap {
  map: Readonly<Record<string, string>>;
  fallback: string | null;
}

/** Optional filters applied after NMS, on boxes in image pixels. All absent = no filtering. */
export interface PostfilterOptions {
  /** Minimum score by model class name (e.g. {person: 0.5}); other classes use the detector's scoreThreshold. */
  classThresholds?: Readonly<Record<string, number>>;
  /** Box area bounds in image pixels² (drops far-away specks or whole-frame glare). */
  minAreaPx?: number;
  maxAreaPx?: number;
  /** Bounds on width / height (a 20:1 "person" is a fence post). */
  minAspectRatio?: number;
  maxAspectRatio?: number;
  classRemap?: ClassRemap;
}

/** COCO-80 → person / vehicle / object, for deployments that only care about the coarse kind. */
export const COCO_COARSE_REMAP: ClassRemap = {
  map: {
    person: 'person',
    bicycle: 'vehicle',
    car: 'vehicle',
    motorcycle: 'vehicle',
    bus: 'vehicle',
    train: 'vehicle',
    truck: 'vehicle',
  },
  fallback: 'object',
};

/** Class names after remapping, in classId order: map targets in first-seen order, then the fallback. */
export function remapTargets(remap: ClassRemap): string[] {
  const names = [...new Set(Object.values(remap.map))];
  if (remap.fallback !== null && !names.includes(remap.fallback)) names.push(remap.fallback);
  return names;
}

/** The threshold the decoder must use so that no per-class threshold below the default loses candidates. */
export function lowestScoreThreshold(defaultThreshold: number, options: PostfilterOptions = {}): number {
  return Math.min(defaultThreshold, ...Object.values(options.classThresholds ?? {}));
}

/**
 * Applies, in order: per-class score threshold (model class names), area and aspect bounds, class remap.
 * Returns a new array; input detections are not modified.
 */
export function postfilter(detections: readonly Detection[], defaultThreshold: number, options: PostfilterOptions = {}): Detection[] {
  const thresholds = options.classThresholds ?? {};
  const minArea = options.minAreaPx ?? 0;
  const maxArea = options.maxAreaPx ?? Infinity;
  const minAspect = options.minAspectRatio ?? 0;
  const maxAspect = options.maxAspectRatio ?? Infinity;
  const remap = options.classRemap;
  const targets = remap === undefined ? [] : remapTargets(remap);
  const out: Detection[] = [];
  for (const d of detections) {
    if (d.score < (thresholds[d.className] ?? defaultThreshold)) continue;
    const w = d.box.x2 - d.box.x1;
    const h = d.box.y2 - d.box.y1;
    const area = w * h;
    if (area < minArea || area > maxArea) continue;
    const aspect = h > 0 ? w / h : Infinity;
    if (aspect < minAspect || aspect > maxAspect) continue;
    if (remap === undefined) {
      out.push(d);
      continue;
    }
    const name = remap.map[d.className] ?? remap.fallback;
    if (name === null) continue;
    out.push({ ...d, className: name, classId: targets.indexOf(name) });
  }
  return out;
}
