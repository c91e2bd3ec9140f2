import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, expect, it } from 'vitest';
import { incidentFilter } from '../../agent/uplink/topics.js';
import { assertNoMosquittoLeaks, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { spawnProducer, type ProducerProcess } from '../fixtures/producer-process.js';
import { subscribe, waitFor, type Subscriber } from '../fixtures/outbox-data.js';

/**
 * Broker outages under a real agent-like process (test/fixtures/outbox-producer.ts: store + uplink, a fast
 * synthetic source of new/update/end events through the StoreWriter) while incidents keep coming: two
 * outages, then the producer is killed and a drain-only run empties the outbox. Every stored event reaches a
 * persistent subscriber; duplicates are the same event; per camera, live events arrive in the order they
 * were stored, and so do replays (historical), the two streams interleaving as documented in docs/mqtt.md.
 */

const dir = mkdtempSync(join(tmpdir(), 'camwatch-outage-'));
const dbPath = join(dir, 'camwatch.db');
const children = new Set<ChildProcess>();
let broker: Mosquitto | undefined;
let sub: Subscriber | undefined;

afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await sub?.close();
  await broker?.dispose();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await assertNoMosquittoLeaks();
});

const runProducer = (args: string[]): ProducerProcess => spawnProducer(dbPath, args, children);

const key = (j: Record<string, unknown>) => `${String(j.id)}|${String(j.status)}|${String(j.sequence)}`;

it('two broker outages while incidents keep coming: 0 lost, duplicates only of the same event, per-camera order in each stream', async () => {
  broker = await startMosquitto({ persistence: true });
  sub = await subscribe(broker.url, incidentFilter('camwatch'), { clientId: 'ioc-outage', clean: false });
  const p = runProducer(['--url', broker.url, '--mode', 'produce', '--run', 'out', '--lifecycle', '--batched', '--burst', '2', '--interval-ms', '2', '--max-inflight', '8']);
  const saved = () => p.events.filter((e) => e.event === 'saved').length;
  await waitFor('producer streaming and delivering', () => saved() >= 150 && sub!.messages.length >= 100, 20_000);

  for (const outage of [1, 2]) {
    await sub.sync();
    await broker.stop();
    const before = saved();
    await waitFor(`events saved during outage ${outage}`, () => saved() >= before + 200, 20_000);
    await broker.restart();
    await waitFor(`delivering again after outage ${outage}`, () => sub!.messages.length > 0 && saved() >= before + 400, 20_000);
  }
  p.child.kill('SIGKILL');
  await p.exited;
  const drain = runProducer(['--url', broker.url, '--mode', 'drain']);
  expect(await drain.exited).toBe(0);

  const db = new Database(dbPath, { readonly: true });
  const rows = db.prepare('SELECT seq, event FROM outbox ORDER BY seq').all() as Array<{ seq: number; event: string }>;
  db.close();
  const stored = rows.map((r) => ({ seq: r.seq, json: JSON.parse(r.event) as Record<string, unknown> }));
  const seqOf = new Map(stored.map((s) => [key(s.json), s.seq]));
  expect(stored.length).toBeGreaterThan(500);
  await waitFor('every stored event received', () => {
    const got = new Set(sub!.messages.map((m) => key(m.json)));
    return stored.every((s) => got.has(key(s.json)));
  }, 20_000);

  // Nothing that SQLite does not hold; a duplicate carries the same event (but for `historical`).
  const first = new Map<string, { body: string; historical: boolean; camera: string }>();
  for (const m of sub.messages) {
    const k = key(m.json);
    expect(seqOf.has(k), `unexpected ${k}`).toBe(true);
    const { historical, ...rest } = m.json;
    const seen = first.get(k);
    if (seen === undefined) first.set(k, { body: JSON.stringify(rest), historical: historical === true, camera: String(m.json.cameraId) });
    else expect(JSON.stringify(rest), `duplicate of ${k} differs`).toBe(seen.body);
  }
  // Both outages produced replays, and live events flowed too.
  const firsts = [...first.entries()];
  expect(firsts.some(([, f]) => f.historical)).toBe(true);
  expect(firsts.some(([, f]) => !f.historical)).toBe(true);
  // Per camera and stream (live / historical), first arrivals follow the store's order.
  for (const camera of ['cam-gate', 'cam-street']) {
    for (const historical of [false, true]) {
      const seqs = firsts.filter(([, f]) => f.camera === camera && f.historical === historical).map(([k]) => seqOf.get(k)!);
      expect(seqs, `${camera} historical=${historical}`).toEqual([...seqs].sort((a, b) => a - b));
    }
  }
}, 90_000);
