/**
 * The time a camera's analysis runs on. Live it is the wall clock; offline (`camwatch eval`) it is the
 * video's own clock, so timers (incident staleness, camera_down checks) and latency figures follow the
 * footage and not the load of the machine replaying it. Everything that used Date.now() or setInterval
 * in a camera's path takes one of these instead.
 */
export interface Clock {
  /** Epoch ms. */
  now(): number;
  /** Calls `fn` every `intervalMs` of this clock's time; returns a function that cancels it. */
  every(intervalMs: number, fn: () => void): () => void;
}

/** Date.now and setInterval (unref'd: a timer alone never keeps the agent alive). */
export const WALL_CLOCK: Clock = {
  now: () => Date.now(),
  every(intervalMs, fn) {
    const timer = setInterval(fn, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  },
};

interface VideoTimer {
  intervalMs: number;
  dueMs: number;
  fn: () => void;
}

/**
 * A clock moved by the footage: `advanceTo(t)` with each analysed frame's time runs every timer that fell
 * due up to `t`, in time order, each with `now()` at its due time. Deterministic: no wall time involved.
 */
export class VideoClock implements Clock {
  private tMs: number;
  private timers: VideoTimer[] = [];

  constructor(startMs: number) {
    this.tMs = startMs;
  }

  now(): number {
    return this.tMs;
  }

  every(intervalMs: number, fn: () => void): () => void {
    const timer: VideoTimer = { intervalMs, dueMs: this.tMs + intervalMs, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves the clock forward to `tMs` (never back), firing due timers on the way. */
  advanceTo(tMs: number): void {
    for (;;) {
      const next = this.timers.reduce<VideoTimer | undefined>((a, t) => (t.dueMs <= tMs && (a === undefined || t.dueMs < a.dueMs) ? t : a), undefined);
      if (next === undefined) break;
      this.tMs = Math.max(this.tMs, next.dueMs);
      next.dueMs += next.intervalMs;
      next.fn();
    }
    this.tMs = Math.max(this.tMs, tMs);
  }
}
