
/**
 * A stationary object is re-checked by one inference this often (s). Between re-checks its track is fed the
 * previous detections, so it is never lost, whatever tracking.maxLostSeconds says. 2 s rather than 1 s:
 * the same incidents and counts on every labelled clip, and 88 % / 89 % of the labelled empty frames of the
 * table and lobby clips skipped instead of 80 % / 79 % (the rest were these re-checks of a static "tv" and
 * of the left bag; `camwatch eval eval/clips/*.yaml --set camera.motion.keepAliveSeconds=2`).
 */
export const DEFAULT_KEEPALIVE_SECONDS = 2;
/**
 * With nothing tracked and nothing moving, the whole frame is still inferred this often (s): for what the
 * motion gate cannot see (an object too small for a region, one that crept in). Measured on the labelled
 * empty stretches: a 1 s cadence there cost 20 % of the frames for nothing to keep alive.
 */
export const DEFAULT_EMPTY_SWEEP_SECONDS = 5;
/** A track faster than this (px/s, analysis frame) is "active": the detector keeps following it. */
export const DEFAULT_ACTIVE_SPEED_PX_S = 8;

/** What the gate needs of a track from the previous frame (the tracker's tracks satisfy it). */
export interface GateTrack {
  /** Speed over its recent history (px/s, analysis frame); unknown counts as moving. */
  speedPxPerS?: number;
}

export type GateReason = 'motion' | 'active-tracks' | 'keep-alive' | 'sweep' | 'skip';

/**
 * Decides, per frame, whether the detector runs. Pure: motion and tracks in, a reason out. Without
 * motion and without moving tracks the scene is as it was, so the previous detections stand in; the
 * keep-alive re-checks stationary objects, and an empty scene gets a slower sweep.
 */
export class InferenceGate {
  private lastInferenceMs = Number.NEGATIVE_INFINITY;
  private readonly keepAliveMs: number;
  private readonly emptySweepMs: number;
  private readonly activeSpeedPxS: number;

  constructor(options: { keepAliveSeconds?: number; emptySweepSeconds?: number; activeSpeedPxS?: number } = {}) {
    this.keepAliveMs = (options.keepAliveSeconds ?? DEFAULT_KEEPALIVE_SECONDS) * 1000;
    this.emptySweepMs = (options.emptySweepSeconds ?? DEFAULT_EMPTY_SWEEP_SECONDS) * 1000;
    this.activeSpeedPxS = options.activeSpeedPxS ?? DEFAULT_ACTIVE_SPEED_PX_S;
  }

  decide(motion: boolean, lastTracks: readonly GateTrack[], tMs: number): GateReason {
    let reason: GateReason = 'skip';
    if (motion) reason = 'motion';
    else if (lastTracks.some((t) => (t.speedPxPerS ?? Number.POSITIVE_INFINITY) > this.activeSpeedPxS)) reason = 'active-tracks';
    else if (lastTracks.length > 0 && tMs - this.lastInferenceMs >= this.keepAliveMs) reason = 'keep-alive';
    else if (lastTracks.length === 0 && tMs - this.lastInferenceMs >= this.emptySweepMs) reason = 'sweep';
    if (reason !== 'skip') this.lastInferenceMs = tMs;
    return reason;
  }
}
