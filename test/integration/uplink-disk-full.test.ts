import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, expect, it } from 'vitest';
import { createLogger } from '../../agent/core/logger.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import type { IncidentStore } from '../../agent/store/types.js';
import { createStoreWriter } from '../../agent/store/writer.js';
import { createMqttUplink, type MqttUplink } from '../../agent/uplink/mqtt-uplink.js';
import { incidentFilter, statsTopic } from '../../agent/uplink/topics.js';
import { assertNoMosquittoLeaks, startMosquitto } from '../helpers/mosquitto.js';
import { makeRecord, mqttConfig, waitFor } from '../fixtures/outbox-data.js';
import { schemaErrors, validateStats } from '../fixtures/outbox-schemas.js';

/**
 * The IOC hears about a full disk (issue: "the agent publishes a warning and never crashes"): a real 4 MB
 * tmpfs under the store, filled by something else; incidents saved through the StoreWriter are held in
 * memory, the retained stats gain a `disk_full` warning at the next outbox poll, and once space is freed
 * the held incidents are saved, delivered, and the warning clears.
 */

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const AGENT = 'edge-full';

afterAll(async () => {
  await assertNoMosquittoLeaks();
});

interface Warning {
  code: string;
  reason: string;
  message: string;
}

it('a full disk is published as a disk_full warning on the stats topic, cleared when space returns; no incident lost', async () => {
  const mnt = mkdtempSync(join(tmpdir(), 'camwatch-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
  const broker = await startMosquitto();
  let store: IncidentStore | undefined;
  let uplink: MqttUplink | undefined;
  let ioc: MqttClient | undefined;
  try {
    store = openStore({ path: join(mnt, 'camwatch.db'), logger, heldMax: 50 });
    uplink = createMqttUplink({ config: mqttConfig(broker.url), agentId: AGENT, store, logger, outboxPollMs: 100 });
    const writer = createStoreWriter({ store, logger, onSaved: () => uplink!.notify() });

    ioc = connect(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    await new Promise<void>((r) => ioc!.once('connect', () => r()));
    const stats: Array<Record<string, unknown>> = [];
    const incidents = new Set<string>();
    ioc.on('message', (topic, payload) => {
      const json = JSON.parse(payload.toString()) as Record<string, unknown>;
      if (topic === statsTopic('camwatch', AGENT)) stats.push(json);
      else incidents.add(String(json.id));
    });
    await ioc.subscribeAsync([statsTopic('camwatch', AGENT), incidentFilter('camwatch')], { qos: 1 });
    await uplink.start();
    await waitFor('connected', () => uplink!.stats().connected);
    uplink.publishStats({ uptimeS: 1, cameras: [{ id: 'cam-gate', state: 'online' }] });
    await waitFor('first stats', () => stats.length === 1);
    expect(stats[0]!.warnings).toEqual([]);

    // Something else (logs, a core dump) takes every free byte.
    const hog = join(mnt, 'hog');
    const fs = statfsSync(mnt);
    writeFileSync(hog, Buffer.alloc(Math.max(0, fs.bavail * fs.bsize - 4_096)));
    const produced: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = makeRecord('full', i, { agentId: AGENT, jpegBytes: 20_000 });
      produced.push(r.incident.id);
      writer.write(r);
    }
    writer.flush();
    expect(store.held()).toBeGreaterThan(0);

    const warnings = () => (stats.at(-1)?.warnings ?? []) as Warning[];
    await waitFor('disk_full published', () => warnings().some((w) => w.reason === 'disk_full'), 5_000);
    const warned = stats.at(-1)!;
    expect(schemaErrors(validateStats, warned)).toBe('');
    expect(warnings().find((w) => w.reason === 'disk_full')).toMatchObject({ code: 'STORE_FULL', message: expect.stringMatching(/incident event\(s\) wait in memory/) });
    expect(uplink.stats().connected).toBe(true);

    // Space returns: maintenance saves what was held, in order; it all reaches the IOC; the warning clears.
    rmSync(hog);
    expect(store.maintain(Date.now())).toMatchObject({ held: 0 });
    uplink.notify();
    await waitFor('every incident delivered', () => produced.every((id) => incidents.has(id)), 10_000);
    await waitFor('warning cleared', () => !warnings().some((w) => w.reason === 'disk_full'), 5_000);
    expect(schemaErrors(validateStats, stats.at(-1))).toBe('');
    writer.stop();
  } finally {
    await ioc?.endAsync(true);
    await uplink?.stop();
    store?.close();
    await broker.dispose();
    execFileSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
}, 60_000);
