/** How long (ms) a component's stop() may take before the supervisor gives up on it and stops the next. */
export const DEFAULT_COMPONENT_STOP_DEADLINE_MS = 3_000;

/**
 * One part of the running agent (store, uplink, detector, cameras, ...), as the supervisor sees it. The
 * constructor does no I/O; `start` does it all; `stop` undoes it.
 */
export interface Component {
  readonly name: string;
  /** Components that must have started before this one (and stop after it). */
  readonly dependsOn?: readonly string[];
  /** Longest `stop` may take (ms); default DEFAULT_COMPONENT_STOP_DEADLINE_MS. */
  readonly stopDeadlineMs?: number;
  /** Starts the part. `signal` aborts when the agent stops meanwhile: a long start (a model loading) gives up. */
  start(signal: AbortSignal): Promise<void> | void;
  /** Idempotent, and harmless on a part that never started; synchronous where nothing needs waiting for. */
  stop(): Promise<void> | void;
}
