import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCrossings, addOccupancy, binPayload, emptyBin } from '../../agent/counts/bins.js';
import { createLogger } from '../../agent/core/logger.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import type { IncidentStore } from '../../agent/store/types.js';
import { runCli } from '../helpers/cli-process.js';

const logger = createLogger({ level: 'silent' });
const T0 = Date.UTC(2026, 11, 7, 8, 0, 0);

describe('camwatch counts (spawned) against a store written by the store API, while it is open', () => {
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-cli-counts-'));
  let store: IncidentStore;

  beforeAll(() => {
    writeFileSync(join(dir, 'camwatch.yaml'), 'agent:\n  id: edge-cli\n  dataDir: ./var\ncameras: []\n');
    mkdirSync(join(dir, 'var'));
    store = openStore({ path: join(dir, 'var', 'camwatch.db'), logger });
    const minute = (cam: string, startMs: number, period: number, cars: number, bikesOut: number) => {
      const s = emptyBin(cam, period, startMs);
      addCrossings(s, [
        { ruleId: 'count-lanes', lineId: 'lane-count', className: 'car', direction: 'in', count: cars },
        { ruleId: 'count-lanes', lineId: 'lane-count', className: 'motorcycle', direction: 'out', count: bikesOut },
      ]);
      return s;
    };
    const closed = [minute('saigon-01', T0, 60, 3, 7), minute('saigon-01', T0 + 60_000, 60, 5, 2), minute('gate-02', T0, 60, 1, 0)];
    addOccupancy(closed[0]!, [{ zoneId: 'zebra', perClass: { person: 2 } }, { zoneId: 'zebra', perClass: { person: 1 } }]);
    store.counts!.close(closed.map((state) => ({ state, payload: binPayload(state, 'edge-cli') })));
    // In progress: the 15-minute roll-up and the third minute.
    store.counts!.saveOpen([minute('saigon-01', T0, 900, 8, 9), minute('saigon-01', T0 + 120_000, 60, 1, 0)]);
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--json: every row, oldest first, open and closed, lines and zones', async () => {
    const run = await runCli(['counts', '--config', 'camwatch.yaml', '--json'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
    const saigonCarIn = rows.filter((r) => r.cameraId === 'saigon-01' && r.className === 'car').map((r) => [r.periodSeconds, r.start, r.state, r.in]);
    expect(saigonCarIn).toEqual([
      [60, new Date(T0).toISOString(), 'closed', 3],
      [900, new Date(T0).toISOString(), 'open', 8],
      [60, new Date(T0 + 60_000).toISOString(), 'closed', 5],
      [60, new Date(T0 + 120_000).toISOString(), 'open', 1],
    ]);
    expect(rows.find((r) => r.kind === 'zone')).toEqual({
      cameraId: 'saigon-01', periodSeconds: 60, start: new Date(T0).toISOString(), end: new Date(T0 + 60_000).toISOString(), state: 'closed',
      kind: 'zone', id: 'zebra', className: 'person', mean: 1.5, max: 2,
    });
  });

  it('filters by camera, line, class, period and time; --csv', async () => {
    const run = await runCli(['counts', '--config', 'camwatch.yaml', '--camera', 'saigon-01', '--line', 'lane-count', '--class', 'motorcycle', '--period', '1m', '--since', new Date(T0 + 30_000).toISOString(), '--csv'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        // (the open third minute saw no motorcycle: no row)
        'camera,period_s,start,end,state,kind,id,class,in,out,mean,max',
        `saigon-01,60,${new Date(T0 + 60_000).toISOString()},${new Date(T0 + 120_000).toISOString()},closed,line,lane-count,motorcycle,0,2,,`,
      ].join('\n') + '\n',
    );
    const rollup = await runCli(['counts', '--config', 'camwatch.yaml', '--period', '15m', '--json'], { cwd: dir });
    expect((JSON.parse(rollup.stdout) as unknown[]).length).toBe(2); // car and motorcycle of the open roll-up
  });

  it('the table; usage errors exit 2; a missing store exits 1 naming it', async () => {
    const table = await runCli(['counts', '--config', 'camwatch.yaml', '--camera', 'gate-02'], { cwd: dir });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/gate-02\s+60\s.*closed\s+line\s+lane-count\s+car\s+1\s+0/);
    expect((await runCli(['counts', '--config', 'camwatch.yaml', '--period', 'soon'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['counts', '--config', 'camwatch.yaml', '--json', '--csv'], { cwd: dir })).code).toBe(2);
    const other = mkdtempSync(join(tmpdir(), 'camwatch-cli-counts-none-'));
    writeFileSync(join(other, 'camwatch.yaml'), 'agent:\n  dataDir: ./nothing\ncameras: []\n');
    const missing = await runCli(['counts', '--config', join(other, 'camwatch.yaml')], { cwd: other });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nothing.*camwatch\.db/);
    rmSync(other, { recursive: true, force: true });
  });
});
