/**
 * Disk quotas and retention of the incident store (pure decisions; the SQL is in maintenance.ts). Evidence
 * goes before incidents, sent before unsent, oldest first: an incident the IOC has not received is the last
 * thing a full disk may cost.
 */

export interface StoreQuotas {
  /** Snapshot bytes kept (sum of JPEG sizes). */
  maxSnapshotBytes: number;
  /** Used bytes of the SQLite file (pages in use × page size). */
  maxDatabaseBytes: number;
  /** Sent incidents older than this are deleted (days). */
  retentionDays: number;
}

/** 2 GiB of evidence: ~100,000 snapshots of 20 kB, weeks of a busy street camera. */
export const DEFAULT_STORE_MAX_SNAPSHOT_BYTES = 2 * 1024 ** 3;
/** 4 GiB: leaves room on the 16–32 GB eMMC of a typical edge box for the OS, models and logs. */
export const DEFAULT_STORE_MAX_DATABASE_BYTES = 4 * 1024 ** 3;
/** 30 days: the IOC has long had sent incidents; kept this long for `camwatch incidents` on the box. */
export const DEFAULT_STORE_RETENTION_DAYS = 30;

export const DEFAULT_STORE_QUOTAS: StoreQuotas = {
  maxSnapshotBytes: DEFAULT_STORE_MAX_SNAPSHOT_BYTES,
  maxDatabaseBytes: DEFAULT_STORE_MAX_DATABASE_BYTES,
  retentionDays: DEFAULT_STORE_RETENTION_DAYS,
};

const DAY_MS = 86_400_000;

/** Incidents whose every event is sent and older than this (epoch ms) are expired. */
export function retentionCutoffMs(nowMs: number, retentionDays: number): number {
  return nowMs - retentionDays * DAY_MS;
}

/** A snapshot that could be pruned; `sent`: every outbox event using it is sent (or cancelled). */
export interface SnapshotCandidate {
  id: number;
  bytes: number;
  sent: boolean;
}

export interface SnapshotPrunePlan {
  ids: number[];
  bytes: number;
  /** How many of them still belong to unsent events (their events will go out without a picture). */
  unsent: number;
}

/**
 * Which snapshots to delete to free `excessBytes` (candidates oldest first): snapshots of sent events, oldest
 * first; only if that is not enough, snapshots of unsent events, oldest first (the incident still goes out).
 */
export function planSnapshotPrune(candidates: readonly SnapshotCandidate[], excessBytes: number): SnapshotPrunePlan {
  const plan: SnapshotPrunePlan = { ids: [], bytes: 0, unsent: 0 };
  if (excessBytes <= 0) return plan;
  for (const tier of [true, false]) {
    for (const c of candidates) {
      if (plan.bytes >= excessBytes) return plan;
      if (c.sent !== tier) continue;
      plan.ids.push(c.id);
      plan.bytes += c.bytes;
      if (!c.sent) plan.unsent += 1;
    }
  }
  return plan;
}

/** Bytes to free: the larger overshoot of the snapshot and database quotas. */
export function snapshotExcessBytes(usage: { snapshotBytes: number; databaseBytes: number }, quotas: StoreQuotas): number {
  return Math.max(0, usage.snapshotBytes - quotas.maxSnapshotBytes, usage.databaseBytes - quotas.maxDatabaseBytes);
}

/** How often the agent should call store.maintain() (ms): retention is by days, quotas are also checked on save. */
export const DEFAULT_STORE_MAINTAIN_INTERVAL_MS = 60_000;
