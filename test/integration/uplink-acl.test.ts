/**
 * The broker ACL of docs/mqtt.md, read from that file and loaded into a real mosquitto with a password
 * file, with a real agent process as edge-017: commands are answered in its response tree; a command that
 * asks to be answered in another box's tree is refused by the box; the box's credentials cannot write
 * outside its tree, and the IOC's cannot write a box's topics other than commands.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, expect, it, onTestFinished } from 'vitest';
import { assertNoAgentLeaks, startAgent } from '../helpers/agent-process.js';
import { DATA_DIR, PROJECT_ROOT } from '../helpers/data.js';
import { assertNoMosquittoLeaks, startMosquitto } from '../helpers/mosquitto.js';

afterEach(() => assertNoAgentLeaks());
afterAll(() => assertNoMosquittoLeaks());

/** The ```…``` block between `<!-- acl:begin -->` and `<!-- acl:end -->` in docs/mqtt.md, unindented. */
function documentedAcl(): string {
  const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'mqtt.md'), 'utf8');
  const m = /<!-- acl:begin -->\s*```\n([\s\S]*?)\n\s*```\s*<!-- acl:end -->/.exec(doc);
  if (!m) throw new Error('docs/mqtt.md has no <!-- acl:begin --> ``` … ``` <!-- acl:end --> block');
  return `${m[1]!.split('\n').map((l) => l.trim()).join('\n')}\n`;
}

async function client(url: string, username: string, password: string): Promise<MqttClient> {
  const c = mqtt.connect(url, { protocolVersion: 5, reconnectPeriod: 0, username, password });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  return c;
}

it('the documented ACL: answers arrive in the response tree; forged response topics and writes outside a tree are refused', async () => {
  const acl = documentedAcl();
  expect(acl).toContain('user edge-017');
  const broker = await startMosquitto({ users: { 'edge-017': 'box-pass-017', ioc: 'ioc-pass' }, acl });
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-acl-'));
  const ioc = await client(broker.url, 'ioc', 'ioc-pass');
  const seen: Array<{ topic: string; correlation: string; json: Record<string, unknown> }> = [];
  ioc.on('message', (topic, payload, packet) => {
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(payload.toString()) as Record<string, unknown>;
    } catch {
      // empty (a cleared retained message)
    }
    // Its own commands come back too (it reads camwatch/#): only answers and publications are kept.
    if (!topic.includes('/cmd/')) seen.push({ topic, correlation: packet.properties?.correlationData?.toString() ?? '', json });
  });
  try {
    await ioc.subscribeAsync('camwatch/#', { qos: 1 });
    writeFileSync(join(dir, 'mqtt.pass'), 'box-pass-017\n', { mode: 0o600 });
    const config = join(dir, 'camwatch.yaml');
    writeFileSync(
      config,
      `agent: { id: edge-017, dataDir: ${join(dir, 'var')} }\nmodels: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }\n` +
        `mqtt: { url: "${broker.url}", username: edge-017, passwordFile: mqtt.pass }\nhealth: { enabled: false }\ncameras: []\n`,
    );
    const agent = startAgent(['run', '--config', config]);
    onTestFinished(async () => {
      await agent.kill();
    });
    await agent.waitForLog((e) => e.msg === 'agent started', 30_000);
    await agent.waitForLog((e) => e.msg === 'connected to broker', 30_000);

    const ask = async (responseTopic: string, correlation: string) => {
      await ioc.publishAsync('camwatch/edge-017/cmd/status', '{"transaction":"t"}', { qos: 1, properties: { responseTopic, correlationData: Buffer.from(correlation) } });
    };
    const answer = async (correlation: string) => {
      for (let i = 0; i < 100; i++) {
        const hit = seen.find((m) => m.correlation === correlation);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no answer for ${correlation}; agent log:\n${agent.lines.slice(-5).join('\n')}`);
    };

    // Legitimate: answered in the response tree, through the ACL (retry: the SUBACK follows the CONNACK).
    let ok: Awaited<ReturnType<typeof answer>> | undefined;
    for (let attempt = 0; ok === undefined && attempt < 20; attempt++) {
      await ask('camwatch/edge-017/responses/ioc', `ok-${attempt}`);
      await new Promise((r) => setTimeout(r, 250));
      ok = seen.find((m) => m.correlation === `ok-${attempt}`);
    }
    expect(ok).toMatchObject({ topic: 'camwatch/edge-017/responses/ioc', json: { status: 'ok', data: { agentId: 'edge-017' }, transaction: 't' } });

    // Forged: answer asked as another box's incident. The box refuses (its answer goes to its refused topic).
    await ask('camwatch/edge-018/incidents/security/zone_intrusion', 'forged');
    const refused = await answer('forged');
    expect(refused).toMatchObject({ topic: 'camwatch/edge-017/responses/refused', json: { status: 'error', error: { code: 'COMMAND_RESPONSE_TOPIC' } } });

    // The box's credentials cannot write another box's tree, nor outside camwatch/ (broker refuses).
    const asBox = await client(broker.url, 'edge-017', 'box-pass-017');
    for (const topic of ['camwatch/edge-018/incidents/security/zone_intrusion', 'camwatch/edge-018/responses/x', 'ioc/replies']) {
      await expect(asBox.publishAsync(topic, '{"forged":true}', { qos: 1 }), topic).rejects.toMatchObject({ code: 135 });
    }
    // Its own tree, responses included: allowed.
    await asBox.publishAsync('camwatch/edge-017/responses/probe', '{}', { qos: 1 });
    await asBox.endAsync(true);
    // The IOC may publish commands, not a box's status.
    await expect(ioc.publishAsync('camwatch/edge-017/status', '{"state":"offline"}', { qos: 1 })).rejects.toMatchObject({ code: 135 });

    expect(seen.filter((m) => m.topic.startsWith('camwatch/edge-018/') || m.topic === 'ioc/replies')).toEqual([]);
    expect(seen.some((m) => m.topic === 'camwatch/edge-017/responses/probe')).toBe(true);
    expect(seen.filter((m) => m.topic === 'camwatch/edge-017/status').map((m) => m.json.state)).not.toContain('offline');
    expect(agent.lines.join('\n')).not.toContain('box-pass-017');
    expect(await agent.stop()).toBe(0);
  } finally {
    await ioc.endAsync(true);
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
