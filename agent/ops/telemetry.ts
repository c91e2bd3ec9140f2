import type { EventLoopDelay } from './event-loop-delay.js';
import { formatSourceError, type FrameSourceStats } from '../frames/index.js';
import type { AgentStats, UplinkStats } from '../uplink/index.js';
import { quantile } from '../core/index.js';
import { LATENCY_SAMPLES, type PipelineStats } from './camera-pipeline.js';
import type { AgentStatus, CameraStatus } from './status-report.js';

/**
 * One snapshot of the agent's state, read without side effects, and its four projections: the status API
 * (/status, `camwatch status`, the `status` command), the stats message, the periodic log line, and (in
 * metrics.ts) Prometheus. All pure: reading the agent twice gives the same figures.
 */

/** Analysis fps is measured over this window (ms): long enough to smooth a 1–5 fps camera, short enough to show a stall. */
export const DEFAULT_FPS_WINDOW_MS = 10_000;

/** One camera's raw counters at a moment (copies: the snapshot does not change as the camera runs on). */
export interface CameraSnapshot {
  id: string;
  /** When this camera (this run of it) started (epoch ms): fps over a window younger than the camera. */
  startedAtMs: number;
  /** `analysis.fps` from the config: the target when load shedding has not set one. */
  configuredFps: number;
  source: FrameSourceStats;
  pipeline: PipelineStats;
  /** When its latest frames finished analysis (epoch ms), newest last, at most LATENCY_SAMPLES. */
  recentAnalysedAtMs: readonly number[];
  /** Incidents opened (status `new`). */
  incidents: number;
}

/** The agent's state at `atMs`. */
export interface AgentSnapshot {
  atMs: number;
  startedAtMs: number;
  agentId: string;
  version: string;
  model: string;
  detector: { busyFraction: number; queued: number; workers?: number };
  /** How late the main thread ran over the last 10 s (event-loop-delay.ts); undefined before its first sample. */
  eventLoop?: EventLoopDelay | undefined;
  uplink: UplinkStats;
  /** Free bytes on the data directory's filesystem; undefined when it could not be read. */
  diskFreeBytes: number | undefined;
  cameras: CameraSnapshot[];
}

/**
 * Frames per second over the last `windowMs` before `nowMs`, from the times frames finished (pure). The span
 * is shorter when the camera started within the window, or when the ring (`capacity`) no longer reaches back
 * to the window's start (a camera faster than capacity / window).
 */
export function windowFps(doneAtMs: readonly number[], nowMs: number, sinceMs: number, windowMs = DEFAULT_FPS_WINDOW_MS, capacity = LATENCY_SAMPLES): number {
  const from = nowMs - windowMs;
  let n = 0;
  for (let i = doneAtMs.length - 1; i >= 0 && doneAtMs[i]! > from; i--) n++;
  let spanStartMs = Math.max(from, sinceMs);
  if (n > 0 && n === doneAtMs.length && n >= capacity) spanStartMs = Math.max(spanStartMs, doneAtMs[0]!);
  const spanS = (nowMs - spanStartMs) / 1000;
  return spanS > 0 ? n / spanS : 0;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** One camera as the status API shows it (pure). */
export function cameraStatus(c: CameraSnapshot, nowMs: number): CameraStatus {
  const { recentLatenciesMs, ...pipeline } = c.pipeline;
  const s = c.source;
  return {
    id: c.id,
    state: s.state,
    framesDecoded: s.framesDecoded,
    framesDropped: s.framesDropped,
    framesAnalysed: pipeline.framesAnalysed,
    inferencesRun: pipeline.inferencesRun,
    inferencesSkipped: pipeline.inferencesSkipped,
    framesShed: pipeline.framesShed,
    targetFps: pipeline.targetFps ?? c.configuredFps,
    analysisFps: round2(windowFps(c.recentAnalysedAtMs, nowMs, c.startedAtMs)),
    incidents: c.incidents,
    reconnects: s.reconnects,
    lastError: s.lastError && formatSourceError(s.lastError),
    avgLatencyMs: pipeline.framesAnalysed ? Math.round(pipeline.latencyMsTotal / pipeline.framesAnalysed) : undefined,
    latencyP50Ms: quantile(recentLatenciesMs, 0.5),
    latencyP95Ms: quantile(recentLatenciesMs, 0.95),
    ...(s.sourceFps !== undefined && { sourceFps: s.sourceFps }),
    ...(s.skipsNonReferenceFrames !== undefined && { skipsNonReferenceFrames: s.skipsNonReferenceFrames }),
    pipeline,
  };
}

/** The status API's answer (/status, `camwatch status --json`, the `status` command) (pure). */
export function agentStatus(snap: AgentSnapshot): AgentStatus {
  return {
    agentId: snap.agentId,
    version: snap.version,
    uptimeS: Math.round((snap.atMs - snap.startedAtMs) / 1000),
    model: snap.model,
    detector: { busyFraction: round2(snap.detector.busyFraction), queued: snap.detector.queued, ...(snap.detector.workers !== undefined && { workers: snap.detector.workers }) },
    ...(snap.eventLoop && { eventLoop: snap.eventLoop }),
    uplink: snap.uplink,
    cameras: snap.cameras.map((c) => cameraStatus(c, snap.atMs)),
  };
}

/** The agent's part of the stats message (docs/schemas/stats.schema.json): every field, per camera too (pure). */
export function agentStats(status: AgentStatus): AgentStats {
  return {
    uptimeS: status.uptimeS,
    version: status.version,
    model: status.model,
    cameras: status.cameras.map((c) => ({
      id: c.id,
      state: c.state,
      analysisFps: c.analysisFps,
      targetFps: c.targetFps,
      framesDecoded: c.framesDecoded,
      framesDropped: c.framesDropped,
      framesAnalysed: c.framesAnalysed,
      framesShed: c.framesShed,
      inferencesRun: c.inferencesRun,
      inferencesSkipped: c.inferencesSkipped,
      incidents: c.incidents,
      reconnects: c.reconnects,
      latencyP50Ms: c.latencyP50Ms,
      latencyP95Ms: c.latencyP95Ms,
    })),
  };
}

/** The periodic `camera stats` log line, one per camera (pure). */
export function cameraStatsLogLines(status: AgentStatus): Array<Record<string, unknown>> {
  return status.cameras.map((c) => ({
    camera: c.id,
    state: c.state,
    framesDecoded: c.framesDecoded,
    framesDropped: c.framesDropped,
    framesAnalysed: c.framesAnalysed,
    inferencesSkipped: c.inferencesSkipped,
    framesShed: c.framesShed,
    targetFps: c.targetFps,
    analysisFps: c.analysisFps,
    latencyP50Ms: c.latencyP50Ms,
    latencyP95Ms: c.latencyP95Ms,
    incidents: c.incidents,
    backlog: status.uplink.pending,
  }));
}
