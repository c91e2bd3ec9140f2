import { CountBinner, binPayload } from './bins.js';
import type { CountBinSink } from './sink.js';

/**
 * Closes, and queues for the IOC, the open bins of cameras that no longer count (removed or disabled by a
 * reload, or gone from the config across a restart) once their period has ended. A running camera's counter
 * closes its own bins; without this, a removed camera's last minute and roll-up stayed open in the store for
 * ever and never reached the IOC. A bin still in its period stays open: the camera may come back in it and
 * continue it (closing it early would publish a partial bin under the id the camera would count on in).
 * The same for a counting camera's bins of a period no longer configured (`counts.binSeconds` or
 * `rollupSeconds` changed): its counter does not take them up. `counting` must name every camera whose counter
 * runs or has not yet flushed its bins on stop, so the stored state of the others is their last one.
 * Returns how many bins were closed.
 */
export function closeOrphanBins(sink: CountBinSink, counting: ReadonlySet<string>, periodsSeconds: readonly number[], agentId: string, nowMs: number): number {
  let closed = 0;
  for (const cameraId of sink.camerasWithOpenBins()) {
    const open = sink.openBins(cameraId).filter((b) => !counting.has(cameraId) || !periodsSeconds.includes(b.periodSeconds));
    if (open.length === 0) continue;
    // The bins' own periods: the configured ones may have changed since they were opened.
    const periods = [...new Set(open.map((b) => b.periodSeconds))];
    const ended = new CountBinner(cameraId, periods, open).advance(nowMs);
    if (ended.length === 0) continue;
    closed += sink.close(ended.map((state) => ({ state, payload: binPayload(state, agentId) }))).length;
  }
  return closed;
}
