import type { SourceStateChange } from '../frames/index.js';
import type { LineCountsReport } from '../rules/index.js';
import type { AgentStats, AgentStatsInput } from './stats.js';

export interface UplinkStats {
  connected: boolean;
  published: number;
  pending: number;
  lastError?: string;
}

/** Publishes the store's outbox upstream, at least once and in order. */
export interface Uplink {
  start(): Promise<void>;
  /** Wakes the drain loop: new outbox rows exist. */
  notify(): void;
  publishCameraState(change: SourceStateChange): void;
  /**
   * Telemetry, retained, not stored: the latest value is all that matters and the next one supersedes a
   * lost one (counts are cumulative). `stats` goes to `<prefix>/<agentId>/stats`, `counts` to
   * `<prefix>/<agentId>/cameras/<cameraId>/counts`.
   */
  publishTelemetry(item: { kind: 'stats'; payload: AgentStats } | { kind: 'counts'; cameraId: string; payload: { cameraId: string; lines: LineCountsReport[] } }): void;
  /**
   * Retained stats on `<prefix>/<agentId>/stats` (camwatch.stats/1): the agent's per-camera figures plus the
   * uplink's backlog and the store's usage and warnings (disk full, evidence pruned, quota near). A warning
   * that appears or clears between two calls is published at the next outbox poll (5 s) with the last figures.
   */
  publishStats(stats: AgentStatsInput): void;
  stats(): UplinkStats;
  stop(): Promise<void>;
}
