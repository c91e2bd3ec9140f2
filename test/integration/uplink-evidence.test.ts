/**
 * Evidence delivery modes against a real mosquitto: with `snapshot: topic` the raw JPEG is published on its
 * own topic before the event that names it (and the row counts as sent only after both PUBACKs); with
 * `snapshot: inline` a JPEG over the size cap is left out of the event, saying why.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../agent/core/logger.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import type { IncidentStore } from '../../agent/store/types.js';
import { createMqttUplink, type MqttUplink } from '../../agent/uplink/mqtt-uplink.js';
import { assertNoMosquittoLeaks, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { makeRecord, mqttConfig, subscribe, waitFor, type Subscriber } from '../fixtures/outbox-data.js';

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const AGENT = 'edge-ev';

describe('snapshot delivery modes', () => {
  let dir: string;
  let store: IncidentStore;
  let broker: Mosquitto;
  let uplink: MqttUplink | undefined;
  let sub: Subscriber | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-evidence-'));
    store = openStore({ path: join(dir, 'camwatch.db'), logger });
    broker = await startMosquitto();
  });
  afterEach(async () => {
    await uplink?.stop();
    await sub?.close();
    await broker?.dispose();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => assertNoMosquittoLeaks());

  it('topic: the JPEG arrives on the evidence topic, before the event that names it', async () => {
    sub = await subscribe(broker.url, `camwatch/${AGENT}/#`);
    uplink = createMqttUplink({ config: mqttConfig(broker.url, { snapshot: 'topic' }), agentId: AGENT, store, logger });
    await uplink.start();
    const records = Array.from({ length: 3 }, (_, i) => makeRecord('ev', i, { agentId: AGENT, jpegBytes: 50_000 }));
    for (const r of records) store.save(r);
    uplink.notify();
    await waitFor('3 events', () => sub!.messages.filter((m) => m.topic.includes('/incidents/')).length >= 3);
    await waitFor('outbox drained', () => store.pendingCount() === 0);

    const topics = sub.messages.map((m) => m.topic).filter((t) => !t.endsWith('/status'));
    for (const r of records) {
      const evidence = `camwatch/${AGENT}/evidence/${r.incident.id}/${r.incident.sequence ?? 1}`;
      const event = sub.messages.find((m) => m.topic.includes('/incidents/') && m.json.id === r.incident.id)!;
      const snap = event.json.snapshot as { topic: string; data?: string; bytes: number };
      expect(snap.topic).toBe(evidence);
      expect(snap.data).toBeUndefined();
      expect(topics.indexOf(evidence)).toBeLessThan(topics.indexOf(event.topic, topics.indexOf(evidence)));
      const raw = sub.messages.find((m) => m.topic === evidence)!;
      expect(raw.payload.equals(r.snapshotJpeg!)).toBe(true);
    }
  });

  it('inline: a snapshot over the cap is left out of the event, with the reason', async () => {
    sub = await subscribe(broker.url, `camwatch/${AGENT}/incidents/#`);
    uplink = createMqttUplink({ config: mqttConfig(broker.url, { snapshot: 'inline', maxInlineSnapshotBytes: 10_000 }), agentId: AGENT, store, logger });
    await uplink.start();
    store.save(makeRecord('big', 0, { agentId: AGENT, jpegBytes: 20_000 }));
    store.save(makeRecord('small', 1, { agentId: AGENT, jpegBytes: 5_000 }));
    uplink.notify();
    await waitFor('2 events', () => sub!.messages.length >= 2);
    const [big, small] = sub.messages.map((m) => m.json.snapshot as { data?: string; omitted?: string; bytes: number });
    expect(big).toMatchObject({ bytes: 20_000, omitted: expect.stringContaining('maxInlineSnapshotBytes') });
    expect(big!.data).toBeUndefined();
    expect(Buffer.from(small!.data!, 'base64')).toHaveLength(5_000);
  });
});
