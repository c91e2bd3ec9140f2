import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addCrossings, emptyBin } from '../../../agent/counts/bins.js';
import { CameraCounter } from '../../../agent/counts/camera-counter.js';
import { closeOrphanBins } from '../../../agent/counts/orphan-bins.js';
import { createLogger } from '../../../agent/core/logger.js';
import { openStore } from '../../../agent/store/sqlite-store.js';
import type { IncidentStore } from '../../../agent/store/types.js';

const logger = createLogger({ level: 'silent' });
const T0 = Date.UTC(2026, 11, 7, 8, 0, 0);
const PERIODS = [60, 900];

function bin(cameraId: string, periodSeconds: number, startMs: number, cars: number) {
  const state = emptyBin(cameraId, periodSeconds, startMs);
  addCrossings(state, [{ ruleId: 'r', lineId: 'l', className: 'car', direction: 'in', count: cars }]);
  return state;
}

describe('count bins of cameras that no longer count (real SQLite store)', () => {
  let dir: string;
  let store: IncidentStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-orphan-bins-'));
    store = openStore({ path: join(dir, 'camwatch.db'), logger });
    // cam-gone was removed by a reload with its minute and roll-up open; cam-live still counts.
    store.counts!.saveOpen([bin('cam-gone', 60, T0, 3), bin('cam-gone', 900, T0, 8)]);
    store.counts!.saveOpen([bin('cam-live', 60, T0, 5)]);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const queued = () => store.pending(10).map((e) => store.counts!.event(e.seq)!).map((p) => [p.cameraId, p.periodSeconds, p.lines[0]?.classes.car?.in]);

  it('closes and queues a bin once its period has ended, never a counting camera\'s, never twice', () => {
    const counting = new Set(['cam-live']);
    expect(closeOrphanBins(store.counts!, counting, PERIODS, 'edge', T0 + 30_000)).toBe(0); // still in its minute
    expect(closeOrphanBins(store.counts!, counting, PERIODS, 'edge', T0 + 60_000)).toBe(1);
    expect(queued()).toEqual([['cam-gone', 60, 3]]);
    expect(closeOrphanBins(store.counts!, counting, PERIODS, 'edge', T0 + 61_000)).toBe(0);
    expect(store.counts!.camerasWithOpenBins()).toEqual(['cam-gone', 'cam-live']);
    expect(closeOrphanBins(store.counts!, counting, PERIODS, 'edge', T0 + 900_000)).toBe(1);
    expect(queued()).toEqual([['cam-gone', 60, 3], ['cam-gone', 900, 8]]);
    expect(store.counts!.camerasWithOpenBins()).toEqual(['cam-live']);
    expect(store.counts!.openBins('cam-live').map((b) => b.startMs)).toEqual([T0]);
  });

  it('a camera that comes back within the period continues the bin it left open', () => {
    closeOrphanBins(store.counts!, new Set(['cam-live']), PERIODS, 'edge', T0 + 60_000); // the minute ended while it was gone
    const counter = new CameraCounter({
      camera: { id: 'cam-gone', zones: [] },
      agentId: 'edge',
      periodsSeconds: [60, 900],
      store: store.counts!,
      notify: () => undefined,
      logger,
      now: () => T0 + 120_000,
    });
    counter.stop();
    expect(store.counts!.openBins('cam-gone').map((b) => [b.periodSeconds, b.startMs, b.lines[0]?.classes.car?.in])).toEqual([[900, T0, 8]]);
    expect(queued()).toEqual([['cam-gone', 60, 3]]);
  });

  it("a counting camera's bins of a period no longer configured are closed once ended; its own are left to its counter", () => {
    const counting = new Set(['cam-gone', 'cam-live']);
    // binSeconds changed 60 → 30 s: cam-gone counts again, in 30 s bins; its 60 s bin is nobody's now.
    expect(closeOrphanBins(store.counts!, counting, [30, 900], 'edge', T0 + 900_000)).toBe(2);
    expect(queued()).toEqual([['cam-gone', 60, 3], ['cam-live', 60, 5]]);
    expect(store.counts!.camerasWithOpenBins()).toEqual(['cam-gone']);
    expect(store.counts!.openBins('cam-gone').map((b) => b.periodSeconds)).toEqual([900]);
  });
});
