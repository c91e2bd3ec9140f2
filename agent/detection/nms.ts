import { iou } from '../core/index.js';
import type { Candidate } from './layouts/types.js';

/** Most detections kept per image after NMS (a busy intersection rarely shows more than ~100 objects). */
export const DEFAULT_MAX_DETECTIONS = 300;
/**
 * Candidates entering NMS, best first. Greedy NMS is O(n·kept); at a low threshold YOLOv8 yields thousands
 * of candidates, and the ones past the top few thousand never survive anyway (Ultralytics caps at 30000 for GPU).
 */
export const DEFAULT_MAX_NMS_CANDIDATES = 3000;

export interface NmsOptions {
  iouThreshold: number;
  maxDetections?: number;
  maxCandidates?: number;
  /** Suppress across classes (a box labelled car and truck at once keeps only the better label). Default false. */
  classAgnostic?: boolean;
}


/**
 * Greedy non-maximum suppression, class-wise by default: a box is dropped when a better-scoring kept box of
 * the same class overlaps it by more than `iouThreshold`. Returns kept boxes, best first, at most maxDetections.
 */
export function nms(candidates: readonly Candidate[], options: NmsOptions): Candidate[] {
  const maxDet = options.maxDetections ?? DEFAULT_MAX_DETECTIONS;
  const sorted = [...candidates].sort((p, q) => q.score - p.score);
  if (sorted.length > (options.maxCandidates ?? DEFAULT_MAX_NMS_CANDIDATES)) sorted.length = options.maxCandidates ?? DEFAULT_MAX_NMS_CANDIDATES;
  const kept: Candidate[] = [];
  for (const c of sorted) {
    if (kept.length >= maxDet) break;
    let suppressed = false;
    for (const k of kept) {
      if ((options.classAgnostic || k.classId === c.classId) && iou(k, c) > options.iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(c);
  }
  return kept;
}
