/**
 * Finds a burned-in clock (an on-screen display with the time) from the motion it makes: its seconds
 * digits change once a second, every second, whatever the scene does. A cell of the motion grid that has
 * moved only at whole-second intervals, `DEFAULT_CLOCK_STREAK` times in a row, is taken for part of a
 * clock and its motion is ignored. Traffic does not look like that: its intervals fall on whole seconds
 * about one time in five at 5 fps, so eight in a row happen by chance about 3 times in a million.
 * Pure: cell indices and times in, flags out.
 */

/** The period a clock's digits change with (ms). */
export const DEFAULT_CLOCK_PERIOD_MS = 1_000;
/** How far from a whole number of periods an interval may be and still count (ms): capture-time jitter. */
export const DEFAULT_CLOCK_TOLERANCE_MS = 100;
/** Whole-period intervals in a row that make a cell a clock cell. */
export const DEFAULT_CLOCK_STREAK = 8;
/** A clock cell that has not changed on the clock's beat for this long is no longer one (ms): the OSD was switched off. */
export const DEFAULT_CLOCK_FORGET_MS = 30_000;
/** Intervals longer than this many periods say nothing about a clock (the tens of seconds change every 10 s). */
const MAX_PERIODS = 60;

export interface ClockCellOptions {
  periodMs?: number;
  toleranceMs?: number;
  streak?: number;
  forgetMs?: number;
}

export class ClockCells {
  private readonly periodMs: number;
  private readonly toleranceMs: number;
  private readonly streakNeeded: number;
  private readonly forgetMs: number;
  private readonly lastMoveMs: Float64Array;
  private readonly lastBeatMs: Float64Array;
  private readonly streak: Int32Array;
  private readonly clock: Uint8Array;

  constructor(cellCount: number, options: ClockCellOptions = {}) {
    this.periodMs = options.periodMs ?? DEFAULT_CLOCK_PERIOD_MS;
    this.toleranceMs = options.toleranceMs ?? DEFAULT_CLOCK_TOLERANCE_MS;
    this.streakNeeded = options.streak ?? DEFAULT_CLOCK_STREAK;
    this.forgetMs = options.forgetMs ?? DEFAULT_CLOCK_FORGET_MS;
    this.lastMoveMs = new Float64Array(cellCount).fill(Number.NaN);
    this.lastBeatMs = new Float64Array(cellCount).fill(Number.NaN);
    this.streak = new Int32Array(cellCount);
    this.clock = new Uint8Array(cellCount);
  }

  /** Records that cell `k` moved in the frame at `tMs` (call once per moving cell per frame). */
  moved(k: number, tMs: number): void {
    const last = this.lastMoveMs[k]!;
    this.lastMoveMs[k] = tMs;
    if (Number.isNaN(last)) return;
    const interval = tMs - last;
    const periods = Math.round(interval / this.periodMs);
    const onBeat = periods >= 1 && periods <= MAX_PERIODS && Math.abs(interval - periods * this.periodMs) <= this.toleranceMs;
    if (onBeat) {
      this.lastBeatMs[k] = tMs;
      this.streak[k] = this.streak[k]! + 1;
      if (this.streak[k]! >= this.streakNeeded) this.clock[k] = 1;
    } else if (!this.clock[k]) {
      // Once a clock, other motion over it (a car passing behind the digits) does not undo it.
      this.streak[k] = 0;
    }
  }

  /** Whether cell `k` is part of a clock at `tMs`. */
  isClock(k: number, tMs: number): boolean {
    if (!this.clock[k]) return false;
    if (tMs - this.lastBeatMs[k]! > this.forgetMs) {
      this.clock[k] = 0;
      this.streak[k] = 0;
      return false;
    }
    return true;
  }

  /** How many cells are clock cells now (for stats and logs). */
  count(tMs: number): number {
    let n = 0;
    for (let k = 0; k < this.clock.length; k++) if (this.isClock(k, tMs)) n++;
    return n;
  }
}
