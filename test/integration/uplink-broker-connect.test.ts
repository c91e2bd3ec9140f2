import { createRequire } from 'node:module';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { createLogger, isCamwatchError } from '../../agent/core/index.js';
import { connectWithFallback, startEmbeddedBroker, type EmbeddedBroker } from '../../agent/uplink/index.js';
import { assertNoMosquittoLeaks, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { waitFor } from '../fixtures/outbox-data.js';

/** The one connect-with-fallback the uplink's session and the CLI tools share, against real brokers. */

const logger = createLogger({ level: 'silent' });
const PASSWORD = 'right-secret-123';
let mosquitto: Mosquitto | undefined;
let embedded: EmbeddedBroker | undefined;
let silent: Server | undefined;
const silentSockets: Socket[] = [];
const clients: MqttClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync(true);
  await mosquitto?.dispose();
  mosquitto = undefined;
  await embedded?.close();
  embedded = undefined;
  for (const s of silentSockets.splice(0)) s.destroy();
  await new Promise<void>((r) => (silent === undefined ? r() : silent.close(() => r())));
  silent = undefined;
});
afterAll(() => assertNoMosquittoLeaks());

/** Records which protocol versions were tried and whether the fallback was announced. */
function recorder() {
  const tried: Array<4 | 5> = [];
  let fallbacks = 0;
  return {
    tried,
    fallbacks: () => fallbacks,
    hooks: { prepare: (_c: MqttClient, v: 4 | 5) => void tried.push(v), onFallback: () => void (fallbacks += 1) },
  };
}

it('mosquitto accepts MQTT 5 at the first attempt: no fallback', async () => {
  mosquitto = await startMosquitto();
  const rec = recorder();
  const conn = await connectWithFallback({ url: mosquitto.url, clientOptions: () => ({ clientId: 'cw-connect-5', connectTimeout: 5_000 }), ...rec.hooks });
  clients.push(conn.client);
  expect(conn.protocolVersion).toBe(5);
  expect(rec.tried).toEqual([5]);
  expect(rec.fallbacks()).toBe(0);
  expect(conn.client.connected).toBe(true);
});

it('a broker that refuses MQTT 5 (the embedded aedes) is connected over 3.1.1, and the fallback announced', async () => {
  const operator = { username: 'operator', password: 'test-operator-password-0123' };
  embedded = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, logger, operator, policy: { topicPrefix: 'camwatch', agentId: 'edge-c', agentClientId: 'camwatch-edge-c' } });
  const rec = recorder();
  const conn = await connectWithFallback({ url: embedded.url, clientOptions: () => ({ clientId: 'cw-connect-4', connectTimeout: 5_000, ...operator }), ...rec.hooks });
  clients.push(conn.client);
  expect(conn.protocolVersion).toBe(4);
  expect(rec.tried).toEqual([5, 4]);
  expect(rec.fallbacks()).toBe(1);
});

it('firstVersion 4 goes straight to 3.1.1', async () => {
  mosquitto = await startMosquitto();
  const rec = recorder();
  const conn = await connectWithFallback({ url: mosquitto.url, firstVersion: 4, clientOptions: () => ({ clientId: 'cw-connect-first4', connectTimeout: 5_000 }), ...rec.hooks });
  clients.push(conn.client);
  expect(conn.protocolVersion).toBe(4);
  expect(rec.tried).toEqual([4]);
});

it('a wrong password is MQTT_AUTH at once, without a 3.1.1 retry, and the password is in no message', async () => {
  mosquitto = await startMosquitto({ users: { camwatch: PASSWORD } });
  const rec = recorder();
  const url = mosquitto.url.replace('mqtt://', `mqtt://camwatch:${PASSWORD}x@`);
  const err: unknown = await connectWithFallback({ url, clientOptions: () => ({ clientId: 'cw-connect-auth', connectTimeout: 5_000, username: 'camwatch', password: `${PASSWORD}x` }), ...rec.hooks }).catch((e: unknown) => e);
  expect(isCamwatchError(err) && err.code).toBe('MQTT_AUTH');
  expect((err as Error).message).not.toContain(PASSWORD);
  expect(rec.tried).toEqual([5]);
});

it('aborting ends an attempt the listener never answers: rejected, and its socket closed', async () => {
  const closed: boolean[] = [];
  silent = createServer((s) => {
    const i = silentSockets.push(s) - 1;
    closed[i] = false;
    s.resume(); // read and drop the CONNECT: never answered
    s.on('close', () => (closed[i] = true));
  });
  await new Promise<void>((r) => silent!.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  const abort = new AbortController();
  const rec = recorder();
  const pending = connectWithFallback({ url: `mqtt://127.0.0.1:${port}`, clientOptions: () => ({ clientId: 'cw-connect-abort', connectTimeout: 30_000 }), signal: abort.signal, ...rec.hooks }).catch((e: unknown) => e);
  await waitFor('the attempt reached the listener', () => silentSockets.length === 1);
  abort.abort();
  const err = await pending;
  expect(isCamwatchError(err) && err.code).toBe('MQTT_UNREACHABLE');
  expect(rec.tried).toEqual([5]); // an abort is not a reason to try 3.1.1
  await waitFor('the client closed its socket', () => closed[0] === true);
});

it('writes packets without mqtt-packet\'s table of 65,536 packet-id Buffers (6.3 MB of heap), on the client and the embedded broker', async () => {
  const operator = { username: 'operator', password: 'test-operator-password-0123' };
  embedded = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, logger, operator, policy: { topicPrefix: 'camwatch', agentId: 'edge-w', agentClientId: 'camwatch-edge-w' } });
  const conn = await connectWithFallback({ url: embedded.url, clientOptions: () => ({ clientId: 'cw-connect-w', connectTimeout: 5_000, ...operator }) });
  clients.push(conn.client);
  const got = new Promise<Buffer>((r) => conn.client.once('message', (_t, payload) => r(payload)));
  await conn.client.subscribeAsync('camwatch/edge-w/cmd/#', { qos: 1 });
  // QoS 1 both ways: the client writes a packet id, the broker writes one back (PUBACK, then the delivery).
  await conn.client.publishAsync('camwatch/edge-w/cmd/ping', 'hello', { qos: 1 });
  expect((await got).toString()).toBe('hello');
  // The same module instance mqtt and aedes write with (one mqtt-packet in node_modules).
  const numbers = createRequire(createRequire(import.meta.url).resolve('mqtt'))('mqtt-packet/numbers.js') as { cache: Record<number, Buffer> };
  expect(Object.keys(numbers.cache)).toHaveLength(0);
});
