/**
 * The IOC commands a running agent over MQTT 5 request/response (response topic + correlation data):
 * status, snapshot of a live camera, ack of a real incident, resend since a time, and errors for an unknown
 * command or a malformed request — answered, never a crash.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { assertNoAgentLeaks, startAgent } from '../helpers/agent-process.js';
import { DATA_DIR, PROJECT_ROOT, videoPath } from '../helpers/data.js';
import { assertNoMosquittoLeaks, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';

interface Reply {
  status: 'ok' | 'error';
  data?: Record<string, unknown>;
  error?: { code: string; message: string };
}

describe('commands from the IOC to a running agent', () => {
  let dir: string;
  let broker: Mosquitto;
  let ioc: MqttClient;
  const replies = new Map<string, Reply>();
  const incidents: Array<{ id: string; status: string }> = [];
  const telemetry: Array<{ topic: string; body: Record<string, unknown> }> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-cmd-'));
    broker = await startMosquitto();
    ioc = mqtt.connect(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    await new Promise<void>((resolve, reject) => {
      ioc.once('connect', () => resolve());
      ioc.once('error', reject);
    });
    ioc.on('message', (topic, payload, packet) => {
      if (topic === 'camwatch/cmd-box/responses/ioc') replies.set(packet.properties?.correlationData?.toString() ?? '', JSON.parse(payload.toString()) as Reply);
      else if (topic.includes('/incidents/')) incidents.push(JSON.parse(payload.toString()) as { id: string; status: string });
      else telemetry.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> });
    });
    await ioc.subscribeAsync(['camwatch/cmd-box/responses/ioc', 'camwatch/cmd-box/incidents/#', 'camwatch/cmd-box/stats', 'camwatch/cmd-box/cameras/+/counts'], { qos: 1 });
  });
  afterEach(() => assertNoAgentLeaks());
  afterAll(async () => {
    await ioc?.endAsync(true);
    await broker?.dispose();
    await assertNoMosquittoLeaks();
    rmSync(dir, { recursive: true, force: true });
  });

  async function ask(name: string, body: unknown, correlation: string): Promise<Reply> {
    await ioc.publishAsync(`camwatch/cmd-box/cmd/${name}`, typeof body === 'string' ? body : JSON.stringify(body), {
      qos: 1,
      properties: { responseTopic: 'camwatch/cmd-box/responses/ioc', correlationData: Buffer.from(correlation) },
    });
    for (let i = 0; i < 100 && !replies.has(correlation); i++) await new Promise((r) => setTimeout(r, 100));
    const reply = replies.get(correlation);
    if (!reply) throw new Error(`no reply to ${name} (${correlation}) within 10 s`);
    return reply;
  }

  it('answers status, snapshot, ack, resend and errors', async () => {
    const path = join(dir, 'camwatch.yaml');
    writeFileSync(
      path,
      `
agent: { id: cmd-box, dataDir: ${join(dir, 'var')} }
models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
mqtt: { url: "${broker.url}" }
health: { port: 0, statsIntervalSeconds: 1 }
cameras:
  - id: saigon-01
    source: { file: ${videoPath('vn_saigon_intersection.mp4')} }
    analysis: { fps: 5, width: 480 }
    lines: [{ id: l, from: [0.55, 0.72], to: [1.0, 0.72] }]
    rules: [{ id: count, type: line_crossing, line: l, incident: true }]
`,
    );
    const agent = startAgent(['run', '--config', path]);
    onTestFinished(async () => { await agent.kill(); });
    await agent.waitForLog((e) => e.msg === 'agent started', 30_000);
    for (let i = 0; i < 300 && incidents.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(incidents.length).toBeGreaterThan(0);

    const status = await ask('status', {}, 'c-status');
    expect(status.status).toBe('ok');
    expect(status.data).toMatchObject({ agentId: 'cmd-box', cameras: [expect.objectContaining({ id: 'saigon-01' })] });

    const shot = await ask('snapshot', { camera: 'saigon-01' }, 'c-snap');
    expect(shot.status, shot.error?.message).toBe('ok');
    expect(shot.data).toMatchObject({ cameraId: 'saigon-01', width: 480, contentType: 'image/jpeg' });
    expect(Buffer.from(String(shot.data!.data), 'base64').subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));

    const ack = await ask('ack', { id: incidents[0]!.id }, 'c-ack');
    expect(ack).toMatchObject({ status: 'ok', data: { id: incidents[0]!.id } });

    const resend = await ask('resend', { since: new Date(Date.now() - 3_600_000).toISOString() }, 'c-resend');
    expect(resend.status).toBe('ok');
    expect(Number(resend.data!.queued)).toBeGreaterThan(0);

    expect(await ask('reboot', {}, 'c-unknown')).toMatchObject({ status: 'error', error: { code: 'COMMAND_UNKNOWN', message: expect.stringContaining('unknown command "reboot"') } });
    expect(await ask('ack', '{not json', 'c-bad')).toMatchObject({ status: 'error', error: { code: 'COMMAND_INVALID', message: 'ack: the request body is not valid JSON' } });
    expect(await ask('snapshot', { camera: 'nope' }, 'c-nocam')).toMatchObject({ status: 'error', error: { code: 'COMMAND_FAILED', message: expect.stringContaining('saigon-01') } });
    expect(await ask('resend', { since: 'yesterday' }, 'c-badtime')).toMatchObject({ status: 'error', error: { code: 'COMMAND_FAILED', message: expect.stringContaining('ISO 8601') } });

    // Periodic telemetry: stats of the box and cumulative per-class line counts.
    const stats = telemetry.filter((t) => t.topic === 'camwatch/cmd-box/stats');
    expect(stats.length).toBeGreaterThan(0);
    expect(stats.at(-1)!.body).toMatchObject({ agentId: 'cmd-box', cameras: [expect.objectContaining({ id: 'saigon-01' })] });
    // Counts are published every second: the first crossing (the incident above) shows in the next one, which
    // may come after the commands were answered — waited for, not read from whatever came last.
    type Counts = { lines: Array<{ ruleId: string; counts: Record<string, { in: number; out: number }> }> };
    const crossingsIn = (c: Counts): number => Object.values(c.lines[0]?.counts ?? {}).reduce((n, x) => n + x.in + x.out, 0);
    const countsMessages = () => telemetry.filter((t) => t.topic === 'camwatch/cmd-box/cameras/saigon-01/counts').map((t) => t.body as Counts);
    await expect.poll(() => Math.max(0, ...countsMessages().map(crossingsIn)), { timeout: 15_000, interval: 100 }).toBeGreaterThan(0);
    expect(countsMessages().at(-1)!.lines[0]!.ruleId).toBe('count');

    // Still alive and answering after the bad requests.
    expect((await ask('status', {}, 'c-status-2')).status).toBe('ok');
    expect(await agent.stop()).toBe(0);
  }, 120_000);
});
