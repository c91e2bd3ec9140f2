import type { Track } from '../../../agent/tracking/types.js';

/**
 * Builds tracks the way a tracker reports them (growing history, copies per frame) without running
 * one: rule tests control every position exactly.
 */
export class TrackFeed {
  private readonly tracks = new Map<number, Track>();

  /** The track `id` with its bottom-centre at (x, y) at tMs; box `w`×`h` px. */
  at(id: number, x: number, y: number, tMs: number, className = 'person', w = 20, h = 40, score = 0.8): Track {
    const box = { x1: x - w / 2, y1: y - h, x2: x + w / 2, y2: y };
    const prev = this.tracks.get(id);
    const track: Track = {
      id,
      classId: className === 'person' ? 0 : 2,
      className,
      score,
      box,
      firstSeenMs: prev?.firstSeenMs ?? tMs,
      lastSeenMs: tMs,
      hits: (prev?.hits ?? 0) + 1,
      history: [...(prev?.history ?? []), { tMs, x, y }].slice(-50),
    };
    this.tracks.set(id, track);
    return structuredClone(track);
  }
}
