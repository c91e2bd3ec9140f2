/**
 * Turns at the one shared detector. Cameras queue in arrival order, so the camera that has waited longest
 * goes next and a busy camera cannot starve the others (each has at most one request waiting). The work
 * runs when its turn starts, so the caller picks its frame THEN: the newest one, not the one it held
 * while it queued.
 */
export class DetectorScheduler {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private busyMs = 0;
  private readonly startedAtMs = performance.now();

  /** Runs `work` when every earlier turn has finished; resolves with its result. */
  turn<T>(work: () => Promise<T>): Promise<T> {
    this.waiting++;
    const run = this.tail.then(async () => {
      this.waiting--;
      const t0 = performance.now();
      try {
        return await work();
      } finally {
        this.busyMs += performance.now() - t0;
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Requests queued behind the current one. */
  get queued(): number {
    return this.waiting;
  }

  /** Share of time since creation the detector was busy (0..1): near 1 means it is the bottleneck. */
  get busyFraction(): number {
    const elapsed = performance.now() - this.startedAtMs;
    return elapsed > 0 ? Math.min(1, this.busyMs / elapsed) : 0;
  }
}
