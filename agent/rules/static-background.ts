/**
 * The "dual background" of the static-object detector (after Porikli, Ivanov & Haga, "Robust abandoned
 * object detection using dual foregrounds", EURASIP JASP 2008), per pixel of a small grey copy of the
 * frame:
 *
 * - a FAST model (running mean, `fastMs` time constant) that absorbs anything standing still within
 *   seconds;
 * - a SLOW model that follows only slow drift (it learns a pixel only while the pixel matches it) and so
 *   keeps the old background under a newly placed object.
 *
 * A pixel where the frame differs from the slow model ("changed") but matches the fast one ("still") shows
 * something new that has stopped moving: it is *static*. Once static it stays so while it differs from the
 * slow model, so a passer-by in front of a bag does not break it; when the bag is taken away the pixel
 * matches the slow model again and stops being static. A global brightness change (clouds, auto-exposure,
 * lights switched on) is taken out by a gain between frame and slow model; a change that lasts
 * `relearnMs` is accepted into the slow model (the new normal). Pure: time comes from the caller.
 */

/** The per-pixel work is done at about this width (px): 4× down from a 640 px analysis frame. */
export const DEFAULT_STATIC_WIDTH_PX = 160;
/** Time constant of the fast model (ms): a still object is absorbed (|frame − fast| < threshold) in ~2.5 s. */
export const DEFAULT_FAST_MS = 1_500;
/**
 * Time constant of the slow model on pixels that match it (ms): follows dusk and drifting shade over
 * minutes, while the faint parts of a new object (a clear bottle differs from the wall behind it by less
 * than the threshold inside its outline) are not learned within the minutes an incident needs.
 */
export const DEFAULT_SLOW_MS = 120_000;
/**
 * A grey-level difference (0..255, on the box-averaged copy) above this is a change. Compression noise on
 * the 4×4-averaged copy stays under ~6; a black bag on grey paving differs by 60-120, a dark bag on
 * dark asphalt by ~25.
 */
export const DEFAULT_DIFF_GREY = 18;
/** A change that stays this long is accepted as the new background (ms). */
export const DEFAULT_RELEARN_MS = 600_000;
/**
 * A pixel between this share and its inverse of the background's brightness, with the background's local
 * gradient, is the same surface in shade or light. A black bag on grey paving is at 0.2-0.4.
 */
export const DEFAULT_LIGHT_RATIO_MIN = 0.5;
/**
 * For this long after the first frame (ms) the slow model learns every pixel as fast as the fast one: a car
 * that happened to be in the first frame and drives off is not a "ghost" later. What is still when the
 * bootstrap ends is background (the dumping rule's warm-up says the same of objects).
 */
export const DEFAULT_BOOTSTRAP_MS = 10_000;
/** Gain between frame and slow model is clamped to this range: beyond it the view is not the same scene. */
export const DEFAULT_MAX_GAIN = 2;

export interface DualBackgroundOptions {
  width: number;
  height: number;
  fastMs?: number;
  slowMs?: number;
  diffGrey?: number;
  relearnMs?: number;
  bootstrapMs?: number;
  /** 1 where the pixel is watched (zone); all pixels when absent. Gain is computed over these. */
  mask?: Uint8Array;
}

/** Per-pixel dual background model. Arrays are `width` × `height`, row-major. */
export class DualBackground {
  readonly width: number;
  readonly height: number;
  /** Slow and fast backgrounds (grey levels). */
  readonly slow: Float32Array;
  readonly fast: Float32Array;
  /** The latest frame. */
  readonly current: Float32Array;
  /** 1 where the latest frame differs from the (gain-corrected) slow background. */
  readonly changed: Uint8Array;
  /** 1 where the pixel is static (changed, and still or static since it last was). */
  readonly static: Uint8Array;
  /** Since when the pixel has differed from the slow background (ms); NaN when it matches. */
  readonly changedSinceMs: Float64Array;
  /** Since when the pixel has been static (ms); NaN when it is not. */
  readonly staticSinceMs: Float64Array;
  /** Frame ÷ slow background brightness on unchanged watched pixels (1 = same light). */
  gain = 1;
  /** Share of watched pixels changed in the latest frame (0..1). */
  changedShare = 0;
  /** Share of watched pixels static in the latest frame (0..1). */
  staticShare = 0;
  private readonly o: Required<Omit<DualBackgroundOptions, 'mask'>>;
  private readonly mask?: Uint8Array;
  private readonly watched: number;
  private lastMs?: number;
  private firstMs?: number;

  constructor(options: DualBackgroundOptions) {
    this.width = options.width;
    this.height = options.height;
    const n = options.width * options.height;
    this.o = {
      width: options.width,
      height: options.height,
      fastMs: options.fastMs ?? DEFAULT_FAST_MS,
      slowMs: options.slowMs ?? DEFAULT_SLOW_MS,
      diffGrey: options.diffGrey ?? DEFAULT_DIFF_GREY,
      relearnMs: options.relearnMs ?? DEFAULT_RELEARN_MS,
      bootstrapMs: options.bootstrapMs ?? DEFAULT_BOOTSTRAP_MS,
    };
    if (options.mask !== undefined) this.mask = options.mask;
    let watched = 0;
    for (let i = 0; i < n; i++) if (this.mask === undefined || this.mask[i]) watched++;
    this.watched = Math.max(1, watched);
    this.slow = new Float32Array(n);
    this.fast = new Float32Array(n);
    this.current = new Float32Array(n);
    this.changed = new Uint8Array(n);
    this.static = new Uint8Array(n);
    this.changedSinceMs = new Float64Array(n).fill(NaN);
    this.staticSinceMs = new Float64Array(n).fill(NaN);
  }

  /** Whether a frame has been learned yet. */
  get started(): boolean {
    return this.lastMs !== undefined;
  }

  /** Feeds one grey frame of the model's size; the first one becomes both backgrounds. */
  update(grey: Float32Array, tMs: number): void {
    const n = this.slow.length;
    if (grey.length < n) throw new RangeError(`static background: expected ${this.width}x${this.height} grey`);
    this.current.set(grey.subarray(0, n));
    if (this.lastMs === undefined) {
      this.slow.set(this.current);
      this.fast.set(this.current);
      this.lastMs = tMs;
      this.firstMs = tMs;
      return;
    }
    if (tMs - this.firstMs! < this.o.bootstrapMs) {
      const a = 1 - Math.exp(-Math.max(0, tMs - this.lastMs) / this.o.fastMs);
      this.lastMs = tMs;
      for (let i = 0; i < n; i++) {
        this.fast[i] = this.fast[i]! + a * (this.current[i]! - this.fast[i]!);
        this.slow[i] = this.fast[i]!;
      }
      return;
    }
    const dtMs = Math.max(0, tMs - this.lastMs);
    this.lastMs = tMs;
    const aFast = 1 - Math.exp(-dtMs / this.o.fastMs);
    const aSlow = 1 - Math.exp(-dtMs / this.o.slowMs);
    const T = this.o.diffGrey;
    const relearnMs = this.o.relearnMs;
    const mask = this.mask;
    const gain = this.estimateGain();
    this.gain = gain;
    let changedCount = 0;
    let staticCount = 0;
    for (let i = 0; i < n; i++) {
      const g = this.current[i]!;
      const changed = Math.abs(g - gain * this.slow[i]!) > T && this.differsAround(i, g, gain, T);
      const still = Math.abs(g - this.fast[i]!) < T;
      this.fast[i] = this.fast[i]! + aFast * (g - this.fast[i]!);
      if (!changed) {
        this.changed[i] = 0;
        this.static[i] = 0;
        this.changedSinceMs[i] = NaN;
        this.staticSinceMs[i] = NaN;
        this.slow[i] = this.slow[i]! + aSlow * (g - this.slow[i]!);
        continue;
      }
      if (Number.isNaN(this.changedSinceMs[i]!)) this.changedSinceMs[i] = tMs;
      if (tMs - this.changedSinceMs[i]! >= relearnMs) {
        // Changed for the whole relearn time: this is the background now.
        this.accept(i);
        continue;
      }
      this.changed[i] = 1;
      if (!this.static[i] && this.looksLikeLight(i, gain)) {
        // Same surface, other light (a shadow, a lamp): changed, but never static.
        continue;
      }
      if (still || this.static[i]) {
        this.static[i] = 1;
        if (Number.isNaN(this.staticSinceMs[i]!)) this.staticSinceMs[i] = tMs;
      }
      if (mask === undefined || mask[i]) {
        changedCount++;
        if (this.static[i]) staticCount++;
      }
    }
    this.changedShare = changedCount / this.watched;
    this.staticShare = staticCount / this.watched;
  }

  /**
   * Whether grey level `g` differs from the slow background at every neighbour of pixel `i` too: a camera
   * on a pole sways by a pixel or two, and an edge (a lane mark, a kerb) that moved by one grid pixel
   * (4 analysis px) is not a new object. Without this, the shaking motorway camera made a dozen small
   * "objects" a minute along its lane marks.
   */
  private differsAround(i: number, g: number, gain: number, T: number): boolean {
    const w = this.width;
    const x = i % w;
    const y = (i - x) / w;
    for (let dy = -1; dy <= 1; dy++) {
      const ny = y + dy;
      if (ny < 0 || ny >= this.height) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx;
        if (nx < 0 || nx >= w) continue;
        if (Math.abs(g - gain * this.slow[ny * w + nx]!) <= T) return false;
      }
    }
    return true;
  }

  /**
   * Whether pixel `i` looks like the background under other light: darker or brighter by a plausible
   * factor, with the background's local gradient scaled by the same factor (a flat wall stays flat in a
   * shadow; the outline of a bottle or a bag does not). Shadows measured on the bottle table and the
   * lobby floor: 0.55-0.95 of the background.
   */
  private looksLikeLight(i: number, gain: number): boolean {
    const w = this.width;
    const x = i % w;
    if (x < 1 || x >= w - 1 || i < w || i >= this.slow.length - w) return false;
    const b = gain * this.slow[i]!;
    if (b < 8) return false;
    const c = this.current;
    const r = c[i]! / b;
    if (r < DEFAULT_LIGHT_RATIO_MIN || r > 1 / DEFAULT_LIGHT_RATIO_MIN) return false;
    const s = this.slow;
    const k = gain * r;
    const gx = c[i + 1]! - c[i - 1]! - k * (s[i + 1]! - s[i - 1]!);
    const gy = c[i + w]! - c[i - w]! - k * (s[i + w]! - s[i - w]!);
    return Math.abs(gx) + Math.abs(gy) < this.o.diffGrey;
  }

  /** Takes pixel `i` as it looks now into the slow model: it is background from now on. */
  accept(i: number): void {
    this.slow[i] = this.current[i]! / this.gain;
    this.fast[i] = this.current[i]!;
    this.changed[i] = 0;
    this.static[i] = 0;
    this.changedSinceMs[i] = NaN;
    this.staticSinceMs[i] = NaN;
  }

  /** Accepts every pixel (the view itself changed: camera moved or replaced). */
  acceptAll(): void {
    for (let i = 0; i < this.slow.length; i++) this.accept(i);
    this.changedShare = 0;
    this.staticShare = 0;
  }

  /**
   * Frame ÷ slow brightness over the watched pixels that matched the slow model on the previous frame
   * (objects and passers-by left out), so a global light change is not a change of every pixel.
   */
  private estimateGain(): number {
    let sf = 0;
    let sb = 0;
    for (let i = 0; i < this.slow.length; i++) {
      if (this.changed[i] || (this.mask !== undefined && !this.mask[i])) continue;
      sf += this.current[i]!;
      sb += this.slow[i]!;
    }
    if (sb <= 0 || sf <= 0) return 1;
    return Math.min(DEFAULT_MAX_GAIN, Math.max(1 / DEFAULT_MAX_GAIN, sf / sb));
  }
}
