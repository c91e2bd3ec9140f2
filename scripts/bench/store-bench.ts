/**
 * Store and uplink throughput: incidents/s written to SQLite (synchronous = FULL, one fsync per commit) one
 * by one and through the StoreWriter's group commit, and the rate a backlog drains to a local mosquitto
 * (QoS 1, marked sent on PUBACK) per in-flight window, with the delivery latency of live incidents saved
 * while the backlog drains (they overtake it). Prints one JSON object:
 *
 *   node --import tsx scripts/bench/store-bench.ts [--quick] [--backlog N] [--saves N] [--jpeg-bytes N] [--windows 16,64]
 *
 * The bench runner imports runStoreBench(); the result is flat: name → number.
 * Targets (issue): ≥ 10,000 incidents/s into SQLite; a 100,000 backlog drains at ≥ 2,000 incidents/s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { connect } from 'mqtt';
import type { IncidentRecord } from '../../agent/incidents/types.js';
import { createLogger } from '../../agent/core/logger.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import { createStoreWriter } from '../../agent/store/writer.js';
import { createMqttUplink } from '../../agent/uplink/mqtt-uplink.js';
import { makeRecord, mqttConfig } from '../../test/fixtures/outbox-data.js';
import { startMosquitto } from '../../test/helpers/mosquitto.js';

export interface StoreBenchOptions {
  /** Events per save scenario (default 20,000; quick 5,000). */
  saves?: number;
  /** Backlog rows drained per window (default 100,000; quick 10,000). */
  backlog?: number;
  /** Snapshot size per event (bytes; default 2,048: a 320 px thumbnail). */
  jpegBytes?: number;
  /** In-flight windows (mqtt.maxInflight) to drain with (default [16, 64]). */
  windows?: number[];
  /** Live incidents saved while each backlog drains (default 20). */
  liveEvents?: number;
  quick?: boolean;
  /** Progress lines (stderr). */
  progress?: (message: string) => void;
}

const AGENT = 'edge-bench';
const logger = createLogger({ level: process.env.CAMWATCH_LOG_LEVEL ?? 'silent' });
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs every scenario and returns name → number (rates in events/s, latencies in ms, sizes in bytes). */
export async function runStoreBench(options: StoreBenchOptions = {}): Promise<Record<string, number>> {
  const quick = options.quick === true;
  const saves = options.saves ?? (quick ? 5_000 : 20_000);
  const backlog = options.backlog ?? (quick ? 10_000 : 100_000);
  const jpegBytes = options.jpegBytes ?? 2_048;
  const windows = options.windows ?? [16, 64];
  const liveEvents = options.liveEvents ?? 20;
  const say = options.progress ?? ((m: string) => process.stderr.write(`bench: ${m}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-store-bench-'));
  const out: Record<string, number> = { saves, backlog, jpegBytes };
  // Records are built before timing: the bench measures the store, not the fixture.
  const records = (run: string, n: number, bytes: number): IncidentRecord[] =>
    Array.from({ length: n }, (_, i) => {
      const r = makeRecord(run, i, { agentId: AGENT, jpegBytes: Math.max(bytes, 4) });
      if (bytes === 0) {
        delete r.snapshotJpeg;
        delete r.incident.snapshot;
      }
      return r;
    });
  try {
    say(`store: ${saves} saves one by one (synchronous FULL, ${jpegBytes} B snapshots)`);
    out.saveOneByOnePerS = saveOneByOne(join(dir, 'one.db'), records('one', saves, jpegBytes));
    say(`store: ${saves} saves through the StoreWriter (group commit)`);
    out.saveBatchedPerS = await saveBatched(join(dir, 'batched.db'), records('bat', saves, jpegBytes));
    out.saveBatchedNoSnapshotPerS = await saveBatched(join(dir, 'nosnap.db'), records('nos', saves, 0));
    for (const window of windows) {
      say(`uplink: filling a ${backlog}-row backlog, then draining it with maxInflight ${window}`);
      const r = await drain(join(dir, `drain-${window}.db`), backlog, jpegBytes, window, liveEvents);
      out[`drainPerS_w${window}`] = r.perS;
      out[`drainLiveLatencyP50Ms_w${window}`] = r.liveP50Ms;
      out[`drainLiveLatencyMaxMs_w${window}`] = r.liveMaxMs;
      out[`drainBacklogLeftAtLastLive_w${window}`] = r.backlogLeftAtLastLive;
      out.backlogFillPerS = r.fillPerS;
      out.backlogDbBytes = r.dbBytes;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

function saveOneByOne(path: string, recs: IncidentRecord[]): number {
  const store = openStore({ path, logger });
  try {
    const t0 = performance.now();
    for (const r of recs) store.save(r);
    return rate(recs.length, performance.now() - t0);
  } finally {
    store.close();
  }
}

/** Incidents arrive in bursts of 100 per event-loop turn (a busy box), as fast as the writer takes them. */
async function saveBatched(path: string, recs: IncidentRecord[]): Promise<number> {
  const store = openStore({ path, logger });
  let committed = 0;
  const writer = createStoreWriter({ store, logger, onSaved: (entries) => (committed += entries.length) });
  try {
    const t0 = performance.now();
    for (let i = 0; i < recs.length; i += 100) {
      for (const r of recs.slice(i, i + 100)) writer.write(r);
      await new Promise((r) => setImmediate(r));
    }
    while (committed < recs.length) await new Promise((r) => setImmediate(r));
    return rate(recs.length, performance.now() - t0);
  } finally {
    writer.stop();
    store.close();
  }
}

interface DrainResult {
  perS: number;
  fillPerS: number;
  dbBytes: number;
  liveP50Ms: number;
  liveMaxMs: number;
  /** Backlog rows still unsent when the last live incident arrived (> 0: live incidents overtook history). */
  backlogLeftAtLastLive: number;
}

async function drain(path: string, backlog: number, jpegBytes: number, window: number, liveEvents: number): Promise<DrainResult> {
  const store = openStore({ path, logger });
  const broker = await startMosquitto();
  let counter: ChildProcess | undefined;
  const uplink = createMqttUplink({ config: mqttConfig(broker.url, { maxInflight: window }), agentId: AGENT, store, logger, backoff: { minMs: 50, maxMs: 500 } });
  const probe = connect(broker.url, { protocolVersion: 5 });
  try {
    const fillStart = performance.now();
    for (let i = 0; i < backlog; i += 1_000) store.saveMany(Array.from({ length: Math.min(1_000, backlog - i) }, (_, k) => makeRecord('backlog', i + k, { agentId: AGENT, jpegBytes })));
    const fillPerS = rate(backlog, performance.now() - fillStart);
    const dbBytes = statSync(path).size;

    // An IOC stand-in outside this process counts every backlog message (exits after the last one)...
    counter = spawn('mosquitto_sub', ['-h', broker.host, '-p', String(broker.port), '-q', '1', '-t', 'camwatch/+/incidents/#', '-C', String(backlog + liveEvents)], { stdio: 'ignore' });
    const counted = new Promise<void>((resolve) => counter!.once('exit', () => resolve()));
    // ...while this probe times the live ones (their own topic, so it is not flooded).
    const savedAt = new Map<string, number>();
    const latencies: number[] = [];
    let backlogLeftAtLastLive = 0;
    await new Promise<void>((resolve) => probe.once('connect', () => resolve()));
    await probe.subscribeAsync('camwatch/+/incidents/traffic/wrong_way', { qos: 1 });
    probe.on('message', (_topic, payload) => {
      const id = (JSON.parse(payload.toString()) as { id: string }).id;
      const at = savedAt.get(id);
      if (at !== undefined) latencies.push(performance.now() - at);
      savedAt.delete(id);
      if (latencies.length === liveEvents) backlogLeftAtLastLive = store.pendingCount();
    });
    await sleep(200); // mosquitto_sub subscribed

    const t0 = performance.now();
    await uplink.start();
    let drainedAt: number | undefined;
    const live = (async () => {
      for (let k = 0; k < liveEvents; k++) {
        // Spread over the first part of the drain (≥ 5,000 rows/s here: the whole drain takes longer).
        await sleep(Math.max(20, ((backlog / 20_000) * 1_000) / liveEvents));
        const r = makeRecord('live', k, { agentId: AGENT, jpegBytes });
        r.incident.type = 'wrong_way';
        r.incident.category = 'traffic';
        savedAt.set(r.incident.id, performance.now());
        store.save(r);
        uplink.notify();
      }
      while (latencies.length < liveEvents) await sleep(5);
    })();
    while (store.pendingCount() > 0) await sleep(20);
    drainedAt = performance.now();
    await live;
    await Promise.race([counted, sleep(10_000)]);
    if (counter.exitCode === null) throw new Error('the subscriber did not receive every message');
    latencies.sort((a, b) => a - b);
    return {
      perS: rate(backlog + liveEvents, drainedAt - t0),
      fillPerS,
      dbBytes,
      liveP50Ms: Math.round(latencies[Math.floor(latencies.length / 2)] ?? 0),
      liveMaxMs: Math.round(latencies.at(-1) ?? 0),
      backlogLeftAtLastLive,
    };
  } finally {
    counter?.kill('SIGKILL');
    await probe.endAsync(true);
    await uplink.stop();
    store.close();
    await broker.dispose();
  }
}

function rate(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      backlog: { type: 'string' },
      saves: { type: 'string' },
      'jpeg-bytes': { type: 'string' },
      windows: { type: 'string' },
    },
  });
  const result = await runStoreBench({
    quick: values.quick,
    ...(values.backlog === undefined ? {} : { backlog: Number(values.backlog) }),
    ...(values.saves === undefined ? {} : { saves: Number(values.saves) }),
    ...(values['jpeg-bytes'] === undefined ? {} : { jpegBytes: Number(values['jpeg-bytes']) }),
    ...(values.windows === undefined ? {} : { windows: values.windows.split(',').map(Number) }),
  });
  process.stdout.write(`${JSON.stringify({ schema: 'camwatch.bench.store/1', ...result }, null, 2)}\n`);
}
