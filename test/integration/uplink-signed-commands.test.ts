import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseConfigText } from '../../agent/config/load.js';
import { createLogger } from '../../agent/core/logger.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import { signedCommandPayload } from '../../agent/uplink/command-auth.js';
import { createMqttUplink } from '../../agent/uplink/mqtt-uplink.js';
import { commandTopic } from '../../agent/uplink/topics.js';
import { assertNoMosquittoLeaks, startMosquitto } from '../helpers/mosquitto.js';
import { makeRecord, subscribe, waitFor } from '../fixtures/outbox-data.js';

const AGENT = 'edge-signed';
const SECRET = 'cmd-S3cret-from-file';

afterAll(() => assertNoMosquittoLeaks());

it('signed commands: a signed ack runs; unsigned, tampered, stale and replayed ones are answered COMMAND_REJECTED', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-signed-'));
  writeFileSync(join(dir, 'command.secret'), `${SECRET}\n`);
  const broker = await startMosquitto();
  const raw: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void raw.push(s) } });
  const store = openStore({ path: join(dir, 'camwatch.db'), logger });
  // The secret comes from the config file, as in the agent.
  const loaded = parseConfigText(`mqtt:\n  url: ${broker.url}\n  commandSecretFile: command.secret\n`, join(dir, 'camwatch.yaml'), { baseDir: dir, env: {} });
  expect(loaded.secrets.commandSecret).toBe(SECRET);
  const uplink = createMqttUplink({ config: loaded.config.mqtt, agentId: AGENT, store, logger, commandSecret: loaded.secrets.commandSecret, outboxPollMs: 60_000 });
  const handled: string[] = [];
  uplink.onCommand('ack', (req) => {
    handled.push(String(req.id));
    const cancelled = store.acknowledge(String(req.id));
    if (cancelled === undefined) throw new Error(`no incident ${String(req.id)}`);
    return { id: req.id, cancelled };
  });
  const replies = await subscribe(broker.url, `camwatch/${AGENT}/responses/#`);
  try {
    await uplink.start();
    await waitFor('connected', () => uplink.stats().connected);
    await waitFor('commands subscribed', () => uplink.stats().commandsSubscribed);
    const record = makeRecord('signed', 1, { agentId: AGENT });
    store.save(record);
    const id = record.incident.id;

    let tx = 0;
    const RESPONSES = `camwatch/${AGENT}/responses/ack`;
    const send = async (payload: string): Promise<Record<string, unknown>> => {
      const before = replies.messages.length;
      await replies.client.publishAsync(commandTopic('camwatch', AGENT, 'ack'), payload, { qos: 1 });
      await waitFor(`reply ${tx}`, () => replies.messages.length > before);
      return replies.messages.at(-1)!.json;
    };
    const body = (fields: Record<string, unknown>) => ({ ...fields, transaction: ++tx, responseTopic: RESPONSES });
    const sign = (fields: Record<string, unknown>, secret = SECRET) => signedCommandPayload(secret, 'ack', body(fields));

    expect(await send(JSON.stringify(body({ id })))).toMatchObject({ status: 'error', error: { code: 'COMMAND_REJECTED', message: expect.stringMatching(/^command "ack" rejected: not signed/) }, transaction: tx });
    const tampered = sign({ id: 'other', ts: Date.now(), nonce: 'n-tamper' }).replace('"other"', JSON.stringify(id));
    expect(await send(tampered)).toMatchObject({ status: 'error', error: { code: 'COMMAND_REJECTED', message: expect.stringContaining('bad signature') } });
    expect(await send(sign({ id, ts: Date.now(), nonce: 'n-wrong' }, 'not-the-secret'))).toMatchObject({ status: 'error', error: { code: 'COMMAND_REJECTED', message: expect.stringContaining('bad signature') } });
    expect(await send(sign({ id, ts: Date.now() - 120_000, nonce: 'n-old' }))).toMatchObject({ status: 'error', error: { code: 'COMMAND_REJECTED', message: expect.stringContaining('from the box clock') } });
    // Deep and unsigned: refused on the signature before anything walks it. Over 3.1.1 its response topic
    // is inside the body, which is too deep to read: logged, not answered; the box keeps answering.
    const deep = `{"transaction":${'['.repeat(5_000)}${']'.repeat(5_000)},"responseTopic":"${RESPONSES}"}`;
    const rejections = () => raw.filter((l) => l.includes('COMMAND_REJECTED')).length;
    const rejectedBefore = rejections();
    await replies.client.publishAsync(commandTopic('camwatch', AGENT, 'ack'), deep, { qos: 1 });
    await waitFor('deep command refused', () => rejections() > rejectedBefore);
    expect(handled).toEqual([]);

    const good = sign({ id, ts: Date.now(), nonce: 'n-good' });
    expect(await send(good)).toEqual({ status: 'ok', data: { id, cancelled: 1 }, transaction: tx });
    expect(handled).toEqual([id]);
    // The same bytes again: a replay.
    expect(await send(good)).toMatchObject({ status: 'error', error: { code: 'COMMAND_REJECTED', message: expect.stringContaining('replayed') } });
    expect(handled).toEqual([id]);

    // Still running and answering after all that.
    expect(uplink.stats().connected).toBe(true);
    const log = raw.join('');
    expect(log).toContain('COMMAND_REJECTED');
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain(good.slice(8, 72));
  } finally {
    await replies.close();
    await uplink.stop();
    store.close();
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
