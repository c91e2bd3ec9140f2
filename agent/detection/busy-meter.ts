/** Window the detector's busy share is measured over (ms): two load-shedding decisions (5 s each) long. */
export const DEFAULT_BUSY_WINDOW_MS = 10_000;

/** Busy share from which the detector is called at capacity (`camwatch status`, the console's warnings): fewer cameras or a lower analysis.fps. */
export const DEFAULT_DETECTOR_BUSY_WARN = 0.9;

/**
 * Share of recent time a resource was busy (0..1). Busy intervals are recorded as they end; only those
 * overlapping the window are kept, so memory is bounded by the number of runs in one window.
 */
export class BusyMeter {
  private readonly intervals: Array<{ startMs: number; endMs: number }> = [];
  private totalBusyMs = 0;

  constructor(
    private readonly startedAtMs: number,
    private readonly windowMs = DEFAULT_BUSY_WINDOW_MS,
  ) {}

  /** Records one busy interval (start before end, in the clock the meter was created with). */
  record(startMs: number, endMs: number): void {
    this.totalBusyMs += Math.max(0, endMs - startMs);
    this.intervals.push({ startMs, endMs });
    const horizon = endMs - this.windowMs;
    while (this.intervals.length && this.intervals[0]!.endMs <= horizon) this.intervals.shift();
  }

  /** Busy share over the last window (or since start, when younger than the window). */
  recent(nowMs: number, runningSinceMs?: number): number {
    const from = Math.max(this.startedAtMs, nowMs - this.windowMs);
    const span = nowMs - from;
    if (span <= 0) return 0;
    let busy = 0;
    for (const { startMs, endMs } of this.intervals) busy += Math.max(0, Math.min(endMs, nowMs) - Math.max(startMs, from));
    // A run still in progress counts too: a detector stuck on one long run is busy, not idle.
    if (runningSinceMs !== undefined) busy += Math.max(0, nowMs - Math.max(runningSinceMs, from));
    return Math.min(1, busy / span);
  }

  /** Busy share since start. */
  lifetime(nowMs: number): number {
    const span = nowMs - this.startedAtMs;
    return span > 0 ? Math.min(1, this.totalBusyMs / span) : 0;
  }
}
