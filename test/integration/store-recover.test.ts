/**
 * A damaged incident store, as a technician meets it: a real agent process refuses to start with
 * STORE_CORRUPT and the exact command to run; `camwatch store recover` (the real CLI) keeps what can be
 * read, moves the damaged files aside untouched, and a real agent then delivers the kept unsent incidents
 * to a real mosquitto. Damage: a truncated file, garbage over outbox pages in the middle, a garbage
 * header, and a write-ahead log damaged after a kill -9.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../../agent/core/logger.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import { inspectWal } from '../../agent/store/wal-file.js';
import { incidentFilter } from '../../agent/uplink/topics.js';
import { incidentId, makeRecord, subscribe, waitFor } from '../fixtures/outbox-data.js';
import { spawnProducer } from '../fixtures/producer-process.js';
import { assertNoAgentLeaks, startAgent } from '../helpers/agent-process.js';
import { runCli } from '../helpers/cli-process.js';
import { DATA_DIR, PROJECT_ROOT } from '../helpers/data.js';
import { assertNoMosquittoLeaks, freePort, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';

const AGENT = 'edge-recover';
const logger = createLogger({ level: 'silent' });
const root = mkdtempSync(join(tmpdir(), 'camwatch-recover-'));
const children = new Set<ChildProcess>();
let broker: Mosquitto | undefined;

afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  assertNoAgentLeaks();
  await broker?.dispose();
  broker = undefined;
});
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await assertNoMosquittoLeaks();
});

/** A box: its config (no cameras: only the store and the uplink matter here) and its store path. */
function box(name: string, brokerUrl = 'mqtt://127.0.0.1:9'): { config: string; db: string } {
  const dir = join(root, name);
  mkdirSync(join(dir, 'var'), { recursive: true });
  const config = join(dir, 'camwatch.yaml');
  writeFileSync(
    config,
    `agent: { id: ${AGENT}, dataDir: ./var }
models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
mqtt: { url: ${brokerUrl} }
health: { enabled: false }
cameras: []
`,
  );
  return { config, db: join(dir, 'var', 'camwatch.db') };
}

/** 40 incidents, the first 20 sent: what a store holds after the broker went away. Returns the unsent ids. */
function fillStore(db: string): string[] {
  const store = openStore({ path: db, logger });
  const unsent: string[] = [];
  for (let i = 0; i < 40; i++) {
    const record = makeRecord('rec', i, { agentId: AGENT, jpegBytes: 6_000 });
    const { seq } = store.save(record);
    if (i < 20) store.markSent(seq);
    else unsent.push(record.incident.id);
  }
  store.close();
  return unsent;
}

function overwrite(file: string, offset: number, bytes: number): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.alloc(bytes, 0xa5), 0, bytes, offset);
  } finally {
    closeSync(fd);
  }
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A real agent on the damaged store: exits 1 with STORE_CORRUPT and the recover command for its config. */
async function expectRefusedStart(config: string): Promise<Record<string, unknown>> {
  const agent = startAgent(['run', '--config', config]);
  onTestFinished(() => agent.kill());
  const fatal = await agent.waitForLog((e) => e.level === 'fatal', 30_000);
  expect(await agent.stop()).toBe(1);
  expect(fatal.msg).toMatch(/^STORE_CORRUPT: incident store .*camwatch\.db is damaged: /);
  expect(fatal.msg).toContain(`camwatch store recover --config ${config}`);
  expect((fatal.err as { code?: string }).code).toBe('STORE_CORRUPT');
  return fatal;
}

/** `camwatch store recover` through the CLI; returns its JSON report. */
async function recoverWithCli(config: string): Promise<Record<string, any>> {
  const r = await runCli(['store', 'recover', '--config', config, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, any>;
}

function unsentIn(db: string): string[] {
  const d = new Database(db, { readonly: true });
  try {
    return (d.prepare('SELECT incident_id AS id FROM outbox WHERE sent_at IS NULL AND cancelled_at IS NULL ORDER BY seq').all() as Array<{ id: string }>).map((r) => r.id);
  } finally {
    d.close();
  }
}

/** A real agent on the recovered store delivers exactly its unsent incidents to a real mosquitto. */
async function expectDelivered(name: string, ids: string[]): Promise<void> {
  broker = await startMosquitto();
  const sub = await subscribe(broker.url, incidentFilter('camwatch'));
  onTestFinished(() => sub.close());
  const { config } = box(name, broker.url); // same box, now pointing at the broker
  const agent = startAgent(['run', '--config', config]);
  onTestFinished(() => agent.kill());
  await waitFor('kept unsent incidents delivered', () => ids.every((id) => sub.ids().includes(id)), 30_000);
  expect([...new Set(sub.ids())].sort()).toEqual([...ids].sort());
  expect(sub.messages.every((m) => m.json.historical === true)).toBe(true);
  expect(await agent.stop()).toBe(0);
}

function asideFiles(db: string): string[] {
  const dir = join(db, '..');
  return readdirSync(dir).filter((f) => /^camwatch\.db\.damaged-\d{8}T\d{6}Z(-wal)?$/.test(f)).map((f) => join(dir, f));
}

describe('a damaged store stops the agent with the recover command; store recover keeps what can be read', () => {
  it('garbage header: every incident is kept, the header is rebuilt on a copy, unsent ones are delivered', async () => {
    const { config, db } = box('header');
    const unsent = fillStore(db);
    overwrite(db, 0, 100);
    const damagedSha = sha(db);
    await expectRefusedStart(config);

    const report = await recoverWithCli(config);
    expect(report).toMatchObject({ recovered: true, headerRebuilt: true, kept: { incidents: 40, events: 40, unsent: 20, snapshots: 40 }, lost: { incidents: 0, events: 0, unsent: 0, snapshots: 0 } });
    expect(report.problems.join(' ')).toMatch(/does not start with the SQLite header/);
    const aside = asideFiles(db);
    expect(aside).toHaveLength(1);
    expect(sha(aside[0]!)).toBe(damagedSha); // moved, never written
    expect(unsentIn(db)).toEqual(unsent);
    await expectDelivered('header', unsent);
  }, 90_000);

  it('garbage over outbox pages in the middle: the rows on other pages are kept and counted, the lost ones reported', async () => {
    const { config, db } = box('middle');
    const unsent = fillStore(db);
    // The outbox's leaf pages (SQLite's dbstat), the middle one overwritten: the rows it held are gone.
    const d = new Database(db, { readonly: true });
    const pages = (d.prepare("SELECT pageno, pgsize AS pagesize FROM dbstat WHERE name = 'outbox' AND pagetype = 'leaf' ORDER BY pageno").all() as Array<{ pageno: number; pagesize: number }>);
    d.close();
    expect(pages.length).toBeGreaterThanOrEqual(3);
    const page = pages[Math.floor(pages.length / 2)]!;
    overwrite(db, (page.pageno - 1) * page.pagesize, page.pagesize);
    await expectRefusedStart(config);

    const report = await recoverWithCli(config);
    const kept = unsentIn(db);
    // Whatever was lost is counted, nothing silently: kept + lost is every event and every unsent one.
    expect(report.kept.events + report.lost.events).toBe(40);
    expect(report.kept.unsent + report.lost.unsent).toBe(20);
    expect(report.lost.events).toBeGreaterThan(0);
    expect(report.kept.events).toBeGreaterThan(20);
    // Kept unsent events are the original ones, in order.
    expect(kept.every((id) => unsent.includes(id))).toBe(true);
    expect(kept).toEqual(unsent.filter((id) => kept.includes(id)));
    expect(asideFiles(db)).toHaveLength(1);
    if (kept.length > 0) await expectDelivered('middle', kept);
  }, 90_000);

  it('a truncated file: the pages that are left are read; the command reports what the cut took', async () => {
    const { config, db } = box('truncated');
    fillStore(db);
    const size = statSync(db).size;
    truncateSync(db, Math.floor((size * 0.6) / 4096) * 4096 + 100); // mid-page, as a failing disk leaves it
    await expectRefusedStart(config);

    const r = await runCli(['store', 'recover', '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/not a whole number of 4096-byte pages: it was truncated/);
    expect(r.stdout).toMatch(/^kept: \d+ incidents, \d+ events of which \d+ not sent yet \(sent at the next start\), \d+ snapshots$/m);
    expect(r.stdout).toMatch(/^lost: /m);
    expect(r.stdout).toContain('damaged files kept aside (not deleted): ');
    expect(asideFiles(db)).toHaveLength(1);
    // The rebuilt store passes the agent's start-up check.
    expect((await runCli(['store', 'check', '--full', '--config', config])).code).toBe(0);
  }, 60_000);

  it('a write-ahead log damaged after kill -9: SQLite would drop the later transactions silently; the agent refuses, recover reports them', async () => {
    const { config, db } = box('wal');
    // A real process saving incidents (no broker: all stay unsent), killed mid-stream.
    const producer = spawnProducer(db, ['--url', 'mqtt://127.0.0.1:9', '--mode', 'produce', '--run', 'wal', '--agent', AGENT, '--interval-ms', '5'], children);
    await waitFor('60 incidents saved', () => producer.events.filter((e) => e.event === 'saved').length >= 60, 20_000);
    // Killed while its write-ahead log holds several transactions: an automatic checkpoint may just have
    // restarted the log (seen once in a full run: 1 transaction left), so the producer is frozen, its log
    // read, and thawed again until the log holds more than two.
    const wal = `${db}-wal`;
    await waitFor('a write-ahead log of 3+ transactions at the kill', () => {
      producer.child.kill('SIGSTOP');
      if (inspectWal(readFileSync(wal), 4096).appliedTransactions > 2) return true;
      producer.child.kill('SIGCONT');
      return false;
    }, 20_000);
    producer.child.kill('SIGKILL');
    await producer.exited;
    const saved = producer.events.filter((e) => e.event === 'saved').map((e) => e.id as string);
    const before = inspectWal(readFileSync(wal), 4096);
    expect(before.lostTransactions).toBe(0);
    expect(before.appliedTransactions).toBeGreaterThan(2);
    // Garbage inside the first frame's page: every later transaction becomes unreachable for SQLite.
    overwrite(wal, 32 + 24 + 200, 64);
    const damagedWalSha = sha(wal);
    const fatal = await expectRefusedStart(config);
    expect(fatal.msg).toMatch(/write-ahead log .* is damaged at byte 32: SQLite would silently drop the \d+ committed transactions/);

    const report = await recoverWithCli(config);
    expect(report.walTransactionsLost).toBeGreaterThan(0);
    const asideWal = asideFiles(db).find((f) => f.endsWith('-wal'));
    expect(asideWal).toBeDefined();
    expect(sha(asideWal!)).toBe(damagedWalSha); // kept for forensic recovery, untouched
    // What SQLite could read is a prefix of what was saved (the checkpointed part), in order. The producer
    // numbers its incidents in save order; its last commit may precede its "saved" line when it is killed,
    // so the kept prefix may run one or more ids past the events read (seen once: 61 kept, 60 reported).
    const kept = unsentIn(db);
    const nth = (i: number) => incidentId('wal', i);
    expect(saved).toEqual(saved.map((_, i) => nth(i)));
    expect(kept).toEqual(kept.map((_, i) => nth(i)));
    expect(report.kept.unsent).toBe(kept.length);
    if (kept.length > 0) await expectDelivered('wal', kept);
  }, 90_000);

  it('a damaged snapshot page (left to --full by the start-up check) holds no incident back: each goes without its picture, the log names the recover command', async () => {
    const { config, db } = box('snapshots');
    const unsent = fillStore(db);
    const d = new Database(db, { readonly: true });
    const page = d.prepare("SELECT pageno, pgsize AS pagesize FROM dbstat WHERE name = 'snapshots' AND pagetype = 'internal' ORDER BY pageno LIMIT 1").get() as { pageno: number; pagesize: number } | undefined;
    d.close();
    expect(page, 'the snapshots table has an interior page').toBeDefined();
    overwrite(db, (page!.pageno - 1) * page!.pagesize, 64);
    // Before: the agent started (the check leaves the JPEGs out, check.ts) and retried the first unsent row
    // every 5 s with a bare "database disk image is malformed"; no incident after it ever went out.
    broker = await startMosquitto();
    const sub = await subscribe(broker.url, incidentFilter('camwatch'));
    onTestFinished(() => sub.close());
    const agent = startAgent(['run', '--config', box('snapshots', broker.url).config]);
    onTestFinished(() => agent.kill());
    await waitFor('every unsent incident delivered', () => unsent.every((id) => sub.ids().includes(id)), 30_000);
    const damaged = sub.messages.filter((m) => (m.json.snapshot as { data?: string } | undefined)?.data === undefined);
    expect(damaged.length).toBeGreaterThan(0);
    for (const m of damaged) expect(m.json.snapshot).toMatchObject({ omitted: expect.stringContaining('store damage') });
    const line = await agent.waitForLog((e) => (e.err as { code?: string } | undefined)?.code === 'STORE_CORRUPT', 5_000);
    expect(line.msg).toContain('sent without its picture');
    expect(JSON.stringify(line)).toContain(`camwatch store recover --config ${config}`);
    expect(await agent.stop()).toBe(0);
  }, 60_000);

  it('refuses while an agent has the store open, naming the process; check is safe meanwhile', async () => {
    const { config, db } = box('busy');
    fillStore(db);
    const agent = startAgent(['run', '--config', config]);
    onTestFinished(() => agent.kill());
    await agent.waitForLog((e) => e.msg === 'store opened', 30_000);
    const r = await runCli(['store', 'recover', '--force', '--config', config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`STORE_IN_USE: incident store .* is open in process ${agent.child.pid}`));
    expect(existsSync(db)).toBe(true);
    expect(asideFiles(db)).toEqual([]);
    const check = await runCli(['store', 'check', '--config', config]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain('no damage found');
    await agent.stop();
  }, 60_000);
});
