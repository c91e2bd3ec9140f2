/**
 * A condition that must hold for a while before it counts, and stay false for a while before it stops
 * counting — the debouncing shared by zone-level and camera health rules. Pure: the caller gives the
 * condition and the time of each observation.
 */

/** What one observation did to the episode. */
export type SustainedEvent = 'start' | 'update' | 'end' | undefined;

export interface SustainedOptions {
  /** How long the condition must hold before the episode starts (ms). */
  minMs: number;
  /** How long it must be false before a started episode ends (ms). */
  clearMs: number;
  /**
   * A false observation shorter than this does not reset a condition that has not started yet (ms):
   * counts flicker when a detection drops out for a frame.
   */
  gapToleranceMs?: number;
}

/** Short gaps (one or two missed frames at 5 fps) do not reset a condition still building up. */
export const DEFAULT_GAP_TOLERANCE_MS = 1_000;

export class Sustained {
  private readonly minMs: number;
  private readonly clearMs: number;
  private readonly gapToleranceMs: number;
  /** Start of the current run of the condition; undefined when idle. */
  private trueSinceMs?: number;
  /** First false observation since the condition was last true. */
  private falseSinceMs?: number;
  private open = false;
  /** When the episode started (the condition's first true observation of it). */
  private episodeSinceMs?: number;

  constructor(options: SustainedOptions) {
    this.minMs = options.minMs;
    this.clearMs = options.clearMs;
    this.gapToleranceMs = options.gapToleranceMs ?? DEFAULT_GAP_TOLERANCE_MS;
  }

  /** Feeds one observation; returns `start` once the condition has held minMs, `update` for each true observation while open, `end` once it has been false for clearMs. */
  step(condition: boolean, tMs: number): SustainedEvent {
    if (condition) {
      this.falseSinceMs = undefined;
      this.trueSinceMs ??= tMs;
      if (this.open) return 'update';
      if (tMs - this.trueSinceMs >= this.minMs) {
        this.open = true;
        this.episodeSinceMs = this.trueSinceMs;
        return 'start';
      }
      return undefined;
    }
    if (this.trueSinceMs === undefined) return undefined;
    this.falseSinceMs ??= tMs;
    const falseFor = tMs - this.falseSinceMs;
    if (this.open) {
      if (falseFor >= this.clearMs) {
        this.reset();
        return 'end';
      }
      // Clearing: nothing new to report until it either ends or comes back.
      return undefined;
    }
    if (falseFor >= this.gapToleranceMs) this.reset();
    return undefined;
  }

  /** Ends an open episode now (schedule off, rule stopped); returns whether one was open. */
  forceEnd(): boolean {
    const was = this.open;
    this.reset();
    return was;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Start of the open episode (ms), or of the condition building up; undefined when idle. */
  get sinceMs(): number | undefined {
    return this.open ? this.episodeSinceMs : this.trueSinceMs;
  }

  private reset(): void {
    this.open = false;
    this.trueSinceMs = undefined;
    this.falseSinceMs = undefined;
    this.episodeSinceMs = undefined;
  }
}
