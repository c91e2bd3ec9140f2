/**
 * A stall is the camera's silence, not the agent's. When the agent itself was not running (SIGSTOP, a
 * frozen VM, a debugger), its timers fire late by about that long, and the frames the camera sent
 * meanwhile are still waiting unread in ffmpeg's pipe: the watchdog must not blame the camera for it.
 */

/**
 * Timer lateness above which the agent counts as paused (ms). Event-loop lag on a busy 2-core box (a
 * detector batch, a SQLite checkpoint) stays far below 2 s; a lag this long is the agent's own problem
 * either way, and frames were left unread in the pipe meanwhile.
 */
export const DEFAULT_AGENT_PAUSE_THRESHOLD_MS = 2_000;

/**
 * How long the agent was paused around a timer due at `dueAtMs` that fired at `firedAtMs` (both from a
 * monotonic clock such as performance.now(), which keeps counting while the process is stopped); 0 when
 * the timer was on time or only as late as ordinary event-loop lag.
 */
export function agentPauseMs(dueAtMs: number, firedAtMs: number, thresholdMs = DEFAULT_AGENT_PAUSE_THRESHOLD_MS): number {
  const lateMs = firedAtMs - dueAtMs;
  return lateMs > thresholdMs ? lateMs : 0;
}
