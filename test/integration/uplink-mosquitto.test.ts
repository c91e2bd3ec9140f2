import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../agent/core/logger.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import type { IncidentStore } from '../../agent/store/types.js';
import { createMqttUplink, type MqttUplink } from '../../agent/uplink/mqtt-uplink.js';
import { incidentFilter, statusTopic } from '../../agent/uplink/topics.js';
import { assertNoMosquittoLeaks, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { makeRecord, mqttConfig, subscribe, waitFor, type Subscriber } from '../fixtures/outbox-data.js';

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const AGENT = 'edge-it';

describe('uplink → real mosquitto', () => {
  let dir: string;
  let store: IncidentStore;
  let broker: Mosquitto;
  let uplink: MqttUplink | undefined;
  let sub: Subscriber | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-uplink-'));
    store = openStore({ path: join(dir, 'camwatch.db'), logger });
  });

  afterEach(async () => {
    await uplink?.stop();
    await sub?.close();
    await broker?.dispose();
    store.close();
    rmSync(dir, { recursive: true, force: true });
    uplink = undefined;
    sub = undefined;
  });

  afterAll(() => assertNoMosquittoLeaks());

  it('delivers each saved incident in order with its snapshot, and retains online status', async () => {
    broker = await startMosquitto();
    sub = await subscribe(broker.url, incidentFilter('camwatch'));
    const status = await subscribe(broker.url, statusTopic('camwatch', AGENT));
    uplink = createMqttUplink({ config: mqttConfig(broker.url), agentId: AGENT, store, logger });
    await uplink.start();

    const records = Array.from({ length: 40 }, (_, i) => makeRecord('ord', i, { agentId: AGENT }));
    for (const r of records) {
      store.save(r);
      uplink.notify();
    }
    await waitFor('40 incidents', () => sub!.ids().length >= 40);
    await waitFor('outbox drained', () => store.pendingCount() === 0);

    expect(sub.ids()).toEqual(records.map((r) => r.incident.id));
    const first = sub.messages[0]!;
    expect(first.topic).toBe(`camwatch/${AGENT}/incidents/traffic/line_crossing`);
    const snap = first.json.snapshot as { data: string; bytes: number };
    expect(Buffer.from(snap.data, 'base64').equals(records[0]!.snapshotJpeg!)).toBe(true);
    expect(uplink.stats()).toMatchObject({ connected: true, published: 40, pending: 0, protocolVersion: 5 });

    await waitFor('online status', () => status.messages.some((m) => m.json.state === 'online'));
    await uplink.stop();
    await waitFor('offline status', () => status.messages.some((m) => m.json.state === 'offline'));
    expect(status.messages.at(-1)?.json).toMatchObject({ state: 'offline', reason: 'shutdown', agentId: AGENT });
    await status.close();
  });

  it('marks a row sent only after PUBACK: with the broker frozen, rows are published but stay unsent', async () => {
    broker = await startMosquitto();
    uplink = createMqttUplink({ config: mqttConfig(broker.url, { maxInflight: 4 }), agentId: AGENT, store, logger, backoff: { minMs: 50, maxMs: 200 } });
    await uplink.start();
    await waitFor('connected', () => uplink!.stats().connected);

    // SIGSTOP: the TCP connection stays up but nobody answers, so no PUBACK can come.
    process.kill(broker.pid!, 'SIGSTOP');
    try {
      for (let i = 0; i < 10; i++) store.save(makeRecord('frz', i, { agentId: AGENT }));
      uplink.notify();
      await waitFor('window full', () => uplink!.stats().inflight === 4);
      // No PUBACK can come from a frozen broker, so no event can end this wait: 200 ms is the time an uplink
      // that wrongly marked rows sent on the socket write (not on PUBACK) would need to show it.
      await new Promise((r) => setTimeout(r, 200));
      expect(store.pendingCount()).toBe(10);
      // Exactly the window was attempted, oldest first; nothing was marked sent.
      const attempted = store.pending(10).filter((e) => e.attempts > 0).map((e) => e.incidentId);
      expect(attempted).toEqual(['frz-000000', 'frz-000001', 'frz-000002', 'frz-000003']);
    } finally {
      process.kill(broker.pid!, 'SIGCONT');
    }
    await waitFor('drained after thaw', () => store.pendingCount() === 0);
    expect(uplink.stats().published).toBe(10);
  });

  it('publishes retained camera state, also when it changed while disconnected', async () => {
    broker = await startMosquitto();
    uplink = createMqttUplink({ config: mqttConfig(broker.url), agentId: AGENT, store, logger });
    uplink.publishCameraState({ cameraId: 'cam-gate', state: 'online', reconnects: 0, atMs: Date.now() });
    await uplink.start();
    await waitFor('connected', () => uplink!.stats().connected);
    uplink.publishCameraState({ cameraId: 'cam-street', state: 'down', reconnects: 2, atMs: Date.now(), lastError: { message: 'connection refused' } });
    // A subscriber arriving later still sees both, from the retained messages.
    sub = await subscribe(broker.url, `camwatch/${AGENT}/cameras/+/state`);
    await waitFor('two retained states', () => sub!.messages.length >= 2);
    const byCamera = Object.fromEntries(sub.messages.map((m) => [m.json.cameraId, m]));
    expect(byCamera['cam-gate']).toMatchObject({ retain: true, json: { state: 'online' } });
    expect(byCamera['cam-street']).toMatchObject({ retain: true, json: { state: 'down', reconnects: 2 } });
  });
});

describe('mosquitto test helper', () => {
  it('restarts on the same port, and the leak check kills and reports a broker left running', async () => {
    const b = await startMosquitto();
    const { port, pid } = b;
    await b.kill();
    expect(b.running).toBe(false);
    await b.restart();
    expect(b.port).toBe(port);
    expect(b.running).toBe(true);
    expect(b.pid).not.toBe(pid);
    // Not disposed: the teardown check must fail, and must not leave the process behind.
    await expect(assertNoMosquittoLeaks()).rejects.toThrow(new RegExp(`mosquitto leaked: pid ${b.pid} port ${port}`));
    expect(b.running).toBe(false);
  });
});
