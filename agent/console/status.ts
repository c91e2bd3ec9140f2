import { statSync } from 'node:fs';
import { DEFAULT_DETECTOR_BUSY_WARN } from '../detection/index.js';
import type { openStoreReader } from '../store/index.js';
import type { ConsolePort } from './port.js';

type StoreReader = ReturnType<typeof openStoreReader>;

/** Free disk below which the console warns (bytes): the store prunes evidence from here on soon. */
export const DEFAULT_DISK_LOW_BYTES = 1024 ** 3;

/** Local midnight of `nowMs` (the box's time zone): "today" for the incident counts. */
function midnightMs(nowMs: number): number {
  const d = new Date(nowMs);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Bytes of the store on disk: the SQLite file and its write-ahead log. */
function storeBytes(path: string): number | null {
  let total = 0;
  for (const file of [path, `${path}-wal`]) {
    try {
      total += statSync(file).size;
    } catch {
      if (file === path) return null;
    }
  }
  return total;
}

/** What the console's camera page shows, from the agent's status (nothing recomputed) and the store. */
export function consoleStatus(port: ConsolePort, store: () => StoreReader, storePath: string, viewers: number, nowMs: number): Record<string, unknown> {
  const status = port.status();
  const loaded = port.loaded();
  const today = store().countByCamera(midnightMs(nowMs));
  const warnings: Array<{ code: string; message: string; camera?: string }> = [];
  const cameras = loaded.config.cameras.map((config) => {
    const cam = status.cameras.find((c) => c.id === config.id);
    const state = cam === undefined ? (config.enabled ? 'stopped' : 'disabled') : cam.state;
    if (cam !== undefined && (cam.state === 'down' || cam.state === 'stalled')) {
      warnings.push({ code: `camera_${cam.state}`, camera: cam.id, message: `camera ${cam.id} is ${cam.state}${cam.lastError ? `: ${cam.lastError}` : ''}` });
    }
    return {
      id: config.id,
      ...(config.name === undefined ? {} : { name: config.name }),
      enabled: config.enabled,
      state,
      ...(cam?.lastError === undefined ? {} : { lastError: cam.lastError }),
      fps: { analysed: cam?.analysisFps ?? 0, target: cam?.targetFps ?? config.analysis.fps, configured: config.analysis.fps },
      framesDecoded: cam?.framesDecoded ?? 0,
      framesAnalysed: cam?.framesAnalysed ?? 0,
      framesDropped: cam?.framesDropped ?? 0,
      framesShed: cam?.framesShed ?? 0,
      inferencesRun: cam?.inferencesRun ?? 0,
      inferencesSkipped: cam?.inferencesSkipped ?? 0,
      reconnects: cam?.reconnects ?? 0,
      ...(cam?.latencyP95Ms === undefined ? {} : { latencyP95Ms: cam.latencyP95Ms }),
      ...(cam?.pipeline.lastFrameAtMs === undefined ? {} : { lastFrameAt: new Date(cam.pipeline.lastFrameAtMs).toISOString() }),
      incidentsToday: today.get(config.id) ?? 0,
      incidentsSinceStart: cam?.incidents ?? 0,
      zones: config.zones.length,
      lines: config.lines.length,
      rules: config.rules.length,
    };
  });
  if (!status.uplink.connected) warnings.push({ code: 'uplink_down', message: `broker not connected${status.uplink.lastError ? `: ${status.uplink.lastError}` : ''}; ${status.uplink.pending} events kept` });
  if (status.detector.busyFraction >= DEFAULT_DETECTOR_BUSY_WARN) {
    warnings.push({ code: 'detector_busy', message: `detector ${Math.round(status.detector.busyFraction * 100)}% busy: the box is at capacity (fewer cameras or a lower analysis.fps)` });
  }
  const freeBytes = port.diskFreeBytes();
  if (freeBytes !== undefined && freeBytes < DEFAULT_DISK_LOW_BYTES) warnings.push({ code: 'disk_low', message: `${Math.round(freeBytes / 1024 ** 2)} MiB free on the data disk` });
  return {
    agent: { id: status.agentId, version: status.version, uptimeS: status.uptimeS, model: status.model, detector: status.detector },
    cameras,
    uplink: status.uplink,
    disk: { freeBytes: freeBytes ?? null, storeBytes: storeBytes(storePath) },
    console: { viewers },
    warnings,
  };
}
