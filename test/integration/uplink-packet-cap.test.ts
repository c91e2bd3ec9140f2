/**
 * mqtt.maxPacketBytes over MQTT 3.1.1, where the broker is not told the limit: a 16 MB retained publish on
 * a command topic (from another process, as an attacker would send it) is skipped as it streams in, the
 * connection stays up, the retained message is cleared, and the next command is answered.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, expect, it } from 'vitest';
import { createLogger } from '../../agent/core/logger.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import { createMqttUplink } from '../../agent/uplink/mqtt-uplink.js';
import { assertNoMosquittoLeaks, startMosquitto } from '../helpers/mosquitto.js';
import { mqttConfig, subscribe, waitFor } from '../fixtures/outbox-data.js';

const AGENT = 'edge-cap';
// Buffers are only freed by a GC: without one, what was allocated and dropped looks like what is held.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** Buffer memory still referenced, bytes (after a full GC). */
function heldBufferBytes(): number {
  gc();
  return process.memoryUsage().arrayBuffers;
}

afterAll(() => assertNoMosquittoLeaks());

it('MQTT 3.1.1: a 16 MB retained publish on a command topic is skipped unread (memory flat), cleared, and the connection stays up', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-cap-'));
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
  const store = openStore({ path: join(dir, 'camwatch.db'), logger });
  const broker = await startMosquitto();
  const uplink = createMqttUplink({ config: mqttConfig(broker.url), agentId: AGENT, store, logger, clientOptions: { protocolVersion: 4 }, outboxPollMs: 60_000 });
  const handled: string[] = [];
  uplink.onCommand('status', () => {
    handled.push('status');
    return { ok: true };
  });
  const replies = await subscribe(broker.url, `camwatch/${AGENT}/responses/#`);
  const file = join(dir, 'big.json');
  writeFileSync(file, `{"pad":"${'x'.repeat(16 * 1024 * 1024)}"}`);
  let sampler: NodeJS.Timeout | undefined;
  try {
    // Retained before the box connects: delivered (with the retain flag) right after its SUBSCRIBE.
    const pub = spawn('mosquitto_pub', ['-h', broker.host, '-p', String(broker.port), '-q', '1', '-r', '-V', 'mqttv311', '-t', `camwatch/${AGENT}/cmd/status`, '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    expect(await new Promise<number | null>((resolve) => pub.once('exit', resolve))).toBe(0);

    const baseline = heldBufferBytes();
    let peak = baseline;
    sampler = setInterval(() => {
      peak = Math.max(peak, heldBufferBytes());
    }, 10);
    await uplink.start();
    await waitFor('connected', () => uplink.stats().connected);
    expect(uplink.stats().protocolVersion).toBe(4);
    await waitFor('oversized packet reported', () => lines.some((l) => typeof l.msg === 'string' && l.msg.includes('skipped unread: over mqtt.maxPacketBytes (1048576)')), 20_000);
    clearInterval(sampler);
    const grownMb = (peak - baseline) / 1024 ** 2;
    expect(grownMb, `buffers held grew by ${grownMb.toFixed(1)} MB while 16 MB streamed in`).toBeLessThan(8);
    expect(lines.find((l) => typeof l.msg === 'string' && l.msg.includes('skipped unread'))).toMatchObject({ level: 'warn', msg: expect.stringContaining('it is a retained command: clearing it') });

    // Same connection, still answering; the big one was never run.
    await waitFor('commands subscribed', () => uplink.stats().commandsSubscribed);
    await replies.client.publishAsync(`camwatch/${AGENT}/cmd/status`, JSON.stringify({ responseTopic: `camwatch/${AGENT}/responses/r1`, transaction: 1 }), { qos: 1 });
    await waitFor('answer', () => replies.messages.some((m) => m.json.transaction === 1));
    expect(handled).toEqual(['status']);
    expect(uplink.stats()).toMatchObject({ connected: true, connections: 1 });

    // Cleared: a new subscriber gets no retained command.
    const probe = await subscribe(broker.url, `camwatch/${AGENT}/cmd/#`);
    await probe.sync();
    expect(probe.messages.filter((m) => m.topic.includes('/cmd/'))).toEqual([]);
    await probe.close();
  } finally {
    clearInterval(sampler);
    await replies.close();
    await uplink.stop();
    await broker.dispose();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
