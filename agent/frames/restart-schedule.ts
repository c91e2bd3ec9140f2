import { restartDelayMs, type BackoffOptions } from './backoff.js';

/**
 * The restarts of a supervised ffmpeg (the camera decoder, the clip ring): one pending restart at a time, each
 * delayed by restartDelayMs of the failures in a row, which start again from the shortest delay once a run
 * proves itself (`succeeded`).
 */
export class RestartSchedule {
  private timer: NodeJS.Timeout | undefined;
  private failuresInRow = 0;

  constructor(
    private readonly backoff: BackoffOptions,
    private readonly random?: () => number,
  ) {}

  /** Failures since the last run that worked. */
  get failures(): number {
    return this.failuresInRow;
  }

  /** Counts one more failure and runs `restart` after its delay (replacing a restart still pending); returns the delay (ms). */
  schedule(restart: () => void): number {
    this.failuresInRow++;
    const delayMs = restartDelayMs(this.failuresInRow, this.backoff, this.random);
    clearTimeout(this.timer);
    this.timer = setTimeout(restart, delayMs);
    return delayMs;
  }

  /** A run worked (a frame, a closed segment): the next failure waits the shortest delay. */
  succeeded(): void {
    this.failuresInRow = 0;
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}
