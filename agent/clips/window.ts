/**
 * The clip stage's decisions, pure: which wall-clock window a clip covers, which ring segments cover it,
 * when a clip can be cut, and which segments the ring may delete. Times are epoch ms.
 */

/** One closed segment of a camera's ring: a file that starts on a keyframe, and the wall time it covers. */
export interface RingSegment {
  /** File name inside the camera's ring folder. */
  file: string;
  startMs: number;
  endMs: number;
  bytes: number;
}

/** What a clip covers: `fromMs` to `toMs`; `capped` when `maxSeconds` shortened it. */
export interface ClipWindow {
  fromMs: number;
  toMs: number;
  capped: boolean;
}

/** A camera's clip settings that decide the window (seconds). */
export interface ClipWindowOptions {
  preSeconds: number;
  postSeconds: number;
  maxSeconds: number;
}

/**
 * [start − pre, end + post], no longer than `maxSeconds`. `endMs` undefined: the incident is still open,
 * so the window ends at the cap (an incident still open at the cap is cut there).
 */
export function clipWindow(startMs: number, endMs: number | undefined, options: ClipWindowOptions): ClipWindow {
  const fromMs = startMs - options.preSeconds * 1000;
  const capMs = fromMs + options.maxSeconds * 1000;
  if (endMs === undefined) return { fromMs, toMs: capMs, capped: true };
  const wanted = Math.max(endMs, startMs) + options.postSeconds * 1000;
  return wanted > capMs ? { fromMs, toMs: capMs, capped: true } : { fromMs, toMs: wanted, capped: false };
}

/**
 * The segments a clip of [fromMs, toMs] is made of, in time order: every segment that overlaps the window.
 * A segment starts on a keyframe, so the first one starts at or before `fromMs` (up to one segment early)
 * and the clip plays from its first frame. Segments of another ffmpeg run are kept apart by the caller.
 */
export function segmentsCovering(segments: readonly RingSegment[], fromMs: number, toMs: number): RingSegment[] {
  return segments.filter((s) => s.endMs > fromMs && s.startMs < toMs).sort((a, b) => a.startMs - b.startMs);
}

/** A clip can be cut once a closed segment reaches past its end (the ring has everything it will get). */
export function clipReady(segments: readonly RingSegment[], toMs: number): boolean {
  return segments.some((s) => s.endMs >= toMs);
}

/**
 * The oldest time the ring must keep (epoch ms): `preSeconds` + margin before now, or earlier for a clip still
 * waiting to be cut (its window starts before that).
 */
export function ringKeepFromMs(nowMs: number, keepSeconds: number, pendingFromMs: readonly number[]): number {
  return Math.min(nowMs - keepSeconds * 1000, ...pendingFromMs);
}

/**
 * Which segments to delete (oldest first): those that end before `keepFromMs`, then, if the ring is still
 * over `maxBytes`, the oldest others (a clip waiting for them loses its start rather than the disk filling).
 */
export function ringPrunePlan(segments: readonly RingSegment[], keepFromMs: number, maxBytes: number): RingSegment[] {
  const sorted = [...segments].sort((a, b) => a.startMs - b.startMs);
  const doomed: RingSegment[] = [];
  let total = sorted.reduce((sum, s) => sum + s.bytes, 0);
  for (const s of sorted) {
    if (s.endMs < keepFromMs || total > maxBytes) {
      doomed.push(s);
      total -= s.bytes;
    } else break;
  }
  return doomed;
}

/** The ring's disk budget (bytes): the longest span it may have to hold (pre-roll + a clip to its cap + margin) at the source's top bitrate. */
export function ringBudgetBytes(options: { preSeconds: number; maxSeconds: number; marginSeconds: number; maxBitrateKbps: number }): number {
  const seconds = options.preSeconds + options.maxSeconds + options.marginSeconds;
  return Math.ceil((seconds * options.maxBitrateKbps * 1000) / 8);
}

/** The segment list line ffmpeg's segment muxer prints (`-segment_list_type csv`): `file,start,end` (seconds). */
export function parseSegmentListLine(line: string): { file: string; durationMs: number } | undefined {
  const m = /^(.*),(-?[\d.]+),(-?[\d.]+)\s*$/.exec(line.trim());
  if (m === null) return undefined;
  const durationMs = Math.round((Number(m[3]) - Number(m[2])) * 1000);
  if (!Number.isFinite(durationMs) || durationMs < 0) return undefined;
  return { file: m[1]!.replace(/^"|"$/g, ''), durationMs };
}
