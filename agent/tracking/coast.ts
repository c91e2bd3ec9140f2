import { iou, type Box } from '../core/index.js';
import type { Detection } from '../detection/index.js';
import { predictedBox } from './predict.js';
import type { Track } from './types.js';

/**
 * Slack around a predicted box when asking whether it explains a moving region, as a share of the frame's
 * width: half a motion cell (4 of the motion detector's 160 px, 16 px of a 640 px frame; regions are whole
 * cells, so they overhang their object). A whole cell coasted past a motorbike leaving the stop-line queue
 * (tune clip vn_stopline_queue: 5 of 7 counted instead of 6); half a cell counts 6, with the same incidents
 * on the tune clips (`camwatch eval … --set camera.motion.coastTracks=true`).
 */
export const COAST_MARGIN_SHARE_OF_WIDTH = 4 / 160;
/** …plus this share of the box's own size each side: a turning or braking vehicle leaves its straight-line prediction. */
export const COAST_BOX_PAD_SHARE = 0.15;
/** Share of a moving region's sample points that must lie on a padded predicted box. */
export const COAST_COVERED_SHARE = 0.9;
/** Sample points per side of the lattice laid over each moving region (6 × 6). */
const LATTICE = 6;
/**
 * A detection of the last inference overlapping no track by this IoU is an object not tracked yet: the
 * detector must see it again, or its young track never gets the consecutive hits that confirm it (the
 * lobby's dropped bag, next to the person who left it, was never confirmed with every other frame coasted).
 */
const TRACKED_IOU = 0.3;

/**
 * Coasting: frames where the detector is not needed because everything that moves is already tracked.
 * When every moving region lies on a tracked object's predicted box, nothing new entered the picture and
 * the tracks can move along their filtered velocity for one frame: their predicted boxes stand in for the
 * detections, as the previous detections stand in for stationary objects when nothing moves. At most one
 * frame in a row is coasted, so every object is still measured at half the analysis rate or more; new
 * objects (motion outside the tracks), tracks without a velocity yet and frames with no track all go to
 * the detector. Pure apart from remembering whether the last frame was coasted.
 */
export class TrackCoaster {
  private coastedLast = false;

  /** `minScore`: detections at or above it are objects (the incident threshold, `detection.scoreThreshold`). */
  constructor(private readonly minScore: number) {}

  /**
   * The detections to use instead of an inference on the frame at `tMs`, or undefined to run the detector.
   * `regions`: the frame's moving regions (undefined: motion without regions, a whole-scene change);
   * `lastDetections`: the latest inference's, to find objects not tracked yet.
   */
  decide(regions: readonly Box[] | undefined, tracks: readonly Track[], lastDetections: readonly Detection[], tMs: number, frameWidthPx: number): Detection[] | undefined {
    const predicted = this.coastedLast || regions === undefined || !allTracked(lastDetections, tracks, this.minScore) ? undefined : predictDetections(tracks, tMs);
    const coast = predicted !== undefined && motionExplained(regions!, predicted.map((d) => d.box), frameWidthPx * COAST_MARGIN_SHARE_OF_WIDTH);
    this.coastedLast = coast;
    return coast ? predicted : undefined;
  }
}

/** Whether every detection scoring `minScore` or more lies on a track (TRACKED_IOU). */
export function allTracked(detections: readonly Detection[], tracks: readonly Track[], minScore: number): boolean {
  return detections.every((d) => d.score < minScore || tracks.some((t) => iou(d.box, t.box) >= TRACKED_IOU));
}

/**
 * Each track moved to time `tMs` along its filtered velocity (the tracker's motion model), as a detection
 * of its class and last score; undefined when there is no track, or one has no velocity yet (too young to
 * predict: the detector must see it).
 */
export function predictDetections(tracks: readonly Track[], tMs: number): Detection[] | undefined {
  if (tracks.length === 0) return undefined;
  const out: Detection[] = [];
  for (const t of tracks) {
    // Only the tracker's filtered velocity: the history's displacement is too rough to stand in for a measurement.
    if (!t.velocityPxPerS) return undefined;
    out.push({ classId: t.classId, className: t.className, score: t.score, box: predictedBox(t, tMs), ...(t.riders !== undefined && { riders: t.riders }) });
  }
  return out;
}

/** Whether every moving region lies (COAST_COVERED_SHARE of a lattice of points over it) on some padded box. */
export function motionExplained(regions: readonly Box[], boxes: readonly Box[], marginPx: number): boolean {
  const padded = boxes.map((b) => {
    const px = marginPx + (b.x2 - b.x1) * COAST_BOX_PAD_SHARE;
    const py = marginPx + (b.y2 - b.y1) * COAST_BOX_PAD_SHARE;
    return { x1: b.x1 - px, y1: b.y1 - py, x2: b.x2 + px, y2: b.y2 + py };
  });
  const onABox = (x: number, y: number) => padded.some((b) => x >= b.x1 && x <= b.x2 && y >= b.y1 && y <= b.y2);
  return regions.every((r) => {
    let inside = 0;
    for (let i = 0; i < LATTICE; i++) {
      for (let j = 0; j < LATTICE; j++) {
        const x = r.x1 + ((i + 0.5) / LATTICE) * (r.x2 - r.x1);
        const y = r.y1 + ((j + 0.5) / LATTICE) * (r.y2 - r.y1);
        if (onABox(x, y)) inside++;
      }
    }
    return inside >= COAST_COVERED_SHARE * LATTICE * LATTICE;
  });
}
