import type { Box, RgbImage } from '../detection/index.js';
import { boxArea, intersectionArea, iou } from '../core/index.js';
import type { Track } from '../tracking/index.js';
import { frameStats, shrinkGrey } from './frame-stats.js';
import { pointInPolygon, type Point } from './geometry.js';
import { DEFAULT_STATIC_WIDTH_PX, DualBackground } from './static-background.js';
import { classifyBlob, labelBlobs, type BlobVerdict, type PixelBlob } from './static-blobs.js';
import { estimateViewShift, viewMoved } from './view-shift.js';

/** Blobs smaller than this (grid pixels) are noise, neither judged nor learned. */
export const DEFAULT_MIN_BLOB_PIXELS = 3;
/** An object's blob spans at least this many grid pixels each way (4 analysis px each at 640 px). */
export const DEFAULT_MIN_SIDE_PIXELS = 3;
/** …and fills at least this share of its box. */
export const DEFAULT_MIN_FILL = 0.3;
/**
 * An object hidden behind tracked vehicles or people this long is gone (ms): in a jam the place is never
 * seen, and a "static" blob born in a gap between cars is more likely a piece of a car than a bag.
 */
export const DEFAULT_OCCLUDED_MAX_MS = 10_000;
/** A blob must have been static this long before it is judged (ms): one frame of agreement is noise. */
export const DEFAULT_STATIC_CONFIRM_MS = 1_000;
/** An object whose pixels have matched the background this long is gone (ms): taken away, or relearned. */
export const DEFAULT_STATIC_GONE_MS = 1_000;
/** An object is present while at least this share of its pixels still differs from the background. */
export const DEFAULT_STATIC_PRESENT_SHARE = 0.5;
/** More than this share of the frame static at once is the view changing (camera moved), not an object. */
export const DEFAULT_VIEW_CHANGE_SHARE = 0.5;
/**
 * Where a tracked vehicle or person was last seen is remembered this long (ms): a blob that fills half
 * of such a box is that object, lost by the detector in place or just gone (a parked car's "ghost").
 */
export const DEFAULT_VANISHED_MEMORY_MS = 60_000;
/** A blob overlapping such a remembered box this much (IoU) is that object. */
export const DEFAULT_VANISHED_IOU = 0.3;
/** A tracked box grown by this share of its size on each side still explains a blob it touches (its shadow, its feet). */
export const DEFAULT_EXPLAIN_MARGIN = 0.1;

/** Options of the static-object detector, geometry in analysis-frame pixels. */
export interface StaticObjectsOptions {
  /** Watched area: a blob counts when its bottom-centre is inside; whole frame when absent. */
  polygon?: readonly Point[];
  /** Plausible size of an object (analysis-frame px²). */
  minAreaPx: number;
  maxAreaPx: number;
  /** A change that stays this long is the new background (ms). */
  relearnMs: number;
  /** Tracked classes that explain a change (vehicles, persons): blobs they touch are not objects. */
  explainClasses: ReadonlySet<string>;
  workWidthPx?: number;
  confirmMs?: number;
  goneMs?: number;
}

/** One object that appeared and stays, found from pixels alone. */
export interface StaticObject {
  /** Stable for the object's life: `static@<bornMs>#<n>`. */
  readonly key: string;
  /** In analysis-frame pixels. */
  box: Box;
  areaPx: number;
  /** The frame it was first reported on (static, unexplained, of plausible size, looking like an object put down). */
  readonly bornMs: number;
  /** When its pixels began to differ from the background (median over its pixels): about when it was put down. */
  readonly appearedMs: number;
  /** Last frame it was seen unhidden with its pixels still changed: rules open incidents only on such a frame. */
  lastPresentMs: number;
  /** Since when a tracked vehicle or person has covered it (undefined: in view). */
  hiddenSinceMs?: number;
  readonly verdict: BlobVerdict;
  /** Its pixels on the model grid. */
  readonly pixels: readonly number[];
}

/** What one frame did: objects new in it, all present in it, and objects just gone. */
export interface StaticFrame {
  born: StaticObject[];
  seen: StaticObject[];
  gone: StaticObject[];
}

interface LastSeen {
  box: Box;
  tMs: number;
}

/**
 * The model-agnostic static-object detector: a dual background over a small grey copy of the frame
 * (static-background.ts), blobs of static pixels (static-blobs.ts), and the objects they are, followed
 * until their pixels match the background again. A blob becomes an object when it has been static for a
 * second, is of plausible size, lies in the zone, looks like something put down (a new outline, not the
 * same paving in shade), and no tracked vehicle or person explains it (touches it now, or has its shape
 * where one was last seen). Blobs that are uncovered background (a removed object, a parked car's ghost) or light
 * are learned into the background at once. Pure: time and frames come from the caller.
 */
export class StaticObjects {
  private readonly o: Required<Omit<StaticObjectsOptions, 'polygon'>> & Pick<StaticObjectsOptions, 'polygon'>;
  private model?: DualBackground;
  /** Analysis px per grid px. */
  private scale = 1;
  /** Grid pixel → index+1 of the object that owns it (0: none). */
  private owner?: Int32Array;
  /** The previous frame on the model grid (a pan shows as this, translated). */
  private previous?: Float32Array;
  /** Grid pixels under tracked vehicles and people this frame: left out of the view-shift test. */
  private ignore?: Uint8Array;
  private readonly objects = new Map<string, StaticObject>();
  private readonly ownerIds = new Map<string, number>();
  private readonly lastSeen = new Map<number, LastSeen>();
  private nextId = 1;

  constructor(options: StaticObjectsOptions) {
    this.o = {
      ...options,
      workWidthPx: options.workWidthPx ?? DEFAULT_STATIC_WIDTH_PX,
      confirmMs: options.confirmMs ?? DEFAULT_STATIC_CONFIRM_MS,
      goneMs: options.goneMs ?? DEFAULT_STATIC_GONE_MS,
    };
  }

  /** The dual background (after the first frame), for tests and tools. */
  get background(): DualBackground | undefined {
    return this.model;
  }

  /** Objects present now. */
  get present(): readonly StaticObject[] {
    return [...this.objects.values()];
  }

  /** Feeds one analysed frame and the tracks in it. */
  update(frame: RgbImage, tracks: readonly Track[], tMs: number): StaticFrame {
    const stats = frameStats(frame);
    const small = shrinkGrey(stats.grey, stats.width, stats.height, this.o.workWidthPx);
    if (this.model === undefined || this.model.width !== small.width || this.model.height !== small.height) {
      this.model = new DualBackground({ width: small.width, height: small.height, relearnMs: this.o.relearnMs });
      this.owner = new Int32Array(small.width * small.height);
      this.ignore = new Uint8Array(small.width * small.height);
      this.previous = undefined;
      this.scale = frame.width / small.width;
    }
    const model = this.model;
    model.update(small.grey, tMs);
    const out: StaticFrame = { born: [], seen: [], gone: [] };
    const explaining = tracks.filter((t) => this.o.explainClasses.has(t.className));
    this.remember(explaining, tMs);

    const previous = this.previous;
    this.previous = Float32Array.from(small.grey);
    if (model.staticShare > DEFAULT_VIEW_CHANGE_SHARE || this.viewHasMoved(model, previous, explaining)) {
      // Camera moved or replaced (most of the view static, or the view found translated): the whole view is
      // new; nothing in it was "put down".
      model.acceptAll();
      for (const obj of [...this.objects.values()]) out.gone.push(this.drop(obj));
      return out;
    }

    for (const obj of [...this.objects.values()]) {
      // Behind a vehicle or person its pixels say nothing (they differ from the background either way):
      // the object is neither confirmed nor lost then, for up to DEFAULT_OCCLUDED_MAX_MS.
      const hidden = explaining.some((t) => intersectionArea(t.box, obj.box) > 0);
      if (hidden) {
        obj.hiddenSinceMs ??= tMs;
      } else {
        obj.hiddenSinceMs = undefined;
        let still = 0;
        for (const i of obj.pixels) if (model.changed[i]) still++;
        if (still >= DEFAULT_STATIC_PRESENT_SHARE * obj.pixels.length) obj.lastPresentMs = tMs;
      }
      const lostMs = hidden ? tMs - obj.hiddenSinceMs! - DEFAULT_OCCLUDED_MAX_MS : tMs - obj.lastPresentMs;
      if (lostMs > this.o.goneMs) out.gone.push(this.drop(obj));
      else out.seen.push(obj);
    }

    for (const blob of labelBlobs(model.static, model.width, model.height, DEFAULT_MIN_BLOB_PIXELS)) {
      const obj = this.judge(blob, explaining, tMs);
      if (obj === undefined) continue;
      out.born.push(obj);
      out.seen.push(obj);
    }
    return out;
  }

  /**
   * Whether the view itself moved (view-shift.ts): the frame is the previous frame translated (a pan in
   * progress) or the background translated (a slow drift), tracked vehicles and people left out.
   */
  private viewHasMoved(model: DualBackground, previous: Float32Array | undefined, explaining: readonly Track[]): boolean {
    const ignore = this.ignore!;
    ignore.fill(0);
    for (const t of explaining) {
      const x1 = Math.max(0, Math.floor(t.box.x1 / this.scale));
      const x2 = Math.min(model.width - 1, Math.floor(t.box.x2 / this.scale));
      const y1 = Math.max(0, Math.floor(t.box.y1 / this.scale));
      const y2 = Math.min(model.height - 1, Math.floor(t.box.y2 / this.scale));
      for (let y = y1; y <= y2; y++) ignore.fill(1, y * model.width + x1, y * model.width + x2 + 1);
    }
    const { width, height } = model;
    if (previous !== undefined && previous.length === model.current.length && viewMoved(estimateViewShift(model.current, previous, width, height, { ignore }))) return true;
    return viewMoved(estimateViewShift(model.current, model.slow, width, height, { gain: model.gain, ignore }));
  }

  /** A blob → a new object, or undefined (not one, not yet, or already known). May learn the blob into the background. */
  private judge(blob: PixelBlob, explaining: readonly Track[], tMs: number): StaticObject | undefined {
    const model = this.model!;
    const owner = this.owner!;
    let owned = 0;
    for (const i of blob.pixels) if (owner[i]) owned++;
    if (owned * 2 >= blob.pixels.length) return undefined;
    if (median(blob.pixels.map((i) => tMs - model.staticSinceMs[i]!)) < this.o.confirmMs) return undefined;
    const box: Box = { x1: blob.x1 * this.scale, y1: blob.y1 * this.scale, x2: (blob.x2 + 1) * this.scale, y2: (blob.y2 + 1) * this.scale };
    // A vehicle or person touching it: its shadow, its feet, itself standing still. Wait until it goes.
    if (explaining.some((t) => intersectionArea(grow(t.box, this.scale), box) > 0)) return undefined;
    const verdict = classifyBlob(blob, model.current, model.slow, model.width, model.height, model.gain);
    // Uncovered background (a removed object, a ghost) or the same surface in other light: learned now, whatever its size.
    if (verdict.kind === 'removed' || verdict.kind === 'lighting') return this.learn(blob);
    for (const [, seen] of this.lastSeen) {
      // The shape of a tracked vehicle or person where it was last seen: that object, lost by the
      // detector in place, or its ghost. (A bag at a person's feet is a tenth of the person's box.)
      if (seen.tMs < tMs && iou(seen.box, box) >= DEFAULT_VANISHED_IOU) return this.learn(blob);
    }
    if (verdict.kind !== 'added') return undefined;
    // Thin slivers along edges (a lane mark that moved by a pixel) are not objects; a bag is compact.
    const gw = blob.x2 - blob.x1 + 1;
    const gh = blob.y2 - blob.y1 + 1;
    if (gw < DEFAULT_MIN_SIDE_PIXELS || gh < DEFAULT_MIN_SIDE_PIXELS || blob.pixels.length < DEFAULT_MIN_FILL * gw * gh) return undefined;
    // The box, not the pixel count: a flat middle that passes for shade leaves only the outline static.
    const areaPx = boxArea(box);
    if (areaPx < this.o.minAreaPx || areaPx > this.o.maxAreaPx) return undefined;
    if (this.o.polygon !== undefined && !pointInPolygon({ x: (box.x1 + box.x2) / 2, y: box.y2 }, this.o.polygon)) return undefined;
    const id = this.nextId++;
    const obj: StaticObject = {
      key: `static@${tMs}#${id}`,
      box,
      areaPx,
      bornMs: tMs,
      appearedMs: tMs - median(blob.pixels.map((i) => tMs - model.changedSinceMs[i]!)),
      lastPresentMs: tMs,
      verdict,
      pixels: blob.pixels,
    };
    for (const i of blob.pixels) if (!owner[i]) owner[i] = id;
    this.objects.set(obj.key, obj);
    this.ownerIds.set(obj.key, id);
    return obj;
  }

  /**
   * Learns a blob into the background, except the pixels of objects already found: a blob can be an object
   * joined with what stood by it (the ghost of its owner, learned as a vanished person), and learning the
   * object's pixels with it loses the object (the lobby bag, with some frame timings: no incident at all).
   */
  private learn(blob: PixelBlob): undefined {
    const owner = this.owner!;
    for (const i of blob.pixels) if (!owner[i]) this.model!.accept(i);
    return undefined;
  }

  private drop(obj: StaticObject): StaticObject {
    const id = this.ownerIds.get(obj.key);
    const owner = this.owner!;
    if (id !== undefined) for (const i of obj.pixels) if (owner[i] === id) owner[i] = 0;
    this.objects.delete(obj.key);
    this.ownerIds.delete(obj.key);
    return obj;
  }

  private remember(tracks: readonly Track[], tMs: number): void {
    for (const t of tracks) this.lastSeen.set(t.id, { box: { ...t.box }, tMs });
    for (const [id, seen] of this.lastSeen) if (tMs - seen.tMs > DEFAULT_VANISHED_MEMORY_MS) this.lastSeen.delete(id);
  }
}

/** A box grown by DEFAULT_EXPLAIN_MARGIN of its size on each side, and at least `minPx`. */
function grow(b: Box, minPx: number): Box {
  const mx = Math.max(minPx, (b.x2 - b.x1) * DEFAULT_EXPLAIN_MARGIN);
  const my = Math.max(minPx, (b.y2 - b.y1) * DEFAULT_EXPLAIN_MARGIN);
  return { x1: b.x1 - mx, y1: b.y1 - my, x2: b.x2 + mx, y2: b.y2 + my };
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = values.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
