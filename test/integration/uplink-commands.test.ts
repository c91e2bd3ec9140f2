import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import { afterAll, expect, it } from 'vitest';
import { createLogger } from '../../agent/core/logger.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import { createMqttUplink } from '../../agent/uplink/mqtt-uplink.js';
import { commandTopic } from '../../agent/uplink/topics.js';
import { assertNoMosquittoLeaks, startMosquitto } from '../helpers/mosquitto.js';
import { makeEvent, makeRecord, mqttConfig, subscribe, waitFor } from '../fixtures/outbox-data.js';
import { schemaErrors, validateCommandResponse } from '../fixtures/outbox-schemas.js';

const logger = createLogger({ level: 'silent' });
const AGENT = 'edge-cmd';

afterAll(() => assertNoMosquittoLeaks());

it('commands: ack over MQTT 5 (response topic + correlation data) and 3.1.1 (responseTopic field), answered in the response tree; unknown → error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-cmd-'));
  const store = openStore({ path: join(dir, 'camwatch.db'), logger });
  const broker = await startMosquitto();
  // No poll during the test: the queued rows stay unsent until the ack decides their fate.
  const uplink = createMqttUplink({ config: mqttConfig(broker.url), agentId: AGENT, store, logger, outboxPollMs: 60_000 });
  // What the lead wires in the agent: the store cancels queued updates, the lifecycle stops making them.
  uplink.onCommand('ack', (req) => {
    if (typeof req.id !== 'string') throw new Error('ack needs an incident "id"');
    const cancelled = store.acknowledge(req.id);
    if (cancelled === undefined) throw new Error(`no incident ${req.id}`);
    return { id: req.id, cancelled };
  });
  const v5 = connect(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
  const v5Connected = new Promise<void>((r) => v5.once('connect', () => r()));
  try {
    await v5Connected;
    await uplink.start();
    await waitFor('connected', () => uplink.stats().connected);
    await waitFor('commands subscribed', () => uplink.stats().commandsSubscribed);
    const created = makeRecord('cmd', 1, { agentId: AGENT });
    // Queued, not sent: no notify() yet.
    store.save(created);
    store.save(makeEvent(created, 'update', 2));

    const replies = await subscribe(broker.url, `camwatch/${AGENT}/responses/#`);
    const v5Replies: Array<{ json: Record<string, unknown>; correlation?: string }> = [];
    v5.on('message', (_t, payload, packet) => {
      v5Replies.push({ json: JSON.parse(payload.toString()) as Record<string, unknown>, correlation: packet.properties?.correlationData?.toString() });
    });
    await v5.subscribeAsync(`camwatch/${AGENT}/responses/v5/#`, { qos: 1 });
    await v5.publishAsync(commandTopic('camwatch', AGENT, 'ack'), JSON.stringify({ id: created.incident.id }), {
      qos: 1,
      properties: { responseTopic: `camwatch/${AGENT}/responses/v5/acks`, correlationData: Buffer.from('corr-1') },
    });
    await waitFor('v5 reply', () => v5Replies.length === 1);
    expect(v5Replies[0]).toEqual({ json: { status: 'ok', data: { id: created.incident.id, cancelled: 2 } }, correlation: 'corr-1' });
    expect(schemaErrors(validateCommandResponse, v5Replies[0]!.json)).toBe('');
    // The IOC has it: its queued events are cancelled; its end is still sent, so the IOC can close it.
    expect(store.pending(10)).toEqual([]);
    store.save(makeEvent(created, 'end', 3));
    expect(store.pending(10).map((p) => p.status)).toEqual(['end']);
    uplink.notify();
    await waitFor('end published', () => store.pendingCount() === 0);

    // 3.1.1: the response topic and transaction ride in the body.
    await replies.client.publishAsync(commandTopic('camwatch', AGENT, 'ack'), JSON.stringify({ id: 'nope', responseTopic: `camwatch/${AGENT}/responses/a`, transaction: 7 }), { qos: 1 });
    await replies.client.publishAsync(commandTopic('camwatch', AGENT, 'reboot'), JSON.stringify({ responseTopic: `camwatch/${AGENT}/responses/b`, transaction: 8 }), { qos: 1 });
    await waitFor('3.1.1 replies', () => replies.messages.filter((m) => !m.topic.includes('/v5/')).length === 2);
    const byTopic = Object.fromEntries(replies.messages.filter((m) => !m.topic.includes('/v5/')).map((m) => [m.topic, m.json]));
    expect(byTopic[`camwatch/${AGENT}/responses/a`]).toEqual({ status: 'error', error: { code: 'COMMAND_FAILED', message: 'no incident nope' }, transaction: 7 });
    expect(byTopic[`camwatch/${AGENT}/responses/b`]).toEqual({ status: 'error', error: { code: 'COMMAND_UNKNOWN', message: 'unknown command "reboot" (known: ack)' }, transaction: 8 });
    for (const m of replies.messages) expect(schemaErrors(validateCommandResponse, m.json)).toBe('');

    // Malformed: answered (MQTT 5 carries the response topic outside the body), never run, never a crash.
    await v5.publishAsync(commandTopic('camwatch', AGENT, 'ack'), '{"id": ', { qos: 1, properties: { responseTopic: `camwatch/${AGENT}/responses/v5/bad`, correlationData: Buffer.from('corr-2') } });
    await v5.publishAsync(commandTopic('camwatch', AGENT, 'ack'), '[1,2]', { qos: 1, properties: { responseTopic: `camwatch/${AGENT}/responses/v5/bad`, correlationData: Buffer.from('corr-3') } });
    await waitFor('malformed replies', () => v5Replies.length === 3);
    expect(v5Replies.slice(1)).toEqual([
      { json: { status: 'error', error: { code: 'COMMAND_INVALID', message: 'ack: the request body is not valid JSON' } }, correlation: 'corr-2' },
      { json: { status: 'error', error: { code: 'COMMAND_INVALID', message: 'ack: the request body must be a JSON object' } }, correlation: 'corr-3' },
    ]);
    for (const r of v5Replies) expect(schemaErrors(validateCommandResponse, r.json)).toBe('');

    // A response topic outside the response tree (its own incidents, another box's tree, a wildcard) would
    // let a requester forge incidents: not run, and the refusal goes to the response tree's `refused` topic.
    const forged = await subscribe(broker.url, 'camwatch/#');
    const before = forged.messages.length;
    const refusedBefore = replies.messages.length;
    await replies.client.publishAsync(commandTopic('camwatch', AGENT, 'ack'), JSON.stringify({ id: created.incident.id, responseTopic: `camwatch/${AGENT}/incidents/security/zone_intrusion`, transaction: 21 }), { qos: 1 });
    await replies.client.publishAsync(commandTopic('camwatch', AGENT, 'ack'), JSON.stringify({ id: created.incident.id, responseTopic: 'camwatch/edge-other/incidents/security/zone_intrusion', transaction: 22 }), { qos: 1 });
    await replies.client.publishAsync(commandTopic('camwatch', AGENT, 'status'), JSON.stringify({ responseTopic: `camwatch/${AGENT}/responses/#`, transaction: 23 }), { qos: 1 });
    await waitFor('three refusals', () => replies.messages.length === refusedBefore + 3);
    const refusals = replies.messages.slice(refusedBefore);
    expect(refusals.map((m) => m.topic)).toEqual(Array(3).fill(`camwatch/${AGENT}/responses/refused`));
    expect(refusals.map((m) => m.json.transaction)).toEqual([21, 22, 23]);
    for (const m of refusals) {
      expect(m.json).toMatchObject({ status: 'error', error: { code: 'COMMAND_RESPONSE_TOPIC', message: expect.stringContaining(`it must be camwatch/${AGENT}/responses/<name>`) } });
      expect(schemaErrors(validateCommandResponse, m.json)).toBe('');
    }
    await forged.sync();
    const published = forged.messages.slice(before).filter((m) => !m.retain && !m.topic.includes('/cmd/') && !m.topic.includes('/responses/'));
    expect(published).toEqual([]);
    expect(store.pendingCount()).toBe(0); // the ack did not run again (nothing new cancelled or queued)
    expect(uplink.stats().connected).toBe(true);
    await forged.close();
    await replies.close();
  } finally {
    await v5.endAsync(true);
    await uplink.stop();
    await broker.dispose();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
