import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, afterEach, expect, it } from 'vitest';
import { createLogger } from '../../agent/core/logger.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import type { IncidentStore } from '../../agent/store/types.js';
import { createMqttUplink, type MqttUplink } from '../../agent/uplink/mqtt-uplink.js';
import { incidentFilter, statsTopic } from '../../agent/uplink/topics.js';
import { assertNoMosquittoLeaks, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { makeRecord, mqttConfig, waitFor } from '../fixtures/outbox-data.js';
import { schemaErrors, validateIncidentEvent, validateStats } from '../fixtures/outbox-schemas.js';

/**
 * Stats on the wire (real mosquitto, MQTT 5 subscriber): the retained stats carry the store's usage, and a
 * quota overrun shows up as warnings at the next outbox poll, not only at the next stats interval; incident
 * events carry CloudEvents attributes as user properties and say when their picture was pruned.
 */

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const AGENT = 'edge-stats';
const dir = mkdtempSync(join(tmpdir(), 'camwatch-stats-'));
let broker: Mosquitto | undefined;
let uplink: MqttUplink | undefined;
let store: IncidentStore | undefined;
let ioc: MqttClient | undefined;

afterEach(async () => {
  await ioc?.endAsync(true);
  await uplink?.stop();
  store?.close();
  await broker?.dispose();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await assertNoMosquittoLeaks();
});

interface Received {
  topic: string;
  json: Record<string, unknown>;
  userProperties?: Record<string, string | string[]>;
  contentType?: string;
}

it('stats with store usage, early warnings on a quota overrun, CloudEvents properties on incidents', async () => {
  store = openStore({ path: join(dir, 'stats.db'), logger, quotas: { maxSnapshotBytes: 20_000 } });
  broker = await startMosquitto();
  ioc = connect(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
  await new Promise<void>((r) => ioc!.once('connect', () => r()));
  const got: Received[] = [];
  ioc.on('message', (topic, payload, packet) => {
    got.push({
      topic,
      json: JSON.parse(payload.toString()) as Record<string, unknown>,
      ...(packet.properties?.userProperties === undefined ? {} : { userProperties: packet.properties.userProperties }),
      ...(packet.properties?.contentType === undefined ? {} : { contentType: packet.properties.contentType }),
    });
  });
  await ioc.subscribeAsync([statsTopic('camwatch', AGENT), incidentFilter('camwatch')], { qos: 1 });

  uplink = createMqttUplink({ config: mqttConfig(broker.url), agentId: AGENT, store, logger, outboxPollMs: 100 });
  await uplink.start();
  await waitFor('connected', () => uplink!.stats().connected);
  uplink.publishStats({ uptimeS: 5, cameras: [{ id: 'cam-gate', state: 'online', analysisFps: 5, framesDropped: 0 }] });
  const stats = () => got.filter((m) => m.topic === statsTopic('camwatch', AGENT)).map((m) => m.json);
  await waitFor('first stats', () => stats().length === 1);
  expect(schemaErrors(validateStats, stats()[0])).toBe('');
  expect(stats()[0]).toMatchObject({ agentId: AGENT, uplink: { connected: true }, store: { maxSnapshotBytes: 20_000 }, warnings: [] });

  // 8 × 5 kB of evidence into a 20 kB quota, saved in one go before the uplink sends any: the oldest
  // pictures go although their events are unsent (nothing sent is left to prune first).
  store.saveMany(Array.from({ length: 8 }, (_, i) => makeRecord('q', i, { agentId: AGENT, jpegBytes: 5_000 })));
  uplink.notify();
  await waitFor('warning published at the poll', () => stats().length >= 2, 5_000);
  const warned = stats().at(-1)!;
  expect(schemaErrors(validateStats, warned)).toBe('');
  const reasons = (warned.warnings as Array<{ reason: string }>).map((w) => w.reason);
  expect(reasons).toContain('evidence_pruned');
  expect(reasons).toContain('quota_near');
  expect(warned.store).toMatchObject({ prunedUnsentSnapshots: 4, held: 0 });
  expect(warned.cameras).toEqual([{ id: 'cam-gate', state: 'online', analysisFps: 5, framesDropped: 0 }]); // the last figures

  await waitFor('8 incidents', () => got.filter((m) => m.topic.includes('/incidents/')).length === 8);
  const incidents = got.filter((m) => m.topic.includes('/incidents/'));
  for (const m of incidents) expect(schemaErrors(validateIncidentEvent, m.json)).toBe('');
  const pruned = incidents.filter((m) => (m.json.snapshot as { omitted?: string }).omitted !== undefined);
  expect(pruned.map((m) => m.json.id)).toEqual(['q-000000', 'q-000001', 'q-000002', 'q-000003']);
  expect(incidents.slice(4).every((m) => typeof (m.json.snapshot as { data?: string }).data === 'string')).toBe(true);
  // CloudEvents binary content mode.
  expect(incidents[0]!.contentType).toBe('application/json');
  expect(incidents[0]!.userProperties).toMatchObject({
    specversion: '1.0',
    id: 'q-000000:1:new',
    type: 'camwatch.incident.new',
    source: `/camwatch/${AGENT}/cameras/cam-gate`,
  });

  // The warnings are news once: the next stats (nothing changed) keeps only the standing condition.
  uplink.publishStats({ uptimeS: 10, cameras: [] });
  await waitFor('third stats', () => stats().length >= 3);
  expect((stats().at(-1)!.warnings as Array<{ reason: string }>).map((w) => w.reason)).toEqual(['quota_near']);
});
