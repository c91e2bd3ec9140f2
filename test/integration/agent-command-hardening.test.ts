/**
 * Hostile IOC commands against a real agent process on a real mosquitto (issue 16): a small command
 * nested thousands of levels deep, unsigned and with signing on; a 64 MB publish on a command topic; and
 * retained commands, which used to run again at every connect.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { signCommandJson, signedCommandPayload } from '../../agent/uplink/command-auth.js';
import { assertNoAgentLeaks, startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { DATA_DIR, PROJECT_ROOT } from '../helpers/data.js';
import { assertNoMosquittoLeaks, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';

const SECRET = 'hardening-S3cret';
const RESPONSES = (box: string) => `camwatch/${box}/responses/ioc`;
/** ~10 KB: `{"transaction":[[[[…]]]]}` 5,000 levels deep. */
const DEEP = `{"transaction":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;

interface Reply {
  topic: string;
  correlation: string;
  json: { status: string; data?: Record<string, unknown>; error?: { code: string; message: string }; transaction?: unknown };
}

describe('hostile commands to a running agent', () => {
  let dir: string;
  let broker: Mosquitto;
  let ioc: MqttClient;
  const replies: Reply[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-harden-'));
    writeFileSync(join(dir, 'command.secret'), `${SECRET}\n`);
    broker = await startMosquitto();
    ioc = mqtt.connect(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    await new Promise<void>((resolve, reject) => {
      ioc.once('connect', () => resolve());
      ioc.once('error', reject);
    });
    ioc.on('message', (topic, payload, packet) => {
      let json: Reply['json'] = { status: '?' };
      try {
        json = JSON.parse(payload.toString()) as Reply['json'];
      } catch {
        // a cleared retained message (empty) or telemetry: not a reply
      }
      replies.push({ topic, correlation: packet.properties?.correlationData?.toString() ?? '', json });
    });
    await ioc.subscribeAsync('camwatch/+/responses/#', { qos: 1 });
  });
  afterEach(() => assertNoAgentLeaks());
  afterAll(async () => {
    await ioc?.endAsync(true);
    await broker?.dispose();
    await assertNoMosquittoLeaks();
    rmSync(dir, { recursive: true, force: true });
  });

  function startBox(box: string, extraMqtt = ''): AgentProcess {
    const path = join(dir, `${box}.yaml`);
    writeFileSync(
      path,
      `agent: { id: ${box}, dataDir: ${join(dir, box)} }\nmodels: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }\nmqtt:\n  url: "${broker.url}"\n${extraMqtt}health: { enabled: false }\ncameras: []\n`,
    );
    const agent = startAgent(['run', '--config', path]);
    onTestFinished(async () => {
      await agent.kill();
    });
    return agent;
  }

  /** Started, connected and subscribed: a status round trip answered (retried: the SUBACK follows the CONNACK). */
  async function connected(agent: AgentProcess): Promise<void> {
    // Started (model loaded: it moves the memory baseline) and connected.
    await agent.waitForLog((e) => e.msg === 'agent started', 30_000);
    await agent.waitForLog((e) => e.msg === 'connected to broker', 30_000);
    for (let attempt = 0; ; attempt++) {
      const correlation = `ready-${agentBox(agent)}-${Date.now()}-${attempt}`;
      await ioc.publishAsync(`camwatch/${agentBox(agent)}/cmd/status`, '{}', { qos: 1, properties: { responseTopic: RESPONSES(agentBox(agent)), correlationData: Buffer.from(correlation) } });
      await new Promise((r) => setTimeout(r, 200));
      if (replies.some((r) => r.correlation === correlation)) return;
      if (attempt > 50) throw new Error(`${agentBox(agent)} never answered status`);
    }
  }

  const boxes = new WeakMap<AgentProcess, string>();
  const agentBox = (agent: AgentProcess) => boxes.get(agent)!;

  async function ask(agent: AgentProcess, name: string, payload: string, responseTopic: string, correlation: string): Promise<Reply> {
    await ioc.publishAsync(`camwatch/${agentBox(agent)}/cmd/${name}`, payload, { qos: 1, properties: { responseTopic, correlationData: Buffer.from(correlation) } });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const reply = replies.find((r) => r.correlation === correlation);
      if (reply) return reply;
      if (agent.child.exitCode !== null || agent.child.signalCode !== null) {
        throw new Error(`agent exited (${agent.child.exitCode ?? agent.child.signalCode}) after ${name}; last lines:\n${agent.lines.slice(-8).join('\n')}`);
      }
      if (Date.now() > deadline) throw new Error(`no reply to ${name} (${correlation}) within 10 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  function box(id: string, extraMqtt = ''): AgentProcess {
    const agent = startBox(id, extraMqtt);
    boxes.set(agent, id);
    return agent;
  }

  it('a 10 KB command nested 5,000 levels deep is answered COMMAND_INVALID, never fatal (unsigned)', async () => {
    const agent = box('deep-box');
    await connected(agent);
    // Answer requested outside the response tree: before, echoing the transaction there overflowed the stack.
    const outside = await ask(agent, 'ack', DEEP, 'ioc/replies', 'deep-1');
    expect(outside.topic).toBe('camwatch/deep-box/responses/refused');
    expect(outside.json).toMatchObject({ status: 'error', error: { code: 'COMMAND_RESPONSE_TOPIC', message: expect.stringContaining('nested deeper than 32 levels') } });
    const inside = await ask(agent, 'ack', DEEP, RESPONSES('deep-box'), 'deep-2');
    expect(inside.json).toEqual({ status: 'error', error: { code: 'COMMAND_INVALID', message: 'ack: the request body is nested deeper than 32 levels (mqtt.commands.maxDepth)' } });
    const big = await ask(agent, 'status', `{"pad":"${'x'.repeat(70_000)}"}`, RESPONSES('deep-box'), 'deep-3');
    expect(big.json.error).toEqual({ code: 'COMMAND_INVALID', message: 'status: the request body is 70010 bytes, over the 65536 byte limit (mqtt.commands.maxBytes)' });
    expect((await ask(agent, 'status', '{}', RESPONSES('deep-box'), 'deep-4')).json).toMatchObject({ status: 'ok', data: { agentId: 'deep-box' } });
    expect(await agent.stop()).toBe(0);
  }, 60_000);

  it('with signing on, a deep command is refused on its raw bytes (COMMAND_REJECTED) and a signed one still runs', async () => {
    const agent = box('signed-box', `  commandSecretFile: ${join(dir, 'command.secret')}\n`);
    await connected(agent); // unsigned status: answered COMMAND_REJECTED, which is enough to know it listens
    const sign = (nonce: string) => signedCommandPayload(SECRET, 'status', { ts: Date.now(), nonce });
    expect((await ask(agent, 'status', sign('n-0'), RESPONSES('signed-box'), 'sig-0')).json.status).toBe('ok');
    const deep = await ask(agent, 'ack', DEEP, RESPONSES('signed-box'), 'sig-1');
    expect(deep.json.error).toMatchObject({ code: 'COMMAND_REJECTED', message: expect.stringContaining('not signed') });
    // Signed with a forged sig in the right place: the HMAC runs over the raw bytes, nothing walks them.
    const forged = `{"sig":"${'ab'.repeat(32)}",${DEEP.slice(1)}`;
    expect((await ask(agent, 'ack', forged, RESPONSES('signed-box'), 'sig-2')).json.error).toMatchObject({ code: 'COMMAND_REJECTED', message: expect.stringContaining('bad signature') });
    // Signed by the holder of the secret but too deep: refused by the depth scan after the signature.
    const json = `{"ts":${Date.now()},"nonce":"n-deep","transaction":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;
    const payload = `{"sig":"${signCommandJson(SECRET, 'ack', json)}",${json.slice(1)}`;
    expect((await ask(agent, 'ack', payload, RESPONSES('signed-box'), 'sig-3')).json.error).toMatchObject({ code: 'COMMAND_INVALID', message: expect.stringContaining('nested deeper') });
    expect((await ask(agent, 'status', sign('n-1'), RESPONSES('signed-box'), 'sig-4')).json.status).toBe('ok');
    const log = agent.lines.join('\n');
    expect(log).not.toContain(SECRET);
    expect(await agent.stop()).toBe(0);
  }, 60_000);

  it('a 64 MB publish on a command topic neither stops the agent nor grows its memory', async () => {
    const agent = box('big-box');
    await connected(agent);
    const peakBefore = peakRssKb(agent.child.pid!);
    const file = join(dir, 'big.json');
    writeFileSync(file, `{"pad":"${'x'.repeat(64 * 1024 * 1024)}"}`);
    // From another process, as an attacker would; QoS 1: mosquitto has it once mosquitto_pub exits.
    const pub = spawnSync('mosquitto_pub', ['-h', broker.host, '-p', String(broker.port), '-q', '1', '-V', 'mqttv5', '-t', 'camwatch/big-box/cmd/status', '-f', file], { encoding: 'utf8' });
    rmSync(file);
    expect(pub.status, pub.stderr).toBe(0);
    // Delivered in order after it (if at all): once this is answered, the big one was dealt with.
    expect((await ask(agent, 'status', '{}', RESPONSES('big-box'), 'big-1')).json.status).toBe('ok');
    const grownKb = peakRssKb(agent.child.pid!) - peakBefore;
    expect(grownKb, `peak RSS grew by ${grownKb} kB`).toBeLessThan(16 * 1024);
    expect(await agent.stop()).toBe(0);
  }, 60_000);

  it('retained commands are not run at start or restart, and are cleared (a retained resend and a retained crash payload)', async () => {
    const retained = async (name: string, payload: string) => ioc.publishAsync(`camwatch/ret-box/cmd/${name}`, payload, { qos: 1, retain: true, properties: { responseTopic: RESPONSES('ret-box'), correlationData: Buffer.from(`ret-${name}`) } });
    await retained('resend', JSON.stringify({ since: '1970-01-01T00:00:00Z' }));
    await retained('ack', DEEP);
    for (let run = 1; run <= 2; run++) {
      const agent = box('ret-box');
      await connected(agent);
      if (run === 1) {
        await agent.waitForLog((e) => typeof e.msg === 'string' && e.msg.startsWith('retained command "resend" ignored'), 10_000);
        await agent.waitForLog((e) => typeof e.msg === 'string' && e.msg.startsWith('retained command "ack" ignored'), 10_000);
      }
      expect(agent.lines.filter((l) => l.includes('"command handled"') && !l.includes('"command":"status"'))).toEqual([]);
      expect(replies.filter((r) => r.correlation.startsWith('ret-'))).toEqual([]);
      expect(await agent.stop()).toBe(0);
    }
    // Cleared: a new subscriber gets no retained message on the command topics.
    const probe = mqtt.connect(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    const got: string[] = [];
    probe.on('message', (topic) => got.push(topic));
    await new Promise<void>((r) => probe.once('connect', () => r()));
    await probe.subscribeAsync('camwatch/ret-box/cmd/#', { qos: 1 });
    await probe.publishAsync('camwatch-test/sync', 'x', { qos: 1 });
    await probe.endAsync(true);
    expect(got).toEqual([]);
  }, 90_000);
});

/** Peak resident set (VmHWM) of a process, kB. */
function peakRssKb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(m[1]);
}
