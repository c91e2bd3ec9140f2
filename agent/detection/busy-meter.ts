/** Window the detector's busy share is measured over (ms): two load-shedding decisions (5 s each) long. */
export const DEFAULT_BUSY_WINDOW_MS = 10_000;

/** Busy share from which the detector is called at capacity (`camwatch status`, the console's warnings): fewer cameras or a lower analysis.fps. */
export const DEFAULT_DETECTOR_BUSY_WARN = 0.9;

/**
 * Share of recent time a resource was busy (0..1). Busy intervals are recorded as they end; only those
 * overlapping the window are kept, so memory is bounded by the number of runs in one window. An interval
 * may count in part (`share`): a pool of two detector workers with one of them running is half busy.
 */
export class BusyMeter {
  private readonly intervals: Array<{ startMs: number; endMs: number; share: number }> = [];
  private totalBusyMs = 0;

  constructor(
    private readonly startedAtMs: number,
    private readonly windowMs = DEFAULT_BUSY_WINDOW_MS,
  ) {}

  /** Records one busy interval (start before end, in the clock the meter was created with), `share` of it busy (0..1). */
  record(startMs: number, endMs: number, share = 1): void {
    if (share <= 0) return;
    this.totalBusyMs += Math.max(0, endMs - startMs) * share;
    this.intervals.push({ startMs, endMs, share });
    const horizon = endMs - this.windowMs;
    while (this.intervals.length && this.intervals[0]!.endMs <= horizon) this.intervals.shift();
  }

  /** Busy share over the last window (or since start, when younger than the window); `running`: an interval still open. */
  recent(nowMs: number, runningSinceMs?: number, runningShare = 1): number {
    const from = Math.max(this.startedAtMs, nowMs - this.windowMs);
    const span = nowMs - from;
    if (span <= 0) return 0;
    let busy = 0;
    for (const { startMs, endMs, share } of this.intervals) busy += Math.max(0, Math.min(endMs, nowMs) - Math.max(startMs, from)) * share;
    // A run still in progress counts too: a detector stuck on one long run is busy, not idle.
    if (runningSinceMs !== undefined) busy += Math.max(0, nowMs - Math.max(runningSinceMs, from)) * runningShare;
    return Math.min(1, busy / span);
  }

  /** Busy share since start. */
  lifetime(nowMs: number): number {
    const span = nowMs - this.startedAtMs;
    return span > 0 ? Math.min(1, this.totalBusyMs / span) : 0;
  }
}
