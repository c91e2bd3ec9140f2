import type { StoreUsage } from '../store/index.js';

/**
 * The retained stats message on `<prefix>/<agentId>/stats` (docs/schemas/stats.schema.json), built from what
 * the agent reports (cameras, uptime) plus what the uplink knows itself (backlog, store usage) and the
 * warnings derived from the store's usage. Pure.
 */

export const STATS_SCHEMA = 'camwatch.stats/1';

/** Share of a quota above which the stats carry a `quota_near` warning. */
export const DEFAULT_QUOTA_WARN_SHARE = 0.9;

/**
 * One camera's figures as a running agent sends them: every camera field of the schema, each one required
 * so that a field left out is a compile error (before, five were silently missing on the wire). A latency is
 * undefined until the camera has analysed a frame.
 */
export type CameraStats = {
  id: string;
  state: string;
  analysisFps: number;
  targetFps: number;
  framesDecoded: number;
  framesDropped: number;
  framesAnalysed: number;
  framesShed: number;
  inferencesRun: number;
  inferencesSkipped: number;
  incidents: number;
  reconnects: number;
  latencyP50Ms: number | undefined;
  latencyP95Ms: number | undefined;
};

/** The agent's stats as a running agent sends them (the uplink adds its own backlog and the store's usage). */
export type AgentStats = {
  uptimeS: number;
  version: string;
  model: string;
  cameras: readonly CameraStats[];
};

/** One camera as the agent reports it; fields outside CAMERA_FIELDS are not published. */
export type CameraStatsInput = { id: string } & Record<string, unknown>;

/** What the agent feeds publishStats(); anything else it passes is ignored (the payload leaves the box). */
export interface AgentStatsInput {
  uptimeS?: number;
  version?: string;
  model?: string;
  cameras?: readonly CameraStatsInput[];
  [other: string]: unknown;
}

type CameraNumberField = Exclude<keyof CameraStats, 'id' | 'state'>;
/** Camera fields published (numbers): a Record, so that a field added to CameraStats and not here fails to compile. */
const CAMERA_FIELD_SET: Record<CameraNumberField, true> = {
  analysisFps: true, targetFps: true, framesDecoded: true, framesDropped: true, framesAnalysed: true, framesShed: true,
  inferencesRun: true, inferencesSkipped: true, incidents: true, reconnects: true, latencyP50Ms: true, latencyP95Ms: true,
};
const CAMERA_FIELDS = Object.keys(CAMERA_FIELD_SET) as CameraNumberField[];

export type StatsWarningReason = 'disk_full' | 'events_dropped' | 'evidence_pruned' | 'quota_near';

export interface StatsWarning {
  /** The error catalogue's code for the condition (docs/errors.md). */
  code: 'STORE_FULL';
  reason: StatsWarningReason;
  message: string;
}

export interface StatsPayload {
  schema: typeof STATS_SCHEMA;
  agentId: string;
  at: string;
  uptimeS?: number;
  version?: string;
  model?: string;
  uplink: { connected: boolean; published: number; backlog: number; inflight: number };
  store?: Omit<StoreUsage, 'pending' | 'fullSinceMs'> & { fullSince?: string };
  cameras: Array<{ id: string; state?: string } & Partial<Record<CameraNumberField, number>>>;
  warnings: StatsWarning[];
}

/**
 * What the IOC should hear about the store: the disk is full (incidents held in memory, or dropped), evidence
 * of unsent events was pruned, a quota is nearly reached. `previous` is the usage at the last stats: pruning
 * is reported when it happened since then, not forever.
 */
export function storeWarnings(usage: StoreUsage, previous?: StoreUsage, warnShare = DEFAULT_QUOTA_WARN_SHARE): StatsWarning[] {
  const out: StatsWarning[] = [];
  if (usage.fullSinceMs !== undefined || usage.held > 0) {
    out.push({ code: 'STORE_FULL', reason: 'disk_full', message: `the disk is full: ${usage.held} incident event(s) wait in memory until space is freed` });
  }
  const dropped = usage.droppedEvents - (previous?.droppedEvents ?? 0);
  if (dropped > 0) out.push({ code: 'STORE_FULL', reason: 'events_dropped', message: `${dropped} incident event(s) were lost: the disk and the memory hold were full` });
  const prunedUnsent = usage.prunedUnsentSnapshots - (previous?.prunedUnsentSnapshots ?? 0);
  if (prunedUnsent > 0) {
    out.push({ code: 'STORE_FULL', reason: 'evidence_pruned', message: `${prunedUnsent} snapshot(s) of incidents not yet sent were pruned to stay within the quota; those incidents go out without a picture` });
  }
  const snapshotShare = usage.maxSnapshotBytes > 0 ? usage.snapshotBytes / usage.maxSnapshotBytes : 0;
  const databaseShare = usage.maxDatabaseBytes > 0 ? usage.databaseBytes / usage.maxDatabaseBytes : 0;
  if (snapshotShare >= warnShare || databaseShare >= warnShare) {
    const which = snapshotShare >= databaseShare ? `evidence ${pct(snapshotShare)} of store.maxSnapshotBytes` : `database ${pct(databaseShare)} of store.maxDatabaseBytes`;
    out.push({ code: 'STORE_FULL', reason: 'quota_near', message: `store quota nearly reached (${which}): the oldest evidence is being pruned` });
  }
  return out;
}

export interface StatsContext {
  agentId: string;
  nowMs: number;
  uplink: StatsPayload['uplink'];
  store?: StoreUsage;
  /** Store usage at the previous stats, for what changed since. */
  previousStore?: StoreUsage;
}

/** Builds the stats message (pure). */
export function statsPayload(input: AgentStatsInput, ctx: StatsContext): StatsPayload {
  const out: StatsPayload = {
    schema: STATS_SCHEMA,
    agentId: ctx.agentId,
    at: new Date(ctx.nowMs).toISOString(),
    uplink: ctx.uplink,
    cameras: (input.cameras ?? []).map((c) => {
      const cam: StatsPayload['cameras'][number] = { id: String(c.id) };
      if (typeof c.state === 'string') cam.state = c.state;
      for (const key of CAMERA_FIELDS) {
        const v = c[key];
        if (typeof v === 'number' && Number.isFinite(v)) cam[key] = v;
      }
      return cam;
    }),
    warnings: ctx.store === undefined ? [] : storeWarnings(ctx.store, ctx.previousStore),
  };
  if (typeof input.uptimeS === 'number') out.uptimeS = input.uptimeS;
  if (typeof input.version === 'string') out.version = input.version;
  if (typeof input.model === 'string') out.model = input.model;
  if (ctx.store !== undefined) {
    const { pending: _pending, fullSinceMs, ...usage } = ctx.store;
    out.store = { ...usage, ...(fullSinceMs === undefined ? {} : { fullSince: new Date(fullSinceMs).toISOString() }) };
  }
  return out;
}

/** Stable key of a warning list: stats are re-published early when it changes. */
export function warningsKey(warnings: readonly StatsWarning[]): string {
  return warnings.map((w) => w.reason).sort().join(',');
}

function pct(share: number): string {
  return `${Math.round(share * 100)}%`;
}
