import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createLogger } from '../../agent/core/logger.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import { createMqttUplink, type MqttUplink } from '../../agent/uplink/mqtt-uplink.js';
import { assertNoMosquittoLeaks, startMosquitto } from '../helpers/mosquitto.js';
import { makeRecord, mqttConfig, waitFor } from '../fixtures/outbox-data.js';

const WRONG = 'wrong-secret-xyz';
const RIGHT = 'right-secret-123';

afterAll(() => assertNoMosquittoLeaks());

it('a wrong broker password: one clear MQTT_AUTH error, no password in the log, rows kept and sent once fixed', async () => {
  const broker = await startMosquitto({ users: { camwatch: RIGHT } });
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-auth-'));
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: {
      write(s: string) {
        raw.push(s);
        lines.push(JSON.parse(s) as Record<string, unknown>);
      },
    },
  });
  const store = openStore({ path: join(dir, 'camwatch.db'), logger });
  let uplink: MqttUplink | undefined;
  try {
    for (let i = 0; i < 5; i++) store.save(makeRecord('auth', i));
    const config = mqttConfig(broker.url, { username: 'camwatch' });
    uplink = createMqttUplink({ config, agentId: 'edge-auth', store, password: WRONG, logger, backoff: { minMs: 30, maxMs: 120 } });
    await uplink.start();

    const authLines = () => lines.filter((l) => l.code === 'MQTT_AUTH');
    await waitFor('at least 4 refused attempts', () => authLines().length >= 4);

    const errors = authLines().filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1); // once per change, not once per retry
    // mosquitto 2.0 answers "not authorized" (135) to a wrong password.
    expect(errors[0]!.msg).toContain(`MQTT_AUTH: broker ${broker.url} refused the connection: not authorized (wrong username or password`);
    expect(errors[0]!.msg).toContain('Check the broker username/password');
    expect(authLines().slice(1).every((l) => l.level === 'debug')).toBe(true);
    expect(uplink.stats()).toMatchObject({ connected: false, published: 0, pending: 5 });
    expect(uplink.stats().lastError).toMatch(/wrong username or password/);
    expect(store.pending(10).every((e) => e.attempts === 0)).toBe(true);
    await uplink.stop();

    // Nothing was lost: with the right password the same rows go out.
    uplink = createMqttUplink({ config, agentId: 'edge-auth', store, password: RIGHT, logger, backoff: { minMs: 30, maxMs: 120 } });
    await uplink.start();
    await waitFor('drained with the right password', () => store.pendingCount() === 0);
    expect(uplink.stats().published).toBe(5);

    const log = raw.join('');
    expect(log).not.toContain(WRONG);
    expect(log).not.toContain(RIGHT);
  } finally {
    await uplink?.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
    await broker.dispose();
  }
});
