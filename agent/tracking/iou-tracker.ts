import { bottomCentre, boxArea, iou, type Box } from '../core/index.js';
import type { Detection } from '../detection/index.js';

import { annotateMotion } from './motion.js';
import type { Track, TrackPoint, Tracker } from './types.js';

/** Minimum overlap for a detection to continue a track (intersection over union, 0..1). */
export const DEFAULT_IOU_THRESHOLD = 0.3;
/** A track is kept this long after its last match, so short occlusions keep the id (ms). */
export const DEFAULT_MAX_LOST_MS = 1_500;
/** Matches before a track is reported: one-frame false positives never reach the rules. */
export const DEFAULT_MIN_HITS = 2;
/** Bottom-centre points kept per track: 50 points ≈ 10 s at the default 5 analysed fps. */
export const DEFAULT_MAX_HISTORY_POINTS = 50;
/**
 * Weight of the newest displacement in the velocity estimate (exponential moving average).
 * 0.5 follows a change of speed within ~2 frames while halving the detector's frame-to-frame jitter.
 */
const VELOCITY_SMOOTHING = 0.5;

/** Tuning of the IoU tracker; units in the names. */
export interface IouTrackerOptions {
  iouThreshold: number;
  maxLostMs: number;
  minHits: number;
  /** Bound on Track.history; DEFAULT_MAX_HISTORY_POINTS when absent. */
  maxHistoryPoints?: number;
}


interface TrackState {
  /** Public id; 0 while tentative (ids are handed out at confirmation so confirmed ids have no gaps). */
  id: number;
  classId: number;
  className: string;
  score: number;
  /** Best detection score so far (every detection this tracker sees passed the detector's threshold). */
  bestScore: number;
  box: Box;
  firstSeenMs: number;
  lastSeenMs: number;
  hits: number;
  history: TrackPoint[];
  /** Velocity of the box centre (px/ms), used to predict where an unmatched or moving track should be. */
  vx: number;
  vy: number;
}

/**
 * SORT-style tracker without a Kalman filter: each frame, detections are matched to tracks of the same
 * class greedily by IoU (highest pairs first) against each track's box moved by its constant-velocity
 * prediction (or its last box, whichever overlaps more). The prediction is what keeps ids when two objects cross or a moving object is hidden for
 * a few frames. Unmatched detections start tentative tracks; a tentative track missing one frame is
 * dropped (as ByteTrack does), a confirmed one survives `maxLostMs` without a match.
 */
export class IouTracker implements Tracker {
  private readonly iouThreshold: number;
  private readonly maxLostMs: number;
  private readonly minHits: number;
  private readonly maxHistoryPoints: number;
  private tracks: TrackState[] = [];
  private lastId = 0;

  constructor(options: IouTrackerOptions) {
    this.iouThreshold = options.iouThreshold;
    this.maxLostMs = options.maxLostMs;
    this.minHits = Math.max(1, Math.floor(options.minHits));
    this.maxHistoryPoints = Math.max(2, Math.floor(options.maxHistoryPoints ?? DEFAULT_MAX_HISTORY_POINTS));
  }

  update(detections: Detection[], tMs: number): Track[] {
    // Expire first: a track lost for longer than maxLostMs must not be revived by this frame.
    this.tracks = this.tracks.filter((t) => tMs - t.lastSeenMs <= this.maxLostMs);
    const matchedTracks = new Set<TrackState>();
    const matchedDetections = new Set<number>();

    for (const [track, detIndex] of this.associate(detections, tMs)) {
      const det = detections[detIndex];
      if (det === undefined) continue;
      this.applyMatch(track, det, tMs);
      matchedTracks.add(track);
      matchedDetections.add(detIndex);
    }

    // A tentative track that missed a frame was most likely a false positive: forget it now.
    this.tracks = this.tracks.filter((t) => matchedTracks.has(t) || t.id !== 0);

    detections.forEach((det, i) => {
      if (matchedDetections.has(i)) return;
      const track = this.startTrack(det, tMs);
      this.tracks.push(track);
      matchedTracks.add(track);
    });

    const out: Track[] = [];
    for (const t of this.tracks) {
      if (!matchedTracks.has(t)) continue;
      if (t.id === 0 && t.hits >= this.minHits) t.id = ++this.lastId;
      if (t.id !== 0) out.push(snapshot(t));
    }
    return out;
  }

  /** Greedy assignment per class: all same-class pairs above the threshold, best IoU first. */
  private associate(detections: Detection[], tMs: number): Array<[TrackState, number]> {
    const pairs: Array<{ track: TrackState; det: number; iou: number }> = [];
    for (const track of this.tracks) {
      const predicted = predictBox(track, tMs);
      detections.forEach((det, i) => {
        if (det.classId !== track.classId) return;
        // Also try the unmoved box: an object that stopped while hidden must not lose its id to the prediction.
        const overlap = Math.max(iou(predicted, det.box), iou(track.box, det.box));
        if (overlap >= this.iouThreshold && overlap > 0) pairs.push({ track, det: i, iou: overlap });
      });
    }
    // Ties (e.g. two identical boxes) go to the older track, then the earlier detection: deterministic.
    pairs.sort((a, b) => b.iou - a.iou || a.track.firstSeenMs - b.track.firstSeenMs || a.det - b.det);

    const usedTracks = new Set<TrackState>();
    const usedDets = new Set<number>();
    const result: Array<[TrackState, number]> = [];
    for (const p of pairs) {
      if (usedTracks.has(p.track) || usedDets.has(p.det)) continue;
      usedTracks.add(p.track);
      usedDets.add(p.det);
      result.push([p.track, p.det]);
    }
    return result;
  }

  private applyMatch(track: TrackState, det: Detection, tMs: number): void {
    const dt = tMs - track.lastSeenMs;
    if (dt > 0) {
      const vx = (centreX(det.box) - centreX(track.box)) / dt;
      const vy = (centreY(det.box) - centreY(track.box)) / dt;
      // The first displacement has no history to smooth against: take it as is.
      const a = track.hits === 1 ? 1 : VELOCITY_SMOOTHING;
      track.vx = a * vx + (1 - a) * track.vx;
      track.vy = a * vy + (1 - a) * track.vy;
    }
    track.box = { ...det.box };
    track.score = det.score;
    track.bestScore = Math.max(track.bestScore, det.score);
    track.className = det.className;
    track.lastSeenMs = tMs;
    track.hits += 1;
    track.history.push({ tMs, ...bottomCentre(det.box) });
    if (track.history.length > this.maxHistoryPoints) track.history.splice(0, track.history.length - this.maxHistoryPoints);
  }

  private startTrack(det: Detection, tMs: number): TrackState {
    return {
      id: 0,
      classId: det.classId,
      className: det.className,
      score: det.score,
      bestScore: det.score,
      box: { ...det.box },
      firstSeenMs: tMs,
      lastSeenMs: tMs,
      hits: 1,
      history: [{ tMs, ...bottomCentre(det.box) }],
      vx: 0,
      vy: 0,
    };
  }
}

function centreX(b: Box): number {
  return (b.x1 + b.x2) / 2;
}

function centreY(b: Box): number {
  return (b.y1 + b.y2) / 2;
}

function predictBox(t: TrackState, tMs: number): Box {
  const dt = Math.max(0, tMs - t.lastSeenMs);
  const dx = t.vx * dt;
  const dy = t.vy * dt;
  return { x1: t.box.x1 + dx, y1: t.box.y1 + dy, x2: t.box.x2 + dx, y2: t.box.y2 + dy };
}

/** A copy for the caller: rules must not be able to change the tracker's state. */
function snapshot(t: TrackState): Track {
  return annotateMotion({
    id: t.id,
    classId: t.classId,
    className: t.className,
    score: t.score,
    bestScore: t.bestScore,
    box: { ...t.box },
    firstSeenMs: t.firstSeenMs,
    lastSeenMs: t.lastSeenMs,
    hits: t.hits,
    history: t.history.slice(), // points shared: they never change (as ByteTracker's snapshot)
  });
}
