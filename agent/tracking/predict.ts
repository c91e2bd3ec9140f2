import type { Box } from '../core/index.js';
import { motionOf } from './motion.js';
import type { Track } from './types.js';

/**
 * Where a track's box should be at `tMs`: its last box moved by its velocity over the time since it was
 * last seen — the tracker's own filtered velocity when it has one (bytetrack's Kalman), else the
 * displacement of its recent history (motionOf). Unmoved when neither is known (a new track).
 */
export function predictedBox(track: Pick<Track, 'box' | 'lastSeenMs' | 'velocityPxPerS' | 'history'>, tMs: number): Box {
  const dtS = Math.max(0, tMs - track.lastSeenMs) / 1000;
  let v = track.velocityPxPerS;
  if (v === undefined) {
    const m = motionOf(track.history);
    v = m === undefined ? { x: 0, y: 0 } : { x: (m.dxPx * 1000) / m.dtMs, y: (m.dyPx * 1000) / m.dtMs };
  }
  const dx = v.x * dtS;
  const dy = v.y * dtS;
  const b = track.box;
  return { x1: b.x1 + dx, y1: b.y1 + dy, x2: b.x2 + dx, y2: b.y2 + dy };
}
