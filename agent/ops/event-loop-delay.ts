import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Sampling resolution of the delay histogram (ms): finer costs a timer wake-up per period on the main thread. */
const RESOLUTION_MS = 10;
/** Each window's figures are kept and the histogram restarted this often (ms): the status's "last 10 s", as the detector's busy share. */
export const EVENT_LOOP_WINDOW_MS = 10_000;

/** How late the main thread ran its callbacks over the last window (ms). */
export interface EventLoopDelay {
  p99Ms: number;
  maxMs: number;
}

/**
 * The main thread's event-loop delay. Every camera's frames, motion, tracking, rules, the store's synchronous
 * commits and the detector workers' answers go through this one thread: when it is late, each detection waits
 * on it without any core being busy (measured at 7 busy 720p cameras: late by p99 30-63 ms, up to ~190 ms, with a
 * fifth of the cores idle). Read by `camwatch status` and the bench.
 */
export class EventLoopDelayMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private timer?: NodeJS.Timeout;
  private last?: EventLoopDelay;

  start(): void {
    if (this.timer) return;
    this.histogram.enable();
    this.timer = setInterval(() => this.roll(), EVENT_LOOP_WINDOW_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.histogram.disable();
  }

  /** The last full window's figures; the current one's until a window has passed. */
  read(): EventLoopDelay | undefined {
    return this.last ?? this.current();
  }

  private roll(): void {
    this.last = this.current();
    this.histogram.reset();
  }

  private current(): EventLoopDelay | undefined {
    if (this.histogram.count === 0) return undefined;
    // The histogram counts from the timer's due time: subtract the resolution to keep only the lateness.
    const late = (ns: number) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 10) / 10);
    return { p99Ms: late(this.histogram.percentile(99)), maxMs: late(this.histogram.max) };
  }
}
