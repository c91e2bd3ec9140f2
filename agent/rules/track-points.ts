import { bottomCentre } from '../core/index.js';
import type { Track, TrackPoint } from '../tracking/index.js';

/**
 * Per-track rule state is dropped after the track has been absent this long (ms). Track ids are never
 * reused and the tracker forgets a track after at most 60 s (config bound of tracking.maxLostSeconds),
 * so older state can never be needed again; dropping it bounds memory on a busy road.
 */
export const DEFAULT_RULE_STATE_TTL_MS = 120_000;

/**
 * Positions of a track newer than `afterMs`, oldest first. Rules replay these rather than only the newest
 * box so that a track first reported at confirmation still counts the points it had while tentative
 * (a car that crossed a line in its first frames). Falls back to the box's bottom-centre when a tracker
 * gives no history.
 */
export function pointsSince(track: Track, afterMs: number): TrackPoint[] {
  const out = track.history.filter((p) => p.tMs > afterMs);
  const newest = track.history[track.history.length - 1];
  if ((newest === undefined || newest.tMs < track.lastSeenMs) && track.lastSeenMs > afterMs) {
    out.push({ tMs: track.lastSeenMs, ...bottomCentre(track.box) });
  }
  return out;
}

/** Whether a rule with an optional class list applies to this class name. */
export function classMatches(classes: ReadonlySet<string> | undefined, className: string): boolean {
  return classes === undefined || classes.has(className);
}

/** Removes state entries of tracks not seen for `ttlMs`; `lastSeenMs` reads each entry's last sighting. */
export function pruneStale<S>(states: Map<number, S>, lastSeenMs: (s: S) => number, tMs: number, ttlMs: number): void {
  for (const [id, s] of states) if (tMs - lastSeenMs(s) > ttlMs) states.delete(id);
}
