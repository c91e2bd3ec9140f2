/**
 * Issue 16, finding 4 and the broker half of finding 1: a real agent process with its embedded broker
 * (no mqtt.url), probed by real clients (MQTT.js, mosquitto_sub, a raw socket): anonymous and wrong
 * logins refused; the operator reads incidents and runs commands but cannot write the agent's tree;
 * no client-id takeover; a 100 MB packet cut at its header; the login file 0600 and stable over a restart.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../../agent/core/logger.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import { responseTopicRoot } from '../../agent/uplink/topics.js';
import { makeRecord } from '../fixtures/outbox-data.js';
import { assertNoAgentLeaks, startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { runCli } from '../helpers/cli-process.js';
import { DATA_DIR, PROJECT_ROOT } from '../helpers/data.js';
import { freePort } from '../helpers/mosquitto.js';

const AGENT = 'acl-box';
const AGENT_CLIENT_ID = `camwatch-${AGENT}`;
/** Where the agent answers: its response tree, where the operator may read. */
const REPLIES = `${responseTopicRoot('camwatch', AGENT)}operator-test`;
/** ~10 KB of JSON nested 5,000 levels deep: before issue 16 it overflowed the agent's stack, and the embedded broker died with it. */
const DEEP = `{"responseTopic":"${REPLIES}","transaction":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;

interface Login {
  username: string;
  password: string;
}

describe('the embedded broker checks who speaks (real agent process)', () => {
  let dir: string;
  let configPath: string;
  let credentialsPath: string;
  let port: number;
  let agent: AgentProcess;
  let healthUrl: string;
  const clients: MqttClient[] = [];

  async function start(): Promise<void> {
    agent = startAgent(['run', '--config', configPath]);
    const listening = await agent.waitForLog((e) => e.msg === 'health and metrics server listening', 60_000);
    healthUrl = String(listening.url);
    await agent.waitForLog((e) => e.msg === 'connected to broker', 60_000);
    await agent.waitForLog((e) => e.msg === 'agent started', 60_000);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-emb-acl-'));
    configPath = join(dir, 'camwatch.yaml');
    credentialsPath = join(dir, 'var', 'embedded-broker-credentials.json');
    port = await freePort();
    writeFileSync(
      configPath,
      `agent: { id: ${AGENT}, dataDir: ./var }
models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
mqtt: { embeddedPort: ${port} }
health: { port: 0 }
`,
    );
    mkdirSync(join(dir, 'var'));
    // Two incidents already in the store: sent at the first connection, then resent on the operator's command.
    const store = openStore({ path: join(dir, 'var', 'camwatch.db'), logger: createLogger({ level: 'silent' }) });
    for (const i of [0, 1]) store.save(makeRecord('acl', i, { agentId: AGENT }));
    store.close();
    await start();
  }, 90_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
  });
  afterAll(async () => {
    await agent?.stop();
    assertNoAgentLeaks();
    rmSync(dir, { recursive: true, force: true });
  });

  const operator = (): Login => JSON.parse(readFileSync(credentialsPath, 'utf8')) as Login;

  /** Connects over MQTT 3.1.1 (aedes speaks no 5); resolves the client, or rejects with the CONNACK refusal. */
  function connect(options: IClientOptions): Promise<MqttClient> {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000, ...options });
    clients.push(client);
    return new Promise((resolve, reject) => {
      client.once('connect', () => resolve(client));
      client.once('error', reject);
      client.once('close', () => reject(new Error('closed before CONNACK')));
    });
  }

  function messagesOf(client: MqttClient): Array<{ topic: string; text: string; retain: boolean }> {
    const seen: Array<{ topic: string; text: string; retain: boolean }> = [];
    client.on('message', (topic, payload, packet) => seen.push({ topic, text: payload.toString(), retain: packet.retain }));
    return seen;
  }

  async function until<T>(what: string, get: () => T | undefined, timeoutMs = 10_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const value = get();
      if (value !== undefined) return value;
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** A command over 3.1.1 (responseTopic and transaction in the body), answered on REPLIES. */
  async function ask(client: MqttClient, seen: Array<{ topic: string; text: string }>, name: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const transaction = `${name}-${Math.random().toString(16).slice(2)}`;
    await client.publishAsync(`camwatch/${AGENT}/cmd/${name}`, JSON.stringify({ ...body, responseTopic: REPLIES, transaction }), { qos: 1 });
    const reply = await until(`the answer to ${name}`, () => seen.find((m) => m.topic === REPLIES && m.text.includes(transaction)));
    return JSON.parse(reply.text) as Record<string, unknown>;
  }

  async function uplinkStatus(): Promise<{ connected: boolean; connections: number }> {
    const res = await fetch(`${healthUrl}/status`);
    return ((await res.json()) as { uplink: { connected: boolean; connections: number } }).uplink;
  }

  it('creates the operator login in a 0600 file; `camwatch broker credentials` prints it with a mosquitto_sub line that works', async () => {
    expect(statSync(credentialsPath).mode & 0o777).toBe(0o600);
    const login = operator();
    expect(login.username).toBe('operator');
    expect(login.password).toMatch(/^[A-Za-z0-9_-]{32}$/);

    const cli = await runCli(['broker', 'credentials', '--config', configPath]);
    expect(cli.code, cli.stderr).toBe(0);
    const line = /^ {2}(mosquitto_sub .+)$/m.exec(cli.stdout)?.[1];
    expect(line).toBe(`mosquitto_sub -h 127.0.0.1 -p ${port} -u operator -P '${login.password}' -t 'camwatch/#' -v`);
    // The printed line, run as printed (plus -C 1: exit after the retained status).
    const sub = spawn('sh', ['-c', `${line} -C 1 -W 10`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    sub.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => sub.once('exit', r));
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^camwatch/${AGENT}/status \\{"state":"online"`));
  });

  it('refuses an anonymous client (mosquitto_sub, MQTT.js) and a wrong password', async () => {
    const sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-t', 'camwatch/#', '-C', '1', '-W', '10'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    sub.stderr.on('data', (d: Buffer) => (err += d.toString()));
    sub.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => sub.once('exit', r));
    expect(out).toBe('');
    expect(code).not.toBe(0);
    expect(err).toMatch(/not authori[sz]ed/i);

    await expect(connect({ clientId: 'anon-js' })).rejects.toMatchObject({ code: 5 });
    await expect(connect({ clientId: 'wrong-pw', username: 'operator', password: 'not-the-password-at-all' })).rejects.toMatchObject({ code: 4 });
    await expect(connect({ clientId: 'wrong-user', username: 'camwatch-agent', password: operator().password })).rejects.toMatchObject({ code: 4 });
  });

  it('the operator receives incidents, and sends a command and gets its answer', async () => {
    const client = await connect({ clientId: 'op-read', ...operator() });
    const seen = messagesOf(client);
    await client.subscribeAsync(`camwatch/${AGENT}/#`, { qos: 1 });
    await client.subscribeAsync(REPLIES, { qos: 1 });
    await until('the retained online status', () => seen.find((m) => m.topic === `camwatch/${AGENT}/status` && m.text.includes('"online"')));

    const answer = await ask(client, seen, 'resend', { since: '2000-01-01T00:00:00Z' });
    expect(answer).toMatchObject({ status: 'ok', data: { queued: 2 } });
    const incidents = await until('the two resent incidents', () => {
      const found = seen.filter((m) => m.topic.startsWith(`camwatch/${AGENT}/incidents/`));
      return found.length >= 2 ? found : undefined;
    });
    expect(incidents.map((m) => (JSON.parse(m.text) as { id: string }).id).sort()).toEqual(['acl-000000', 'acl-000001']);
  });

  it('the operator cannot write the agent\'s tree: forged incident, status and retained command are refused and never delivered', async () => {
    const watcher = await connect({ clientId: 'op-watch', ...operator() });
    const seen = messagesOf(watcher);
    await watcher.subscribeAsync('camwatch/#', { qos: 1 });

    const forgeries: Array<[string, string, boolean]> = [
      [`camwatch/${AGENT}/incidents/security/zone_intrusion`, '{"id":"FORGED-INCIDENT","status":"new"}', false],
      [`camwatch/${AGENT}/status`, '{"state":"offline","reason":"FORGED-STATUS"}', true],
      [`camwatch/${AGENT}/stats`, '{"FORGED":"stats"}', false],
      [`camwatch/other-box/incidents/security/zone_intrusion`, '{"id":"FORGED-OTHER"}', false],
      [`camwatch/${AGENT}/cmd/resend`, '{"since":"2000-01-01T00:00:00Z","FORGED":"retained"}', true],
      ['elsewhere/topic', 'FORGED-ELSEWHERE', false],
    ];
    for (const [topic, payload, retain] of forgeries) {
      const forger = await connect({ clientId: `op-forge-${clients.length}`, ...operator() });
      const closed = new Promise<void>((r) => forger.once('close', () => r()));
      forger.publish(topic, payload, { qos: 1, retain }, () => undefined);
      // aedes closes a connection whose publish is not authorised (3.1.1 has no negative PUBACK).
      let timer: NodeJS.Timeout | undefined;
      const notRefused = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the publish on ${topic} was accepted`)), 5_000)));
      await Promise.race([closed, notRefused]).finally(() => clearTimeout(timer));
    }
    // A round trip through the agent after every forgery: had any been delivered, it would be in `seen` by now.
    await watcher.subscribeAsync(REPLIES, { qos: 1 });
    expect(await ask(watcher, seen, 'status', {})).toMatchObject({ status: 'ok' });
    expect(seen.filter((m) => m.text.includes('FORGED'))).toEqual([]);
    // The retained status a newcomer gets is still the agent's own.
    const late = await connect({ clientId: 'op-late', ...operator() });
    const lateSeen = messagesOf(late);
    await late.subscribeAsync(`camwatch/${AGENT}/status`, { qos: 1 });
    const status = await until('the retained status', () => lateSeen[0]);
    expect(JSON.parse(status.text)).toMatchObject({ state: 'online', agentId: AGENT });
    // Reading outside the prefix (the broker's $SYS, everything) is refused in the SUBACK.
    for (const filter of ['#', '$SYS/#', '+/acl-box/status']) {
      await expect(late.subscribeAsync(filter, { qos: 0 }), filter).rejects.toMatchObject({ packet: { granted: [128] } });
    }
    expect(late.connected).toBe(true);
  });

  it('a 10 KB command nested 5,000 levels deep is refused (COMMAND_INVALID in the log); the agent and its broker keep serving', async () => {
    const client = await connect({ clientId: 'op-deep', ...operator() });
    const seen = messagesOf(client);
    await client.subscribeAsync(REPLIES, { qos: 1 });
    await client.publishAsync(`camwatch/${AGENT}/cmd/ack`, DEEP, { qos: 1 });
    // Over MQTT 3.1.1 the answer's topic is in the body, which is never parsed: the refusal is logged.
    const refused = await agent.waitForLog((e) => e.code === 'COMMAND_INVALID' && e.command === 'ack', 10_000);
    expect(refused.msg).toBe('ack: the request body is nested deeper than 32 levels (mqtt.commands.maxDepth)');
    expect(await ask(client, seen, 'status', {})).toMatchObject({ status: 'ok' });
    expect(client.connected).toBe(true);
    expect(agent.child.exitCode).toBeNull();
    expect(await uplinkStatus()).toMatchObject({ connected: true, connections: 1 });
  });

  it('refuses a client-id takeover (the agent\'s id, an operator\'s id); the agent and the first operator stay connected', async () => {
    expect(await uplinkStatus()).toMatchObject({ connected: true, connections: 1 });
    await expect(connect({ clientId: AGENT_CLIENT_ID, ...operator() })).rejects.toMatchObject({ code: 2 });

    const first = await connect({ clientId: 'op-same', ...operator() });
    let firstClosed = false;
    first.once('close', () => (firstClosed = true));
    const seen = messagesOf(first);
    await first.subscribeAsync(['camwatch/#'], { qos: 1 });
    await expect(connect({ clientId: 'op-same', ...operator() })).rejects.toMatchObject({ code: 2 });

    // A command answered through the first connection: the agent and that operator are still there.
    expect(await ask(first, seen, 'status', {})).toMatchObject({ status: 'ok' });
    expect(firstClosed).toBe(false);
    expect(await uplinkStatus()).toMatchObject({ connected: true, connections: 1 });
  });

  it('cuts a 100 MB publish at its header, before and after login; the agent\'s memory does not grow', async () => {
    const rssBefore = rssKiB(agent.child.pid!);
    const total = 100 * 1024 * 1024;

    // Before login: a CONNECT announcing 100 MB (a will payload, say).
    const anonymous = await rawConnection(port);
    const anonymousSent = await streamUntilClosed(anonymous, fixedHeader(0x10, total), total);
    expect(anonymousSent).toBeLessThan(total / 4);

    // Logged in as the operator: a PUBLISH of 100 MB on a command topic.
    const socket = await rawConnection(port);
    socket.write(connectPacket('op-big', operator()));
    const connack = await new Promise<Buffer>((r) => socket.once('data', r));
    expect([...connack.subarray(0, 4)]).toEqual([0x20, 0x02, 0x00, 0x00]);
    const topic = Buffer.from(`camwatch/${AGENT}/cmd/status`);
    const sent = await streamUntilClosed(socket, Buffer.concat([fixedHeader(0x30, 2 + topic.length + total), u16(topic.length), topic]), total);
    expect(sent).toBeLessThan(total / 4);

    // Both sent what the kernel buffers could take (a few MB at most), and the agent kept none of it.
    expect(rssKiB(agent.child.pid!) - rssBefore).toBeLessThan(30 * 1024);
    const log = await agent.waitForLog((e) => e.msg === 'embedded broker: packet refused; connection closed', 5_000);
    expect(log).toMatchObject({ maxPacketBytes: 16 * 1024 });
    expect(await uplinkStatus()).toMatchObject({ connected: true, connections: 1 });
  });

  it('reuses the login file across a restart; refuses to start on a file other users can read, naming the fix', async () => {
    const before = readFileSync(credentialsPath, 'utf8');
    expect(await agent.stop()).toBe(0);
    await start();
    expect(readFileSync(credentialsPath, 'utf8')).toBe(before);
    const client = await connect({ clientId: 'op-after-restart', ...operator() });
    expect(client.connected).toBe(true);
    await client.endAsync(true);
    expect(await agent.stop()).toBe(0);

    chmodSync(credentialsPath, 0o644);
    const refused = startAgent(['run', '--config', configPath]);
    onTestFinished(() => refused.kill());
    const line = await refused.waitForLog((e) => typeof e.msg === 'string' && e.msg.includes('embedded broker credentials'), 60_000);
    expect(JSON.stringify(line)).toContain(`chmod 600 ${credentialsPath}`);
    expect(JSON.stringify(line)).not.toContain(operator().password);
    expect(await refused.stop()).toBe(1);
  }, 120_000);
});

function rssKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]);
}

function rawConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function str(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([u16(bytes.length), bytes]);
}

/** Type byte and remaining-length varint (MQTT 3.1.1 §2.2.3). */
function fixedHeader(type: number, remaining: number): Buffer {
  const bytes = [type];
  let n = remaining;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return Buffer.from(bytes);
}

/** CONNECT, MQTT 3.1.1, clean session, user name and password, keepalive 60 s. */
function connectPacket(clientId: string, login: Login): Buffer {
  const body = Buffer.concat([str('MQTT'), Buffer.from([0x04, 0xc2, 0x00, 0x3c]), str(clientId), str(login.username), str(login.password)]);
  return Buffer.concat([fixedHeader(0x10, body.length), body]);
}

/** Writes `head`, then zeros up to `total` bytes in 1 MiB chunks, honouring backpressure, until the peer closes; returns the bytes accepted. */
async function streamUntilClosed(socket: Socket, head: Buffer, total: number): Promise<number> {
  let closed = false;
  socket.on('error', () => undefined); // EPIPE / ECONNRESET once the broker cuts the connection
  const done = new Promise<void>((r) => socket.once('close', () => ((closed = true), r())));
  socket.write(head);
  const chunk = Buffer.alloc(1024 * 1024);
  let sent = 0;
  while (!closed && sent < total) {
    const ok = socket.write(chunk.subarray(0, Math.min(chunk.length, total - sent)));
    sent += Math.min(chunk.length, total - sent);
    if (!ok) await Promise.race([new Promise((r) => socket.once('drain', r)), done]);
  }
  if (!closed) {
    // Everything went out and the broker still holds the connection: the packet was accepted.
    socket.destroy();
    return total;
  }
  await done;
  return sent;
}
