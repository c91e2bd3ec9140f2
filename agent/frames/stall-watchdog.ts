import { performance } from 'node:perf_hooks';
import { agentPauseMs } from './agent-pause.js';

/**
 * The stall timer of a supervised ffmpeg (the camera decoder, the clip ring): one pending `onStall` at a time,
 * due `stallMs` after the last `arm`; a timer that fired late because the agent itself was paused
 * (agent-pause.ts) re-arms instead of blaming the camera, after `onPause`.
 */
export class StallWatchdog {
  private timer: NodeJS.Timeout | undefined;
  /** When the pending timer is due (performance.now() ms); undefined when none is pending. */
  private dueAtMs: number | undefined;

  constructor(
    private readonly stallMs: number,
    private readonly onPause?: (pausedMs: number) => void,
  ) {}

  /** (Re)starts the window: at launch and on every sign of life (a frame, a closed segment). */
  arm(onStall: () => void): void {
    // An overdue window means the agent was paused: named here, whichever comes first after the pause, the
    // frames that waited in the pipe (a sign of life) or the overdue timer (which re-arms).
    if (this.dueAtMs !== undefined) {
      const pausedMs = agentPauseMs(this.dueAtMs, performance.now());
      if (pausedMs > 0) this.onPause?.(pausedMs);
    }
    clearTimeout(this.timer);
    const dueAtMs = performance.now() + this.stallMs;
    this.dueAtMs = dueAtMs;
    this.timer = setTimeout(() => {
      if (agentPauseMs(dueAtMs, performance.now()) > 0) return this.arm(onStall);
      this.clear();
      onStall();
    }, this.stallMs);
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAtMs = undefined;
  }
}
