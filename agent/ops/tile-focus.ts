import { boxArea, intersectionArea, type Box, type CropRect } from '../core/index.js';
import { mergeTileDetections, type Detection } from '../detection/index.js';
import { DEFAULT_ACTIVE_SPEED_PX_S, DEFAULT_KEEPALIVE_SECONDS, type GateReason } from '../motion/index.js';
import { predictedBox, type Track } from '../tracking/index.js';

/**
 * Tiled detection runs each window of its plan as one detector run (2 per frame by default). Most frames
 * of a street change in one part of the frame only: a window where nothing moved and no moving track
 * should be holds what it held on the previous frame, so its previous detections stand in (as they do
 * for the whole frame when the motion gate skips it), and every window runs on the keep-alive cadence.
 */

/**
 * Changed areas are widened by this (analysis px) before they pick windows: a detection box is larger
 * than the moving cells under it (32 px cells at 640 px; a rider's head and wheels move less than the
 * middle of the bike).
 */
export const DEFAULT_FOCUS_MARGIN_PX = 16;
/** Every window runs at least this often (s) while focused: the motion gate's keep-alive, so a window stays as current as a gated whole frame. */
export const DEFAULT_ALL_TILES_EVERY_SECONDS = DEFAULT_KEEPALIVE_SECONDS;
/** A new detection this much inside a kept previous box of its class (share of its own area) is a piece of that object or the same one again. */
const PIECE_INSIDE_SHARE = 0.5;

/** What focusing needs of a track of the previous frame (the tracker's tracks satisfy it). */
export type FocusTrack = Pick<Track, 'box' | 'lastSeenMs' | 'velocityPxPerS' | 'history' | 'speedPxPerS'>;

/**
 * Where something can have changed since the previous frame (analysis px): the moving regions, and for
 * each moving track (faster than `activeSpeedPxS`, or of unknown speed, as the gate counts them) the
 * span from its last box to where it should be now. Stationary tracks add nothing: their windows keep
 * their previous detections until the next all-windows run.
 */
export function changedAreas(regions: readonly Box[], tracks: readonly FocusTrack[], tMs: number, activeSpeedPxS = DEFAULT_ACTIVE_SPEED_PX_S): Box[] {
  const areas = regions.map((r) => ({ x1: r.x1, y1: r.y1, x2: r.x2, y2: r.y2 }));
  for (const t of tracks) {
    if ((t.speedPxPerS ?? Number.POSITIVE_INFINITY) <= activeSpeedPxS) continue;
    const p = predictedBox(t, tMs);
    areas.push({ x1: Math.min(t.box.x1, p.x1), y1: Math.min(t.box.y1, p.y1), x2: Math.max(t.box.x2, p.x2), y2: Math.max(t.box.y2, p.y2) });
  }
  return areas;
}

/**
 * Indices (ascending) of the fewest windows of `plan` that see every changed area (widened by `marginPx`,
 * clipped to the plan's extent) whole: windows overlap, so an object in a shared band needs only one of
 * them. Greedy set cover, the window holding most still-unseen areas first (ties: the lower index); an
 * area no single window holds (wider than a window) takes every window it touches, whose merge joins it.
 */
export function tilesToRun(plan: readonly CropRect[], changed: readonly Box[], marginPx = DEFAULT_FOCUS_MARGIN_PX): number[] {
  if (plan.length === 0) return [];
  const ext = {
    x1: Math.min(...plan.map((r) => r.x)),
    y1: Math.min(...plan.map((r) => r.y)),
    x2: Math.max(...plan.map((r) => r.x + r.width)),
    y2: Math.max(...plan.map((r) => r.y + r.height)),
  };
  const areas = changed
    .map((c) => ({ x1: Math.max(ext.x1, c.x1 - marginPx), y1: Math.max(ext.y1, c.y1 - marginPx), x2: Math.min(ext.x2, c.x2 + marginPx), y2: Math.min(ext.y2, c.y2 + marginPx) }))
    .filter((a) => a.x2 > a.x1 && a.y2 > a.y1);
  const chosen = new Set<number>();
  const holders = areas.map((a) => plan.flatMap((r, i) => (a.x1 >= r.x && a.y1 >= r.y && a.x2 <= r.x + r.width && a.y2 <= r.y + r.height ? [i] : [])));
  areas.forEach((a, k) => {
    if (holders[k]!.length > 0) return;
    plan.forEach((r, i) => {
      if (a.x1 < r.x + r.width && a.x2 > r.x && a.y1 < r.y + r.height && a.y2 > r.y) chosen.add(i);
    });
  });
  let unseen = areas.map((_, k) => k).filter((k) => holders[k]!.length > 0 && !holders[k]!.some((i) => chosen.has(i)));
  while (unseen.length > 0) {
    let best = -1;
    let bestCount = 0;
    plan.forEach((_, i) => {
      const n = unseen.filter((k) => holders[k]!.includes(i)).length;
      if (n > bestCount) [best, bestCount] = [i, n];
    });
    chosen.add(best);
    unseen = unseen.filter((k) => !holders[k]!.includes(best));
  }
  return [...chosen].sort((a, b) => a - b);
}

/** The windows one frame runs and what the merge needs to know about the others. */
export interface TileChoice {
  run: CropRect[];
  /** Every window of the plan runs (the merge keeps nothing from the previous frame). */
  all: boolean;
  /** Where something can have changed (empty when all run). */
  changed: Box[];
}

/** One frame's input to the choice. */
export interface TileFocusInput {
  plan: readonly CropRect[];
  /** Why the gate let the frame through: its re-checks (keep-alive, sweep) look at every window. */
  reason: GateReason;
  /** Moving regions of the frame (analysis px); undefined when motion has no regions (first frame, a whole-scene change). */
  regions: readonly Box[] | undefined;
  /** Tracks of the previous analysed frame. */
  tracks: readonly FocusTrack[];
  tMs: number;
}

/**
 * Chooses, per frame, which windows of the tiled plan the detector runs: all of them on the gate's
 * re-checks, on whole-scene motion and at least every `allEverySeconds`; otherwise the fewest that see
 * every changed area whole (possibly none: the motion lay outside the tiled region). Pure apart from remembering when
 * all windows last ran; time comes in as an argument.
 */
export class TileFocus {
  private lastAllMs = Number.NEGATIVE_INFINITY;
  private readonly allEveryMs: number;
  private readonly marginPx: number;
  private readonly activeSpeedPxS: number;

  constructor(options: { allEverySeconds?: number; marginPx?: number; activeSpeedPxS?: number } = {}) {
    this.allEveryMs = (options.allEverySeconds ?? DEFAULT_ALL_TILES_EVERY_SECONDS) * 1000;
    this.marginPx = options.marginPx ?? DEFAULT_FOCUS_MARGIN_PX;
    this.activeSpeedPxS = options.activeSpeedPxS ?? DEFAULT_ACTIVE_SPEED_PX_S;
  }

  choose(input: TileFocusInput): TileChoice {
    const { plan, reason, regions, tMs } = input;
    const recheck = reason === 'keep-alive' || reason === 'sweep' || regions === undefined;
    if (recheck || tMs - this.lastAllMs >= this.allEveryMs) return this.all(plan, tMs);
    const changed = changedAreas(regions, input.tracks, tMs, this.activeSpeedPxS);
    const touched = tilesToRun(plan, changed, this.marginPx);
    if (touched.length === plan.length) return this.all(plan, tMs);
    return { run: touched.map((i) => plan[i]!), all: false, changed };
  }

  private all(plan: readonly CropRect[], tMs: number): TileChoice {
    this.lastAllMs = tMs;
    return { run: [...plan], all: true, changed: [] };
  }
}

/**
 * One frame's detections after some windows ran: the run windows' detections merged (mergeTileDetections),
 * plus the previous detections the run windows could not have replaced — not wholly inside the area they
 * cover, and not on a changed area (those were where moving objects used to be). A new detection lying
 * mostly inside a kept box of its class is that object again, or a piece of it cut by the edge of a
 * window that did not run: the kept box stands.
 */
export function mergeFocusedTiles<D extends Detection>(
  perTile: ReadonlyArray<{ rect: CropRect; detections: readonly D[] }>,
  previous: readonly D[],
  changed: readonly Box[],
  iouThreshold: number,
): D[] {
  const rects = perTile.map((t) => t.rect);
  const kept = previous.filter((d) => !coveredBy(d.box, rects) && !changed.some((c) => intersectionArea(c, d.box) > 0));
  const fresh = mergeTileDetections(perTile, iouThreshold).filter(
    (d) => !kept.some((k) => k.classId === d.classId && intersectionArea(k.box, d.box) >= PIECE_INSIDE_SHARE * boxArea(d.box)),
  );
  return [...kept, ...fresh];
}

/** Whether the union of `rects` covers `box` entirely (exact: over the grid their edges cut the box into). */
export function coveredBy(box: Box, rects: readonly CropRect[]): boolean {
  if (boxArea(box) <= 0) return rects.some((r) => box.x1 >= r.x && box.x2 <= r.x + r.width && box.y1 >= r.y && box.y2 <= r.y + r.height);
  const cuts = (lo: number, hi: number, edges: number[]) => [lo, ...edges.filter((e) => e > lo && e < hi), hi].sort((a, b) => a - b);
  const xs = cuts(box.x1, box.x2, rects.flatMap((r) => [r.x, r.x + r.width]));
  const ys = cuts(box.y1, box.y2, rects.flatMap((r) => [r.y, r.y + r.height]));
  for (let i = 0; i + 1 < xs.length; i++) {
    for (let j = 0; j + 1 < ys.length; j++) {
      const cx = (xs[i]! + xs[i + 1]!) / 2;
      const cy = (ys[j]! + ys[j + 1]!) / 2;
      if (!rects.some((r) => cx >= r.x && cx <= r.x + r.width && cy >= r.y && cy <= r.y + r.height)) return false;
    }
  }
  return true;
}
