import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, expect, it } from 'vitest';
import { createLogger } from '../../agent/core/logger.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../agent/uplink/embedded-broker.js';
import { createMqttUplink, type MqttUplink } from '../../agent/uplink/mqtt-uplink.js';
import { makeRecord, mqttConfig, waitFor } from '../fixtures/outbox-data.js';

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const AGENT = 'edge-emb';
const OPERATOR = { username: 'operator', password: 'test-operator-password-0123' };
const POLICY = { topicPrefix: 'camwatch', agentId: AGENT, agentClientId: `camwatch-${AGENT}` };
let broker: EmbeddedBroker | undefined;
let uplink: MqttUplink | undefined;
let watcher: ChildProcess | undefined;

afterEach(async () => {
  if (watcher !== undefined && watcher.exitCode === null && watcher.signalCode === null) watcher.kill('SIGKILL');
  await uplink?.stop();
  await broker?.close();
});

it('agent uplink → embedded aedes broker → mosquitto_sub logged in as the operator sees every incident', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-emb-'));
  const store = openStore({ path: join(dir, 'camwatch.db'), logger });
  try {
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, logger, operator: OPERATOR, policy: POLICY });
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    expect(broker.port).toBeGreaterThan(0);

    // stdbuf: mosquitto_sub's debug lines (we wait for its SUBACK) are otherwise block-buffered into a pipe.
    watcher = spawn(
      'stdbuf',
      ['-oL', 'mosquitto_sub', '-d', '-h', '127.0.0.1', '-p', String(broker.port), '-u', OPERATOR.username, '-P', OPERATOR.password, '-t', `camwatch/${AGENT}/incidents/#`, '-q', '1', '-F', '%t %p', '-C', '3', '-W', '20'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines: string[] = [];
    createInterface({ input: watcher.stdout! }).on('line', (l) => lines.push(l));
    const exited = new Promise<number | null>((r) => watcher!.once('exit', (code) => r(code)));
    await waitFor('mosquitto_sub subscribed', () => lines.some((l) => l.includes('SUBACK')));

    uplink = createMqttUplink({
      config: mqttConfig(broker.url, { username: broker.agentLogin.username, maxInlineSnapshotBytes: 1024 * 1024 }),
      password: broker.agentLogin.password,
      agentId: AGENT,
      store,
      logger,
      backoff: { minMs: 20, maxMs: 100 },
    });
    await uplink.start();
    // The third carries a 600 kB snapshot (800 kB inline): over the 256 KiB cap for clients, which the agent's own login is not held to.
    const records = [0, 1, 2].map((i) => makeRecord('emb', i, { agentId: AGENT, ...(i === 2 ? { jpegBytes: 600_000 } : {}) }));
    for (const r of records) store.save(r);
    uplink.notify();

    expect(await exited).toBe(0); // -C 3: exits after three messages
    const messages = lines.filter((l) => l.startsWith('camwatch/')).map((l) => {
      const space = l.indexOf(' ');
      return { topic: l.slice(0, space), json: JSON.parse(l.slice(space + 1)) as { id: string; snapshot: { data: string } } };
    });
    expect(messages.map((m) => m.json.id)).toEqual(records.map((r) => r.incident.id));
    expect(messages[1]!.topic).toBe(`camwatch/${AGENT}/incidents/security/zone_intrusion`);
    expect(Buffer.from(messages[2]!.json.snapshot.data, 'base64').equals(records[2]!.snapshotJpeg!)).toBe(true);
    await waitFor('acknowledged rows marked sent', () => store.pendingCount() === 0);
    // aedes speaks MQTT 3.1.1 only: the uplink fell back from 5.
    expect(uplink.stats().protocolVersion).toBe(4);
  } finally {
    await uplink?.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('refuses a port already in use with the listen error, and closes cleanly', async () => {
  broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, logger, operator: OPERATOR, policy: POLICY });
  await expect(startEmbeddedBroker({ host: '127.0.0.1', port: broker.port, logger, operator: OPERATOR, policy: POLICY })).rejects.toThrow(/EADDRINUSE/);
  await broker.close();
  await broker.close(); // idempotent
  broker = undefined;
});
