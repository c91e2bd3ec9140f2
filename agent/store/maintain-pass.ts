import type { Logger } from '../core/index.js';
import { decideSave } from './disk-pressure.js';
import type { HeldEvents } from './held-events.js';
import type { MaintenanceReport, StoreMaintenance } from './maintenance.js';
import { retentionCutoffMs, type StoreQuotas } from './quotas.js';
import type { StoreSpace } from './store-space.js';
import type { CountBinStore } from './types.js';
import { isStoreFull, mapWriteError } from './write-errors.js';

/** What a maintenance pass works on. */
export interface MaintainParts {
  maintenance: StoreMaintenance;
  space: StoreSpace;
  held: HeldEvents;
  counts: CountBinStore;
  /** Saves the held events in order (throws STORE_FULL at the first that still does not fit). */
  flushHeld: () => number;
  quotas: StoreQuotas;
  path: string;
  log: Logger;
}

/**
 * One pass of store.maintain(): retention (incidents, count bins), room for the held events, the quotas
 * (evidence first), then the held events saved in order. Logged at info when it did anything.
 */
export function maintainStore(parts: MaintainParts, nowMs: number): MaintenanceReport {
  const { maintenance, space, held, quotas, log } = parts;
  const expiredIncidents = maintenance.expireOld(nowMs, quotas);
  try {
    parts.counts.prune(retentionCutoffMs(nowMs, quotas.retentionDays));
  } catch (err) {
    log.warn({ err: mapWriteError(parts.path, err) }, 'cannot prune old count bins; retried by the next maintenance');
  }
  space.makeRoom(decideSave(space.situation(held.bytes(), 0, held)));
  const enforced = maintenance.enforce(quotas);
  let savedHeld = 0;
  const heldBefore = held.count;
  try {
    savedHeld = parts.flushHeld();
  } catch (err) {
    if (!isStoreFull(err)) throw err;
    savedHeld = heldBefore - held.count;
  }
  space.resync();
  space.counters.prunedSnapshots += enforced.prunedSnapshots;
  space.counters.prunedUnsentSnapshots += enforced.prunedUnsentSnapshots;
  space.counters.expiredIncidents += expiredIncidents;
  space.counters.prunedIncidents += enforced.prunedIncidents;
  const report: MaintenanceReport = { expiredIncidents, ...enforced, savedHeld, held: held.count, snapshotBytes: space.snapshotBytes, databaseBytes: maintenance.databaseBytes() };
  const acted = expiredIncidents + enforced.prunedSnapshots + enforced.prunedIncidents + savedHeld > 0;
  if (acted) log.info(report, 'store maintenance');
  else log.debug(report, 'store maintenance: nothing to do');
  return report;
}
