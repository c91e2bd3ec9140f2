import { iou, type Box, type CropRect } from '../core/index.js';
import type { Detection } from './types.js';

/**
 * Tiled detection for small, far objects. A 640 px analysis frame shrunk into YOLOX-nano's 416 px input is
 * a 0.65x shrink: a motorbike rider facing the camera 20 px wide becomes 13 px and scores 0.18-0.38 as
 * `person`, with no `motorcycle` box under them (Jakarta boulevard at 6 s). Windows of the model input's
 * size at native resolution see them: on the Saigon bike lane the line counts 5 of the 5 motorbikes instead
 * of 1 (`camwatch eval eval/clips/vn_saigon_intersection.yaml --set camera.tiling.enabled=true`). Each window
 * costs one inference: the plan is capped by `maxTiles`, beyond which windows grow (and shrink in the model)
 * until they fit the cap.
 */

/** Windows per frame at most (each is one detector run). */
export const DEFAULT_MAX_TILES = 2;
/**
 * Neighbouring windows share at least this many frame pixels, so an object narrower than that is whole in
 * one of them: a motorbike seen from the front at 640 px is 15-40 px wide, a car up close ~90 px.
 */
export const DEFAULT_MIN_TILE_OVERLAP_PX = 96;
/** A box this close (px) to a window edge shared with another window is an object cut by it. */
const EDGE_PX = 2;
/** Windows grow by this factor per step when the cap would be exceeded. */
const GROWTH = 1.1;

/**
 * Windows covering `region` (frame pixels), each the model input's shape at the smallest scale (≥ 1, native
 * resolution) for which at most `maxTiles` cover it with `minOverlapPx` shared between neighbours. One
 * window (the region itself or a window around it) when the region fits the input. Deterministic.
 */
export function planTiles(
  region: CropRect,
  input: { width: number; height: number },
  options: { maxTiles?: number; minOverlapPx?: number } = {},
): CropRect[] {
  const maxTiles = Math.max(1, Math.floor(options.maxTiles ?? DEFAULT_MAX_TILES));
  const overlap = options.minOverlapPx ?? DEFAULT_MIN_TILE_OVERLAP_PX;
  for (let scale = 1; ; scale *= GROWTH) {
    const w = Math.min(region.width, Math.round(input.width * scale));
    const h = Math.min(region.height, Math.round(input.height * scale));
    const nx = countAlong(region.width, w, overlap);
    const ny = countAlong(region.height, h, overlap);
    if (nx * ny <= maxTiles || (w === region.width && h === region.height)) {
      const xs = positions(region.x, region.width, w, nx);
      const ys = positions(region.y, region.height, h, ny);
      return ys.flatMap((y) => xs.map((x) => ({ x, y, width: w, height: h })));
    }
  }
}

/** Windows of `size` needed along `length` with at least `overlap` shared between neighbours. */
function countAlong(length: number, size: number, overlap: number): number {
  if (size >= length) return 1;
  const step = Math.max(1, size - Math.min(overlap, size - 1));
  return Math.ceil((length - size) / step) + 1;
}

/** `n` window starts spread evenly from `start` to `start + length - size`. */
function positions(start: number, length: number, size: number, n: number): number[] {
  if (n === 1) return [start + Math.max(0, Math.floor((length - size) / 2))];
  return Array.from({ length: n }, (_, i) => start + Math.round((i * (length - size)) / (n - 1)));
}

/**
 * One frame's detections from its windows' (each in window pixels): moved to frame pixels; a box cut by a
 * window edge that another window covers is dropped when that window sees the same part whole, and
 * pieces of one object wider than the overlap are joined; then duplicates from overlapping windows are
 * suppressed per class (`iouThreshold`, the detector's NMS threshold), best score first.
 */
export function mergeTileDetections<D extends Detection>(
  perTile: ReadonlyArray<{ rect: CropRect; detections: readonly D[] }>,
  iouThreshold: number,
): D[] {
  const rects = perTile.map((t) => t.rect);
  const whole: D[] = [];
  const pieces: Array<{ d: D; tile: number }> = [];
  perTile.forEach(({ rect, detections }, tile) => {
    const others = rects.filter((_, i) => i !== tile);
    for (const d of detections) {
      const box = { x1: d.box.x1 + rect.x, y1: d.box.y1 + rect.y, x2: d.box.x2 + rect.x, y2: d.box.y2 + rect.y };
      const moved = { ...d, box };
      if (!cutBySharedEdge(box, rect, others)) whole.push(moved);
      // Another window holds this part uncut: it has the object, or a larger piece of it.
      else if (!rects.some((o, i) => i !== tile && holds(o, box, rects.filter((_, j) => j !== i)))) pieces.push({ d: moved, tile });
    }
  });
  return suppressDuplicates([...whole, ...joinPieces(pieces)], iouThreshold);
}

/** Whether `box` touches an edge of `rect` that lies inside another window (not the region's border). */
function cutBySharedEdge(box: Box, rect: CropRect, others: readonly CropRect[]): boolean {
  const right = rect.x + rect.width;
  const bottom = rect.y + rect.height;
  const midY = (box.y1 + box.y2) / 2;
  const midX = (box.x1 + box.x2) / 2;
  // An upright edge at x is shared when x lies strictly inside another window at the box's height; a level edge likewise.
  const uprightShared = (x: number) => others.some((o) => x > o.x && x < o.x + o.width && midY >= o.y && midY <= o.y + o.height);
  const levelShared = (y: number) => others.some((o) => y > o.y && y < o.y + o.height && midX >= o.x && midX <= o.x + o.width);
  return (
    (box.x1 <= rect.x + EDGE_PX && uprightShared(rect.x)) ||
    (box.x2 >= right - EDGE_PX && uprightShared(right)) ||
    (box.y1 <= rect.y + EDGE_PX && levelShared(rect.y)) ||
    (box.y2 >= bottom - EDGE_PX && levelShared(bottom))
  );
}

/** Whether window `rect` holds `box` and no edge it shares with another window cuts it (the region's border may). */
function holds(rect: CropRect, box: Box, others: readonly CropRect[]): boolean {
  const within = box.x1 >= rect.x && box.y1 >= rect.y && box.x2 <= rect.x + rect.width && box.y2 <= rect.y + rect.height;
  return within && !cutBySharedEdge(box, rect, others);
}

/** Pieces of one object from different windows (same class, overlapping): one box around both, the better score. */
function joinPieces<D extends Detection>(pieces: ReadonlyArray<{ d: D; tile: number }>): D[] {
  const out: Array<{ d: D; tiles: Set<number> }> = [];
  for (const p of [...pieces].sort((a, b) => b.d.score - a.d.score)) {
    const match = out.find((o) => o.d.classId === p.d.classId && !o.tiles.has(p.tile) && overlaps(o.d.box, p.d.box));
    if (!match) {
      out.push({ d: p.d, tiles: new Set([p.tile]) });
      continue;
    }
    const a = match.d.box;
    const b = p.d.box;
    match.d = { ...match.d, box: { x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1), x2: Math.max(a.x2, b.x2), y2: Math.max(a.y2, b.y2) } };
    match.tiles.add(p.tile);
  }
  return out.map((o) => o.d);
}

/**
 * Two pieces of one object: they overlap, and along the cut they agree — pieces cut by an upright edge
 * share half the smaller one's height, pieces cut by a level edge half its width.
 */
function overlaps(a: Box, b: Box): boolean {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return false;
  return h >= 0.5 * Math.min(a.y2 - a.y1, b.y2 - b.y1) || w >= 0.5 * Math.min(a.x2 - a.x1, b.x2 - b.x1);
}

/** Greedy per-class suppression of duplicates seen whole by two windows. */
function suppressDuplicates<D extends Detection>(detections: readonly D[], iouThreshold: number): D[] {
  const kept: D[] = [];
  for (const d of [...detections].sort((a, b) => b.score - a.score)) {
    if (!kept.some((k) => k.classId === d.classId && iou(k.box, d.box) > iouThreshold)) kept.push(d);
  }
  return kept;
}
