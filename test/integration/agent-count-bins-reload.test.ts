import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { startAgent } from '../helpers/agent-process.js';
import { agentConfigHeader, useBrokerBox } from '../helpers/broker-box.js';
import { videoPath } from '../helpers/data.js';
import { subscribe, waitFor } from '../fixtures/outbox-data.js';

/**
 * Count telemetry across reloads (issue 12 §1: "never reset by a restart or a reload"), on a real agent
 * process with the looped Saigon clip and a real mosquitto, 2 s bins with a 10 s roll-up:
 * - a SIGHUP that changes the camera (a second counting line) restarts it in the middle of a roll-up: the
 *   roll-up holds what was counted before and after, exactly the sum of its 2 s bins;
 * - a SIGHUP that removes the camera: the bins it had in progress still reach the IOC once their period ends,
 *   instead of staying open in the store for ever.
 * - the counting lines (no `incident: true`) only count: crossings in the bins, no incident at the IOC.
 * (agent-count-bins.test.ts covers a broker outage and kill -9.)
 */

const AGENT_ID = 'counts-reload-box';
const BIN_S = 2;
const ROLLUP_S = 10;
// The box's IOC collector is the incidents subscriber; the bins have their own (their JSON parsed).
const box = useBrokerBox('bins-reload', `camwatch/${AGENT_ID}/incidents/#`);

interface Bin {
  id: string;
  cameraId: string;
  periodSeconds: number;
  start: string;
  lines: Array<{ lineId: string; classes: Record<string, { in: number; out: number }> }>;
  zones: Array<{ zoneId: string; samples: number }>;
}

const LINE_B = `
      - { id: count-b, type: line_crossing, line: lanes-b }`;

function config(brokerUrl: string, o: { camera: boolean; lineB: boolean }): string {
  const camera = `
  - id: saigon-01
    source: { file: ${videoPath('vn_saigon_intersection.mp4')}, loop: true }
    analysis: { fps: 4, width: 320 }
    zones: [{ id: road, occupancy: true, points: [[0, 0.35], [1, 0.35], [1, 1], [0, 1]] }]
    lines:
      - { id: lanes, from: [0.55, 0.72], to: [1.0, 0.72] }
      - { id: lanes-b, from: [0.0, 0.6], to: [0.5, 0.6] }
    rules:
      - { id: count, type: line_crossing, line: lanes }${o.lineB ? LINE_B : ''}`;
  return `
${agentConfigHeader({ agentId: AGENT_ID, dataDir: join(box.dir, 'var'), brokerUrl })}
counts: { binSeconds: ${BIN_S}, rollupSeconds: ${ROLLUP_S} }
cameras:${o.camera ? camera : ' []'}
`;
}

it('a reload that restarts the camera continues its bins; one that removes it still delivers the bins it had open', async () => {
  const { dir, broker, ioc: incidents } = box;
  const path = join(dir, 'camwatch.yaml');
  writeFileSync(path, config(broker.url, { camera: true, lineB: false }));
  const sub = await subscribe(broker.url, `camwatch/${AGENT_ID}/cameras/+/counts/bins`);
  onTestFinished(() => sub.close());
  const bins = () => sub.messages.map((m) => m.json as unknown as Bin);
  const short = () => bins().filter((b) => b.periodSeconds === BIN_S);
  const rollupAt = (startMs: number) => bins().find((b) => b.periodSeconds === ROLLUP_S && Date.parse(b.start) === startMs);
  const inside = (startMs: number) => short().filter((b) => Date.parse(b.start) >= startMs && Date.parse(b.start) < startMs + ROLLUP_S * 1000);
  const samples = (bs: Bin[]) => bs.reduce((n, b) => n + (b.zones.find((z) => z.zoneId === 'road')?.samples ?? 0), 0);
  const crossings = (bs: Bin[]) => bs.flatMap((b) => b.lines.flatMap((l) => Object.values(l.classes))).reduce((n, c) => n + c.in + c.out, 0);
  // A few seconds into a roll-up: a 2 s bin of it has closed before the reload, and the camera is back before it ends.
  const intoRollup = (fromMs: number, toMs: number) =>
    waitFor(`${fromMs / 1000}-${toMs / 1000} s into a roll-up`, () => Date.now() % (ROLLUP_S * 1000) >= fromMs && Date.now() % (ROLLUP_S * 1000) < toMs, ROLLUP_S * 1000 + 1_000);

  const agent = startAgent(['run', '--config', path]);
  onTestFinished(async () => { await agent.kill(); });
  await waitFor('two 2 s bins', () => short().length >= 2, 40_000);

  // 1. The camera changes (a second counting line): restarted in the middle of a roll-up.
  await intoRollup(3_000, 5_000);
  const reloadedAtMs = Date.now();
  const rollupStart = Math.floor(reloadedAtMs / (ROLLUP_S * 1000)) * ROLLUP_S * 1000;
  writeFileSync(path, config(broker.url, { camera: true, lineB: true }));
  agent.child.kill('SIGHUP');
  const reloaded = await agent.waitForLog((e) => e.msg === 'config reloaded', 30_000);
  expect(reloaded.restarted).toEqual(['saigon-01']);
  await agent.waitForLog((e) => e.msg === 'count bins in progress resumed from the store', 10_000);
  await waitFor('the roll-up that spans the reload', () => rollupAt(rollupStart) !== undefined, 30_000);
  const rollup = rollupAt(rollupStart)!;
  // Its last 2 s bin closes with it, in the same flush, first.
  expect(inside(rollupStart).some((b) => Date.parse(b.start) < reloadedAtMs - BIN_S * 1000), 'a 2 s bin from before the reload').toBe(true);
  expect(inside(rollupStart).some((b) => Date.parse(b.start) > reloadedAtMs), 'a 2 s bin from after the reload').toBe(true);
  expect(rollup.zones[0]!.samples).toBe(samples(inside(rollupStart)));
  expect(crossings([rollup])).toBe(crossings(inside(rollupStart)));

  // 2. The camera is removed: what it had counted in its open bins still goes out, after their period.
  await intoRollup(3_000, 7_000);
  const removedAtMs = Date.now();
  const lastRollupStart = Math.floor(removedAtMs / (ROLLUP_S * 1000)) * ROLLUP_S * 1000;
  writeFileSync(path, config(broker.url, { camera: false, lineB: false }));
  agent.child.kill('SIGHUP');
  expect((await agent.waitForLog((e) => e.msg === 'config reloaded' && Array.isArray(e.stopped) && e.stopped.length > 0, 30_000)).stopped).toEqual(['saigon-01']);
  await waitFor('the roll-up the removed camera had in progress', () => rollupAt(lastRollupStart) !== undefined, ROLLUP_S * 1000 + 15_000);
  const last = rollupAt(lastRollupStart)!;
  expect(last.zones[0]!.samples).toBeGreaterThan(0);
  expect(last.zones[0]!.samples).toBe(samples(inside(lastRollupStart)));
  expect(Math.max(...inside(lastRollupStart).map((b) => Date.parse(b.start)))).toBeGreaterThanOrEqual(removedAtMs - BIN_S * 1000);
  expect(await agent.stop()).toBe(0);

  // Each bin once (a QoS 1 resend is an exact copy; none is expected without an outage).
  const ids = bins().map((b) => b.id);
  expect(new Set(ids).size).toBe(ids.length);
  // A counting line only counts. Bins and incidents share one outbox, in order: the last bin, which arrived,
  // came after any incident raised before it.
  expect(crossings(bins().filter((b) => b.periodSeconds === BIN_S))).toBeGreaterThan(0);
  expect(incidents.messages.map((m) => m.topic)).toEqual([]);
}, 150_000);
