import type { Config } from '../config/index.js';
import { decideRestore, restoredEnd, type IncidentRecord } from '../incidents/index.js';
import type { IncidentSink } from '../store/index.js';

/**
 * The `end` events of incidents left open in the store by cameras that will not run: removed from the
 * config (`rule_removed`) or disabled (`camera_reload`). Running cameras restore their own.
 */
export function endUnconfiguredIncidents(store: Pick<IncidentSink, 'openIncidents' | 'openIncidentCameras'>, config: Config, nowMs: number): IncidentRecord[] {
  const out: IncidentRecord[] = [];
  for (const cameraId of store.openIncidentCameras()) {
    const camera = config.cameras.find((c) => c.id === cameraId);
    if (camera?.enabled === true) continue;
    for (const s of store.openIncidents(cameraId)) {
      const decision = decideRestore(s, camera, nowMs);
      out.push(restoredEnd(s, decision.action === 'end' ? decision.reason : 'camera_reload', nowMs));
    }
  }
  return out;
}
