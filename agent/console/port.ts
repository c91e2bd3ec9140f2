import type { LoadedConfig } from '../config/index.js';
import type { Box } from '../core/index.js';

/**
 * What the console may read and do in the running agent; the Agent (agent/ops/agent.ts) implements it with
 * the same methods it gives the IOC's commands (ops/commands.ts CommandTarget), plus the live frame and the
 * loaded config. The shapes are written here because the console comes before ops in the flow; the agent's
 * own types (AgentStatus, ReloadPlan) fit them.
 */
export interface ConsolePort {
  /** What the agent is doing (the same projection as /status and `camwatch status`). */
  status(): ConsoleAgentStatus;
  /** Free bytes on the data directory's disk, when known. */
  diskFreeBytes(): number | undefined;
  /** The config the agent runs with now (changes after each reload). */
  loaded(): LoadedConfig;
  /** Re-reads the config file and applies it like SIGHUP: only changed cameras restart. */
  reloadFromDisk(): Promise<ConsoleReloadPlan>;
  /** Acknowledges an incident; undefined when there is none with this id. */
  acknowledge(incidentId: string): number | undefined;
  /** Queues the incidents' events again; returns how many were queued. */
  resend(selector: { incidentIds: string[] }): number;
  /** The newest analysed frame of a camera with what the pipeline saw in it; undefined before the first frame. */
  liveFrame(cameraId: string): LiveFrame | undefined;
}

/** One camera in the agent's status (ops CameraStatus fits). */
export interface ConsoleCameraStatus {
  id: string;
  state: string;
  framesDecoded: number;
  framesDropped: number;
  framesAnalysed: number;
  inferencesRun: number;
  inferencesSkipped: number;
  framesShed: number;
  targetFps: number;
  analysisFps: number;
  incidents: number;
  reconnects: number;
  lastError?: string;
  latencyP95Ms?: number;
  pipeline: { lastFrameAtMs?: number };
}

/** The agent's status (ops AgentStatus fits). */
export interface ConsoleAgentStatus {
  agentId: string;
  version: string;
  uptimeS: number;
  model: string;
  detector: { busyFraction: number; queued: number; workers?: number };
  uplink: { connected: boolean; pending: number; published?: number; lastError?: string };
  cameras: ConsoleCameraStatus[];
}

/** A hot reload's outcome (ops ReloadPlan fits). */
export interface ConsoleReloadPlan {
  start: string[];
  stop: string[];
  restart: string[];
  unchanged: string[];
  detector: boolean;
  uplink: boolean;
  needsRestart: string[];
}

/** A track as the live view draws it. */
export interface LiveTrack {
  id: number;
  className: string;
  box: Box;
  history: ReadonlyArray<{ x: number; y: number }>;
}

/** The newest analysed frame (RGB24) and the detections and tracks of it; references, never copies. */
export interface LiveFrame {
  seq: number;
  capturedAtMs: number;
  width: number;
  height: number;
  data: Buffer;
  /** Size of the camera's stream, when the decoder knows it (zones in `pixels` units are in these). */
  sourceWidth?: number;
  sourceHeight?: number;
  detections: ReadonlyArray<{ className: string; score: number; box: Box }>;
  tracks: readonly LiveTrack[];
  /** Cumulative per-class counts of the camera's counting lines. */
  lineCounts: ReadonlyArray<{ ruleId: string; lineId: string; counts: unknown }>;
}
