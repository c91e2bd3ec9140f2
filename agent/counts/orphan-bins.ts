import { CountBinner, binPayload } from './bins.js';
import type { CountBinSink } from './sink.js';

/**
 * Closes, and queues for the IOC, the open bins of cameras that no longer count (removed or disabled by a
 * reload, or gone from the config across a restart) once their period has ended. A running camera's counter
 * closes its own bins; without this, a removed camera's last minute and roll-up stayed open in the store for
 * ever and never reached the IOC. A bin still in its period stays open: the camera may come back in it and
 * continue it (closing it early would publish a partial bin under the id the camera would count on in).
 * Call only for cameras whose counter has stopped (it flushed its bins), so the stored state is the last one.
 * Returns how many bins were closed.
 */
export function closeOrphanBins(sink: CountBinSink, counting: ReadonlySet<string>, agentId: string, nowMs: number): number {
  let closed = 0;
  for (const cameraId of sink.camerasWithOpenBins()) {
    if (counting.has(cameraId)) continue;
    const open = sink.openBins(cameraId);
    // The bins' own periods: the configured ones may have changed since they were opened.
    const periods = [...new Set(open.map((b) => b.periodSeconds))];
    const ended = new CountBinner(cameraId, periods, open).advance(nowMs);
    if (ended.length === 0) continue;
    closed += sink.close(ended.map((state) => ({ state, payload: binPayload(state, agentId) }))).length;
  }
  return closed;
}
