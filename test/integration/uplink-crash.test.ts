import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, expect, it } from 'vitest';
import { incidentFilter } from '../../agent/uplink/topics.js';
import { assertNoMosquittoLeaks, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { spawnProducer, type ProducerProcess } from '../fixtures/producer-process.js';
import { subscribe, waitFor, type Subscriber } from '../fixtures/outbox-data.js';

const dir = mkdtempSync(join(tmpdir(), 'camwatch-crash-'));
const dbPath = join(dir, 'camwatch.db');
const children = new Set<ChildProcess>();
let broker: Mosquitto | undefined;
let sub: Subscriber | undefined;
let proxy: AckHoldingProxy | undefined;

afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await proxy?.close();
  await sub?.close();
  await broker?.dispose();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await assertNoMosquittoLeaks();
});

const runProducer = (args: string[]): ProducerProcess => spawnProducer(dbPath, args, children);

/**
 * TCP proxy between the agent and mosquitto that can hold back broker → agent bytes: the agent's
 * publishes still reach the broker (and the subscriber), but their PUBACKs do not come back. That makes
 * "killed between write and PUBACK" a certainty instead of a lucky timing.
 */
class AckHoldingProxy {
  private readonly server: Server;
  private readonly upstreams = new Set<Socket>();
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly targetPort: number) {
    this.server = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort });
      this.sockets.add(client).add(upstream);
      this.upstreams.add(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  holdAcks(): void {
    for (const u of this.upstreams) {
      u.unpipe();
      u.pause();
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

it('kill -9 mid-stream (including between write and PUBACK): a drain-only restart delivers every stored incident', async () => {
  broker = await startMosquitto();
  sub = await subscribe(broker.url, incidentFilter('camwatch'));
  proxy = new AckHoldingProxy(broker.port);
  await proxy.listen();

  const first = runProducer(['--url', `mqtt://127.0.0.1:${proxy.port}`, '--mode', 'produce', '--run', 'crash', '--max-inflight', '8']);
  const saved = () => first.events.filter((e) => e.event === 'saved').length;
  await waitFor('producer streaming and delivering', () => saved() >= 60 && sub!.ids().length >= 30, 20_000);

  proxy.holdAcks();
  const savedAtHold = saved();
  await waitFor('more incidents saved with acks held', () => saved() >= savedAtHold + 40, 10_000);
  first.child.kill('SIGKILL');
  expect(await first.exited).toBeNull();

  // What the killed process left in SQLite.
  const db = new Database(dbPath);
  const rows = db
    .prepare('SELECT o.seq, o.incident_id AS id, o.attempts, o.sent_at FROM outbox o ORDER BY o.seq')
    .all() as Array<{ seq: number; id: string; attempts: number; sent_at: number | null }>;
  db.close();
  const storedIds = rows.map((r) => r.id);
  const inflightAtKill = rows.filter((r) => r.sent_at === null && r.attempts > 0).map((r) => r.id);
  const neverPublished = rows.filter((r) => r.sent_at === null && r.attempts === 0).map((r) => r.id);
  const printedIds = first.events.filter((e) => e.event === 'saved').map((e) => e.id as string);

  // Every save() that returned before the kill is in the file (the last one may have committed unprinted).
  expect(storedIds.slice(0, printedIds.length)).toEqual(printedIds);
  // The kill hit both windows: published-but-unacknowledged rows (8 = the in-flight limit), and rows never published.
  expect(inflightAtKill.length).toBe(8);
  expect(neverPublished.length).toBeGreaterThan(0);
  // Those in-flight rows did reach the broker: only the PUBACK was missing.
  await waitFor('in-flight rows seen by the subscriber', () => inflightAtKill.every((id) => sub!.ids().includes(id)));
  await proxy.close();

  const second = runProducer(['--url', broker.url, '--mode', 'drain']);
  expect(await second.exited).toBe(0);
  expect(second.events.at(-1)).toMatchObject({ event: 'drained', published: inflightAtKill.length + neverPublished.length });
  await waitFor('every stored incident received', () => storedIds.every((id) => sub!.ids().includes(id)), 10_000);

  // At least once: all of them. Duplicates only for rows whose PUBACK the crash swallowed, same id.
  const received = sub.ids();
  const counts = new Map<string, number>();
  for (const id of received) counts.set(id, (counts.get(id) ?? 0) + 1);
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  expect(duplicated.sort()).toEqual([...inflightAtKill].sort());
  // In order: first arrivals follow the outbox order.
  const firstArrivals = received.filter((id, i) => received.indexOf(id) === i);
  expect(firstArrivals).toEqual(storedIds);

  const check = new Database(dbPath, { readonly: true });
  expect(check.prepare('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL').get()).toEqual({ n: 0 });
  check.close();
});
