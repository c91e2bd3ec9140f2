import type { Box, Detection } from '../detection/index.js';
import { linearAssignment } from './assignment.js';
import { ClassVote, DEFAULT_CLASS_GROUPS, RiderClassVote, compatibleClasses } from './class-vote.js';
import { bottomCentre, iou } from '../core/index.js';
import { DEFAULT_MAX_HISTORY_POINTS } from './iou-tracker.js';
import { BoxKalman, type KalmanOptions } from './kalman.js';
import { annotateMotion } from './motion.js';
import { DEFAULT_RIDER_CLASS, DEFAULT_TWO_WHEELER_CLASSES, fuseRiders, type RiderOptions } from './rider-fusion.js';
import type { Track, TrackPoint, Tracker } from './types.js';

/**
 * Detections at or above this score are matched first and may start tracks. ByteTrack's track_thresh is
 * 0.5 for a large YOLOX; YOLOX-nano scores run lower (cars near the frame edge at 0.3–0.5), and 0.35 is
 * also the detector's default threshold, so the first stage sees what the iou tracker would.
 */
export const DEFAULT_HIGH_SCORE_THRESHOLD = 0.35;
/** Detections between this and the high threshold only continue tracks (ByteTrack: 0.1). */
export const DEFAULT_LOW_SCORE_THRESHOLD = 0.1;
/**
 * First association (high-score boxes vs tracked and lost tracks): minimum IoU. ByteTrack's is 0.2 (1 − 0.8);
 * camwatch runs 0.3, the config's tracking.iouThreshold (docs/rules.md), so a ByteTracker built without it
 * tracks as the agent does.
 */
export const DEFAULT_BYTETRACK_IOU_THRESHOLD = 0.3;
/**
 * Second association (low-score boxes vs still-unmatched tracked tracks): stricter IoU, because a
 * low-score box is as likely a fragment of something else (ByteTrack: 1 − 0.5).
 */
export const DEFAULT_LOW_SCORE_IOU_THRESHOLD = 0.5;
/** A tentative track (seen once) continues only with a box overlapping this much (ByteTrack: 1 − 0.7). */
export const DEFAULT_TENTATIVE_IOU_THRESHOLD = 0.3;
/**
 * A tentative track has no velocity yet, so its "prediction" is where it was. ByteTrack's 30 fps makes
 * that good enough; at 5 fps a car moves more than its own width between frames and would never be
 * confirmed. The tentative stage therefore compares boxes enlarged by this fraction of their size on
 * each side (buffered IoU, as in C-BIoU, Yang et al. 2023): with 0.5, a box may move about one box width
 * per frame and still reach the 0.3 threshold.
 */
export const DEFAULT_TENTATIVE_BUFFER = 0.5;
/** Lost-track buffer (ms): ByteTrack keeps 30 frames at 30 fps = 1 s; 1.5 s covers a passing bus at 5 fps. */
export const DEFAULT_BYTETRACK_MAX_LOST_MS = 1_500;

/** Two same-group boxes overlapping this much in one frame are one object (class-aware NMS leaves both). */
const DUPLICATE_IOU = 0.7;

/** Tuning of the ByteTrack tracker; units in the names, defaults above. */
export interface ByteTrackOptions {
  highScoreThreshold?: number;
  lowScoreThreshold?: number;
  /** Minimum score of an unmatched detection to start a track; defaults to highScoreThreshold. */
  newTrackScoreThreshold?: number;
  iouThreshold?: number;
  lowScoreIouThreshold?: number;
  tentativeIouThreshold?: number;
  maxLostMs?: number;
  /** Matches before a track is reported (ids are handed out at confirmation). */
  minHits?: number;
  maxHistoryPoints?: number;
  /** Look-alike classes that may continue each other's tracks; DEFAULT_CLASS_GROUPS when absent. */
  classGroups?: readonly (readonly string[])[];
  kalman?: KalmanOptions;
  /**
   * Rider fusion (rider-fusion.ts): persons riding a two-wheeler are fused into it before association,
   * person and two-wheeler detections may continue each other's tracks, and a rider track becomes its
   * two-wheeler for good. Absent: off.
   */
  riders?: RiderOptions;
}

type TrackStatus = 'tentative' | 'tracked' | 'lost';

interface TrackState {
  /** Public id; 0 while tentative. */
  id: number;
  status: TrackStatus;
  kf: BoxKalman;
  vote: ClassVote | RiderClassVote;
  score: number;
  /** See Track.bestScore: low-score boxes of the second association do not raise it. */
  bestScore: number;
  /** Filtered box at the last match: what is reported. */
  box: Box;
  /** Last measured box: a lost object that stopped while hidden is found again here, not where the prediction drifted. */
  lastDetBox: Box;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Time the filter has been predicted to. */
  predictedToMs: number;
  hits: number;
  history: TrackPoint[];
}

/**
 * ByteTrack (Zhang et al., ECCV 2022) for multi-class detections:
 * 1. every track's Kalman state is predicted to the frame time;
 * 2. high-score detections are matched to tracked and lost tracks by IoU with the predicted box;
 * 3. low-score detections are matched to the tracked tracks still unmatched — this keeps ids through
 *    partial occlusion and motion blur, when the detector's confidence drops;
 * 4. tentative tracks (seen once) are matched to the remaining high-score detections (buffered IoU,
 *    see DEFAULT_TENTATIVE_BUFFER);
 * 5. unmatched tracked tracks become lost and are kept `maxLostMs`; unmatched tentative tracks are
 *    dropped; unmatched high-score detections start tentative tracks.
 * Matching is optimal (Hungarian, see assignment.ts) within look-alike class groups.
 */
export class ByteTracker implements Tracker {
  private readonly high: number;
  private readonly low: number;
  private readonly newTrack: number;
  private readonly iouThreshold: number;
  private readonly lowIouThreshold: number;
  private readonly tentativeIouThreshold: number;
  private readonly maxLostMs: number;
  private readonly minHits: number;
  private readonly maxHistoryPoints: number;
  private readonly groups: readonly (readonly string[])[];
  private readonly kalman: KalmanOptions;
  private readonly riders: RiderOptions | undefined;
  private tracks: TrackState[] = [];
  private lastId = 0;

  constructor(options: ByteTrackOptions = {}) {
    this.high = options.highScoreThreshold ?? DEFAULT_HIGH_SCORE_THRESHOLD;
    this.low = Math.min(options.lowScoreThreshold ?? DEFAULT_LOW_SCORE_THRESHOLD, this.high);
    this.newTrack = options.newTrackScoreThreshold ?? this.high;
    this.iouThreshold = options.iouThreshold ?? DEFAULT_BYTETRACK_IOU_THRESHOLD;
    this.lowIouThreshold = options.lowScoreIouThreshold ?? DEFAULT_LOW_SCORE_IOU_THRESHOLD;
    this.tentativeIouThreshold = options.tentativeIouThreshold ?? DEFAULT_TENTATIVE_IOU_THRESHOLD;
    this.maxLostMs = options.maxLostMs ?? DEFAULT_BYTETRACK_MAX_LOST_MS;
    this.minHits = Math.max(1, Math.floor(options.minHits ?? 2));
    this.maxHistoryPoints = Math.max(2, Math.floor(options.maxHistoryPoints ?? DEFAULT_MAX_HISTORY_POINTS));
    this.groups = options.classGroups ?? DEFAULT_CLASS_GROUPS;
    this.kalman = options.kalman ?? {};
    this.riders = options.riders;
    if (this.riders !== undefined) {
      // A rider and their bike are one object: the person class joins the two-wheelers' group.
      const riderGroup = [...(this.riders.twoWheelerClasses ?? DEFAULT_TWO_WHEELER_CLASSES), this.riders.riderClass ?? DEFAULT_RIDER_CLASS];
      this.groups = [...this.groups.filter((g) => !g.some((c) => riderGroup.includes(c))), riderGroup];
    }
  }

  update(frameDetections: Detection[], tMs: number): Track[] {
    const detections = this.riders === undefined ? frameDetections : fuseRiders(frameDetections, this.riders);
    // Expire first: a track lost for longer than the buffer must not be revived by this frame.
    this.tracks = this.tracks.filter((t) => t.status !== 'lost' || tMs - t.lastSeenMs <= this.maxLostMs);
    for (const t of this.tracks) {
      t.kf.predict((tMs - t.predictedToMs) / 1000, t.status === 'lost');
      t.predictedToMs = tMs;
    }

    const highDets: number[] = [];
    const lowDets: number[] = [];
    detections.forEach((d, i) => {
      if (d.score >= this.high) highDets.push(i);
      else if (d.score >= this.low) lowDets.push(i);
    });

    const matched = new Set<TrackState>();
    const confirmed = this.tracks.filter((t) => t.status !== 'tentative');
    const tentative = this.tracks.filter((t) => t.status === 'tentative');

    // Stage 1: high-score boxes vs every confirmed track (tracked or lost).
    const s1 = this.match(confirmed, highDets, detections, this.iouThreshold);
    for (const [t, d] of s1.pairs) this.apply(t, detections[d]!, tMs, matched);

    // Stage 2: low-score boxes vs tracks that were tracked in the previous frame and are still unmatched.
    const stillTracked = s1.unmatchedTracks.filter((t) => t.status === 'tracked');
    const s2 = this.match(stillTracked, lowDets, detections, this.lowIouThreshold);
    for (const [t, d] of s2.pairs) this.apply(t, detections[d]!, tMs, matched);

    // Stage 3: tentative tracks vs the high-score boxes left over.
    const s3 = this.match(tentative, s1.unmatchedDets, detections, this.tentativeIouThreshold, DEFAULT_TENTATIVE_BUFFER);
    for (const [t, d] of s3.pairs) this.apply(t, detections[d]!, tMs, matched);

    for (const t of this.tracks) {
      if (matched.has(t)) continue;
      if (t.status === 'tracked') t.status = 'lost';
    }
    // A tentative track that missed a frame was most likely a false positive.
    this.tracks = this.tracks.filter((t) => t.status !== 'tentative' || matched.has(t));

    // Highest score first, so that of two boxes on one object the better one starts the track.
    const fresh = s3.unmatchedDets.filter((d) => detections[d]!.score >= this.newTrack);
    fresh.sort((a, b) => detections[b]!.score - detections[a]!.score);
    for (const d of fresh) {
      const det = detections[d]!;
      if (this.duplicates(det, matched)) continue;
      const t = this.start(det, tMs);
      this.tracks.push(t);
      matched.add(t);
    }

    const out: Track[] = [];
    for (const t of this.tracks) {
      if (!matched.has(t)) continue;
      if (t.status === 'tentative' && t.hits >= this.minHits) {
        t.status = 'tracked';
        t.id = ++this.lastId;
      }
      if (t.status === 'tracked') out.push(this.snapshot(t));
    }
    return out;
  }

  /** Optimal IoU matching between some tracks and some detections (by index), class groups respected. */
  private match(
    tracks: TrackState[],
    dets: number[],
    detections: Detection[],
    minIou: number,
    buffer = 0,
  ): { pairs: Array<[TrackState, number]>; unmatchedTracks: TrackState[]; unmatchedDets: number[] } {
    if (tracks.length === 0 || dets.length === 0) return { pairs: [], unmatchedTracks: tracks, unmatchedDets: dets };
    const cost = tracks.map((t) => {
      const predicted = t.kf.box();
      return dets.map((d) => {
        const det = detections[d]!;
        if (!compatibleClasses(t.vote.className, det.className, this.groups)) return Infinity;
        // A lost track is also tried at its last measured box: an object that stopped while hidden.
        const overlap =
          buffer > 0
            ? iou(grow(predicted, buffer), grow(det.box, buffer))
            : t.status === 'lost'
              ? Math.max(iou(predicted, det.box), iou(t.lastDetBox, det.box))
              : iou(predicted, det.box);
        return overlap > 0 ? 1 - overlap : Infinity;
      });
    });
    const assigned = linearAssignment(cost, 1 - minIou);
    const pairs: Array<[TrackState, number]> = assigned.map(([i, j]) => [tracks[i]!, dets[j]!]);
    const usedT = new Set(assigned.map(([i]) => i));
    const usedD = new Set(assigned.map(([, j]) => j));
    return {
      pairs,
      unmatchedTracks: tracks.filter((_, i) => !usedT.has(i)),
      unmatchedDets: dets.filter((_, j) => !usedD.has(j)),
    };
  }

  /**
   * Whether a box is a second box on an object already tracked in this frame: NMS runs per class, so a
   * taxi detected as both car and truck yields two boxes; the look-alike one must not start a track.
   */
  private duplicates(det: Detection, matched: ReadonlySet<TrackState>): boolean {
    for (const t of matched) {
      if (!compatibleClasses(t.vote.className, det.className, this.groups)) continue;
      if (iou(t.lastDetBox, det.box) >= DUPLICATE_IOU) return true;
    }
    return false;
  }

  private apply(t: TrackState, det: Detection, tMs: number, matched: Set<TrackState>): void {
    t.kf.update(det.box);
    t.box = t.kf.box();
    t.lastDetBox = { ...det.box };
    t.vote.add(det.className, det.classId, det.score, det.riders);
    t.score = det.score;
    if (det.score >= this.high) t.bestScore = Math.max(t.bestScore, det.score);
    t.lastSeenMs = tMs;
    t.hits += 1;
    if (t.status === 'lost') t.status = 'tracked';
    t.history.push({ tMs, ...bottomCentre(t.box) });
    if (t.history.length > this.maxHistoryPoints) t.history.splice(0, t.history.length - this.maxHistoryPoints);
    if (t.vote instanceof RiderClassVote) t.vote.observeMotion(t.history, t.box.y2 - t.box.y1);
    matched.add(t);
  }

  private start(det: Detection, tMs: number): TrackState {
    const kf = new BoxKalman(det.box, this.kalman);
    return {
      id: 0,
      status: 'tentative',
      kf,
      vote:
        this.riders === undefined
          ? new ClassVote(det.className, det.classId, det.score)
          : new RiderClassVote(this.riders, det.className, det.classId, det.score, det.riders),
      score: det.score,
      bestScore: det.score,
      box: kf.box(),
      lastDetBox: { ...det.box },
      firstSeenMs: tMs,
      lastSeenMs: tMs,
      predictedToMs: tMs,
      hits: 1,
      history: [{ tMs, ...bottomCentre(det.box) }],
    };
  }

  /** A copy for the caller: rules must not be able to change the tracker's state. */
  private snapshot(t: TrackState): Track {
    const track: Track = {
      id: t.id,
      classId: t.vote.classId,
      className: t.vote.className,
      score: t.score,
      bestScore: t.bestScore,
      box: { ...t.box },
      firstSeenMs: t.firstSeenMs,
      lastSeenMs: t.lastSeenMs,
      hits: t.hits,
      // The array is the snapshot's own (the tracker appends to its), the points are shared: they never
      // change. Copying each point too made this the agent's largest source of promoted garbage: 40 of the
      // 68 MB that survived young collections to die in full ones over 20 s at 8 cameras (V8's sampling heap
      // profiler, includeObjectsCollectedByMajorGC), ~50 points x every tracked object x every frame.
      history: t.history.slice(),
      velocityPxPerS: t.kf.bottomVelocity(),
    };
    const riders = t.vote instanceof RiderClassVote ? t.vote.riders : undefined;
    if (riders !== undefined) track.riders = riders;
    return annotateMotion(track);
  }
}

/** The box enlarged by `f` of its width and height on each side. */
function grow(b: Box, f: number): Box {
  const dx = (b.x2 - b.x1) * f;
  const dy = (b.y2 - b.y1) * f;
  return { x1: b.x1 - dx, y1: b.y1 - dy, x2: b.x2 + dx, y2: b.y2 + dy };
}
