import type { EventLoopDelay } from './event-loop-delay.js';
import type { FrameSourceStats } from '../frames/index.js';
import type { UplinkStats } from '../uplink/index.js';
import type { PipelineStats } from './camera-pipeline.js';

/** /healthz and /readyz: liveness, readiness and the checks behind it. */
export interface HealthReport {
  /** Process alive and its loops turning. */
  live: boolean;
  /** Every enabled camera online, uplink connected: the box does its job. */
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/** One camera as `camwatch status` and /metrics see it. */
export interface CameraStatus {
  id: string;
  state: FrameSourceStats['state'];
  framesDecoded: number;
  framesDropped: number;
  framesAnalysed: number;
  /** Detector runs, and frames analysed without one because nothing moved. */
  inferencesRun: number;
  inferencesSkipped: number;
  /** Frames shed under CPU pressure, and the analysis rate in force (configured unless lowered). */
  framesShed: number;
  targetFps: number;
  /** Frames analysed per second over the last 10 s (DEFAULT_FPS_WINDOW_MS), or since the camera started; reading does not reset it. */
  analysisFps: number;
  incidents: number;
  reconnects: number;
  lastError?: string;
  avgLatencyMs?: number;
  /** Frame capture → analysis done, over the last LATENCY_SAMPLES frames (ms). */
  latencyP50Ms?: number;
  latencyP95Ms?: number;
  /** The stream's rate as ffmpeg read it, and whether its decoder skips non-reference frames (analysis.skipNonReferenceFrames). */
  sourceFps?: number;
  skipsNonReferenceFrames?: boolean;
  pipeline: Omit<PipelineStats, 'recentLatenciesMs'>;
}

export interface AgentStatus {
  agentId: string;
  version: string;
  uptimeS: number;
  model: string;
  /**
   * The shared detector: share of its capacity used over the last 10 s (near 1: the box is at capacity),
   * requests queued, worker threads running now (absent from agents before the pool).
   */
  detector: { busyFraction: number; queued: number; workers?: number };
  /** How late the main thread ran its callbacks over the last 10 s (ms); absent from older agents and before the first sample. */
  eventLoop?: EventLoopDelay;
  uplink: UplinkStats;
  cameras: CameraStatus[];
}

/** A camera silent for this long is not ready even if its decoder claims to be online. */
export const DEFAULT_READY_FRAME_AGE_MS = 30_000;

/**
 * Readiness: every camera delivering frames and the uplink connected. An uplink outage makes the box
 * not ready (the IOC sees nothing) but still live: incidents are kept and sent later.
 */
export function healthReport(status: AgentStatus, started: boolean, nowMs: number): HealthReport {
  const checks: HealthReport['checks'] = {
    started: { ok: started, detail: started ? undefined : 'agent is starting (loading the model, opening the store)' },
    uplink: {
      ok: status.uplink.connected,
      detail: status.uplink.connected ? `${status.uplink.pending} pending` : `broker not connected: ${status.uplink.lastError ?? 'connecting'}; ${status.uplink.pending} incidents kept`,
    },
  };
  for (const cam of status.cameras) {
    const last = cam.pipeline.lastFrameAtMs;
    const fresh = last !== undefined && nowMs - last < DEFAULT_READY_FRAME_AGE_MS;
    const ok = cam.state === 'online' && fresh;
    checks[`camera:${cam.id}`] = { ok, detail: ok ? undefined : `${cam.state}${cam.lastError ? `: ${cam.lastError}` : ''}` };
  }
  return { live: true, ready: Object.values(checks).every((c) => c.ok), checks };
}
