import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { createLogger } from '../../agent/core/logger.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import { createMqttUplink, type MqttUplink } from '../../agent/uplink/mqtt-uplink.js';
import { incidentFilter } from '../../agent/uplink/topics.js';
import { schemaErrors, validateIncidentEvent } from '../fixtures/outbox-schemas.js';
import { assertNoMosquittoLeaks, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { fakeJpeg, makeEvent, makeRecord, mqttConfig, subscribe, waitFor, type Subscriber } from '../fixtures/outbox-data.js';

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const AGENT = 'edge-sf';
const dir = mkdtempSync(join(tmpdir(), 'camwatch-sf-'));
let broker: Mosquitto | undefined;
let uplink: MqttUplink | undefined;
let sub: Subscriber | undefined;

afterEach(async () => {
  await uplink?.stop();
  await sub?.close();
  await broker?.dispose();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await assertNoMosquittoLeaks();
});

it('store-and-forward: incidents saved while the broker is down all arrive, once each, in order', async () => {
  const store = openStore({ path: join(dir, 'camwatch.db'), logger });
  try {
    broker = await startMosquitto({ persistence: true });
    // Persistent session: the broker keeps this subscription and queues for it across its own restart.
    sub = await subscribe(broker.url, incidentFilter('camwatch'), { clientId: 'ioc-sf', clean: false });
    uplink = createMqttUplink({
      config: mqttConfig(broker.url),
      agentId: AGENT,
      store,
      logger,
      backoff: { minMs: 50, maxMs: 300 },
    });
    await uplink.start();

    const before = Array.from({ length: 5 }, (_, i) => makeRecord('sf', i, { agentId: AGENT }));
    for (const r of before) store.save(r);
    uplink.notify();
    await waitFor('first 5 delivered', () => sub!.ids().length === 5 && store.pendingCount() === 0);
    await sub.sync();

    await broker.stop();
    await waitFor('uplink notices the outage', () => !uplink!.stats().connected);
    const during = Array.from({ length: 60 }, (_, i) => makeRecord('sf', 5 + i, { agentId: AGENT }));
    for (const r of during) {
      store.save(r);
      uplink.notify();
    }
    // A reconnect attempt has failed against the stopped broker, and nothing was lost meanwhile.
    await waitFor('a failed reconnect', () => /connection refused/.test(uplink!.stats().lastError ?? ''));
    expect(store.pendingCount()).toBe(60);

    await broker.restart();
    await waitFor('outbox drained after restart', () => store.pendingCount() === 0, 15_000);
    await waitFor('all 65 received', () => sub!.ids().length >= 65, 15_000);
    // A sentinel saved after the drain: delivery is in order, so once it is in, a late duplicate of an
    // earlier row (a redelivery after the reconnect) would have arrived before it.
    const sentinel = makeRecord('sf', 65, { agentId: AGENT });
    store.save(sentinel);
    uplink.notify();
    await waitFor('the sentinel', () => sub!.ids().includes(sentinel.incident.id), 15_000);

    const expected = [...before, ...during, sentinel].map((r) => r.incident.id);
    expect(sub.ids()).toEqual(expected); // every id, exactly once, in save order
    expect(uplink.stats().connections).toBe(2);
  } finally {
    await uplink?.stop();
    store.close();
  }
});

it('new, update and end of one incident saved during an outage arrive as three events, each with its own fields', async () => {
  const store = openStore({ path: join(dir, 'events.db'), logger });
  try {
    broker = await startMosquitto({ persistence: true });
    sub = await subscribe(broker.url, incidentFilter('camwatch'), { clientId: 'ioc-events', clean: false });
    uplink = createMqttUplink({ config: mqttConfig(broker.url), agentId: AGENT, store, logger, backoff: { minMs: 50, maxMs: 300 } });
    await uplink.start();
    await waitFor('connected', () => uplink!.stats().connected);
    // A live event first: sent on the connection it was stored under, so not historical.
    const live = makeRecord('live', 1, { agentId: AGENT });
    store.save(live);
    uplink.notify();
    await waitFor('live event delivered', () => sub!.ids().length === 1);
    await sub.sync();

    await broker.stop();
    await waitFor('uplink notices the outage', () => !uplink!.stats().connected);
    const created = makeRecord('ev', 1, { agentId: AGENT });
    const better = fakeJpeg(77, 3_000);
    const events = [created, makeEvent(created, 'update', 2, { jpeg: better }), makeEvent(created, 'end', 3)];
    for (const e of events) {
      store.save(e);
      uplink.notify();
    }
    await broker.restart();
    await waitFor('three events received', () => sub!.messages.filter((m) => m.json.id === created.incident.id).length >= 3, 15_000);
    await waitFor('outbox drained', () => store.pendingCount() === 0);

    const got = sub.messages.filter((m) => m.json.id === created.incident.id).map((m) => m.json);
    expect(got.map((j) => j.status)).toEqual(['new', 'update', 'end']);
    for (const j of got) expect(schemaErrors(validateIncidentEvent, j)).toBe(''); // as published, per docs/schemas
    expect(got.map((j) => j.sequence)).toEqual([1, 2, 3]);
    expect(got.map((j) => j.score)).toEqual(events.map((e) => e.incident.score));
    expect(got[0]).not.toHaveProperty('updatedAt');
    expect(got[0]).not.toHaveProperty('endedAt');
    expect(got[1]!.updatedAt).toBe(events[1]!.incident.updatedAt);
    expect(got[2]!.endedAt).toBe(events[2]!.incident.endedAt);
    // Each event carries the snapshot it had: the first picture, then the better one (also on the end).
    const jpegOf = (j: Record<string, unknown>) => Buffer.from((j.snapshot as { data: string }).data, 'base64');
    expect(jpegOf(got[0]!).equals(created.snapshotJpeg!)).toBe(true);
    expect(jpegOf(got[1]!).equals(better)).toBe(true);
    expect(jpegOf(got[2]!).equals(better)).toBe(true);
    // Stored before this connection started: replays.
    expect(got.every((j) => j.historical === true)).toBe(true);
    expect(sub.messages[0]!.json).toMatchObject({ id: live.incident.id });
    expect(sub.messages[0]!.json).not.toHaveProperty('historical');
  } finally {
    await uplink?.stop();
    store.close();
  }
});

it('broker stopped mid-stream: the next connection restarts from the first unacknowledged row', async () => {
  const store = openStore({ path: join(dir, 'midstream.db'), logger });
  try {
    broker = await startMosquitto({ persistence: true });
    sub = await subscribe(broker.url, incidentFilter('camwatch'), { clientId: 'ioc-mid', clean: false });
    uplink = createMqttUplink({ config: mqttConfig(broker.url, { maxInflight: 16 }), agentId: AGENT, store, logger, backoff: { minMs: 50, maxMs: 300 } });
    await uplink.start();
    const records = Array.from({ length: 400 }, (_, i) => makeRecord('mid', i, { agentId: AGENT, jpegBytes: 256 }));
    for (const r of records) store.save(r);
    uplink.notify();

    await waitFor('part of the backlog delivered', () => uplink!.stats().published >= 50);
    await broker.stop(); // mid-stream: rows are in flight
    const pendingAtStop = store.pendingCount();
    expect(pendingAtStop).toBeGreaterThan(0);
    await broker.restart();
    await waitFor('drained', () => store.pendingCount() === 0, 15_000);
    await waitFor('all received', () => records.every((r) => sub!.ids().includes(r.incident.id)), 15_000);

    const received = sub.ids();
    const firstArrivals = received.filter((id, i) => received.indexOf(id) === i);
    expect(firstArrivals).toEqual(records.map((r) => r.incident.id));
    // A duplicate the agent caused is a row the old connection had in flight (≤ maxInflight), published
    // again under the same id. The broker also redelivers (DUP flag) what it had in flight to this
    // persistent subscriber when it stopped; those are its own, bounded by its max_inflight_messages.
    const fromAgent = sub.messages.filter((m) => !m.dup).map((m) => m.json.id as string);
    expect(fromAgent.length - new Set(fromAgent).size).toBeLessThanOrEqual(16);
  } finally {
    await uplink?.stop();
    store.close();
  }
});
