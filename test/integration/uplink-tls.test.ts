import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { parseConfigText } from '../../agent/config/load.js';
import { isCamwatchError } from '../../agent/core/errors.js';
import { createLogger } from '../../agent/core/logger.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import type { IncidentStore } from '../../agent/store/types.js';
import { createMqttUplink, type MqttUplink } from '../../agent/uplink/mqtt-uplink.js';
import { incidentFilter } from '../../agent/uplink/topics.js';
import { makeTestPki } from '../helpers/certs.js';
import { assertNoMosquittoLeaks, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { makeRecord, subscribe, waitFor, type Subscriber } from '../fixtures/outbox-data.js';

const pki = makeTestPki();
const dir = mkdtempSync(join(tmpdir(), 'camwatch-tls-'));
let broker: Mosquitto | undefined;
let sub: Subscriber | undefined;
let uplink: MqttUplink | undefined;
let store: IncidentStore | undefined;
let n = 0;

afterEach(async () => {
  await uplink?.stop();
  uplink = undefined;
  store?.close();
  store = undefined;
  await sub?.close();
  sub = undefined;
  await broker?.dispose();
  broker = undefined;
});
afterAll(async () => {
  pki.dispose();
  rmSync(dir, { recursive: true, force: true });
  await assertNoMosquittoLeaks();
});

/** Log lines as objects, and the raw text (to check nothing secret was written). */
function captureLogger() {
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
  return { logger, lines, raw: () => raw.join('') };
}

/** Loads a config the way the agent does (files relative to it, secrets read at load) from mqtt lines. */
function loadMqtt(mqttLines: string[], env: Record<string, string> = {}) {
  const configDir = mkdtempSync(join(dir, 'cfg-'));
  return parseConfigText(['mqtt:', ...mqttLines.map((l) => `  ${l}`), ''].join('\n'), join(configDir, 'camwatch.yaml'), { baseDir: configDir, env });
}

function newStore(): IncidentStore {
  n += 1;
  store = openStore({ path: join(dir, `camwatch-${n}.db`), logger: createLogger({ level: 'silent' }) });
  return store;
}

const tlsBroker = (requireCertificate = false) =>
  startMosquitto({ tls: { cafile: pki.caCert, certfile: pki.serverCert, keyfile: pki.serverKey, requireCertificate } });
const clientTls = { ca: readFileSync(pki.caCert), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) };

it('mqtts with the right CA (from mqtt.tls.ca, relative to the config file) delivers incidents', async () => {
  broker = await tlsBroker();
  expect(broker.url).toMatch(/^mqtts:\/\//);
  sub = await subscribe(broker.url, incidentFilter('camwatch'), { ca: clientTls.ca });
  const loaded = loadMqtt([`url: ${broker.url}`, 'tls:', `  ca: ${pki.caCert}`]);
  expect(loaded.secrets.mqttTls?.ca?.toString()).toContain('BEGIN CERTIFICATE');
  const s = newStore();
  for (let i = 0; i < 5; i++) s.save(makeRecord('tls-ok', i));
  const { logger } = captureLogger();
  uplink = createMqttUplink({ config: loaded.config.mqtt, agentId: 'edge-tls', store: s, tlsFiles: loaded.secrets.mqttTls, logger });
  await uplink.start();
  await waitFor('5 incidents over TLS, all acknowledged', () => sub!.ids().length === 5 && s.pendingCount() === 0);
});

it('a wrong CA: MQTT_TLS logged once, retries with backoff, rows stay unsent; restarted with the right CA they go out', async () => {
  broker = await tlsBroker();
  sub = await subscribe(broker.url, incidentFilter('camwatch'), { ca: clientTls.ca });
  const s = newStore();
  for (let i = 0; i < 4; i++) s.save(makeRecord('tls-wrong', i));
  const cap = captureLogger();
  const wrong = loadMqtt([`url: ${broker.url}`, 'tls:', `  ca: ${pki.otherCaCert}`]);
  uplink = createMqttUplink({ config: wrong.config.mqtt, agentId: 'edge-tls', store: s, tlsFiles: wrong.secrets.mqttTls, logger: cap.logger, backoff: { minMs: 30, maxMs: 120 } });
  await uplink.start();
  const tlsLines = () => cap.lines.filter((l) => l.code === 'MQTT_TLS');
  await waitFor('at least 3 failed TLS attempts', () => tlsLines().length >= 3);
  const errors = tlsLines().filter((l) => l.level === 'error');
  expect(errors).toHaveLength(1);
  expect(errors[0]!.msg).toMatch(/MQTT_TLS: TLS handshake with mqtts:\/\/127\.0\.0\.1:\d+ failed: .*\((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/);
  expect(errors[0]!.msg).toContain('Check mqtt.tls.ca');
  expect(tlsLines().slice(1).every((l) => l.level === 'debug')).toBe(true);
  expect(uplink.stats()).toMatchObject({ connected: false, published: 0, pending: 4 });
  await uplink.stop();

  const right = loadMqtt([`url: ${broker.url}`, 'tls:', `  ca: ${pki.caCert}`]);
  uplink = createMqttUplink({ config: right.config.mqtt, agentId: 'edge-tls', store: s, tlsFiles: right.secrets.mqttTls, logger: cap.logger });
  await uplink.start();
  await waitFor('the kept rows delivered', () => s.pendingCount() === 0 && sub!.ids().length === 4);
});

it('require_certificate: refused without a client certificate (clear error), delivered with it (mTLS)', async () => {
  broker = await tlsBroker(true);
  sub = await subscribe(broker.url, incidentFilter('camwatch'), clientTls);
  const s = newStore();
  for (let i = 0; i < 3; i++) s.save(makeRecord('mtls', i));
  const cap = captureLogger();
  const noCert = loadMqtt([`url: ${broker.url}`, 'tls:', `  ca: ${pki.caCert}`]);
  uplink = createMqttUplink({ config: noCert.config.mqtt, agentId: 'edge-mtls', store: s, tlsFiles: noCert.secrets.mqttTls, logger: cap.logger, backoff: { minMs: 30, maxMs: 120 } });
  await uplink.start();
  const failed = () => cap.lines.filter((l) => l.level === 'error' || l.level === 'warn').filter((l) => typeof l.code === 'string' && String(l.code).startsWith('MQTT_'));
  await waitFor('the refusal logged', () => failed().length >= 1);
  expect(failed()[0]).toMatchObject({ code: 'MQTT_TLS' });
  expect(failed()[0]!.msg).toMatch(/certificate required/i);
  expect(uplink.stats()).toMatchObject({ connected: false, pending: 3 });
  await uplink.stop();

  const withCert = loadMqtt([`url: ${broker.url}`, 'tls:', `  ca: ${pki.caCert}`, `  cert: ${pki.clientCert}`, `  key: ${pki.clientKey}`]);
  uplink = createMqttUplink({ config: withCert.config.mqtt, agentId: 'edge-mtls', store: s, tlsFiles: withCert.secrets.mqttTls, logger: cap.logger });
  await uplink.start();
  await waitFor('delivered with the client certificate', () => s.pendingCount() === 0 && sub!.ids().length === 3);
  expect(cap.raw()).not.toContain('PRIVATE KEY');
});

it('unreadable TLS files fail the load with SECRET_UNREADABLE naming the field', () => {
  const missing = join(dir, 'no-such-ca.crt');
  let err: unknown;
  try {
    loadMqtt(['url: mqtts://127.0.0.1:8883', 'tls:', `  ca: ${missing}`, `  cert: ${pki.clientCert}`]);
  } catch (e) {
    err = e;
  }
  expect(isCamwatchError(err, 'SECRET_UNREADABLE')).toBe(true);
  expect((err as Error).message).toContain(`mqtt.tls.ca: cannot read ${missing}: no such file`);
  expect((err as Error).message).toContain('mqtt.tls.key: a client certificate needs both cert and key');
});

it('password file + ACL over TLS: only the right credentials connect, and the box may write only its own topics', async () => {
  const acl = [
    'user edge-acl',
    'topic write camwatch/edge-acl/#',
    'topic read camwatch/edge-acl/cmd/#',
    '',
    'user ioc',
    'topic read camwatch/#',
    'topic write camwatch/+/cmd/#',
    'topic write camwatch-test/#',
    '',
  ].join('\n');
  broker = await startMosquitto({
    users: { 'edge-acl': 'box-pass-1', ioc: 'ioc-pass-1' },
    acl,
    tls: { cafile: pki.caCert, certfile: pki.serverCert, keyfile: pki.serverKey },
  });
  sub = await subscribe(broker.url, incidentFilter('camwatch'), { ca: clientTls.ca, username: 'ioc', password: 'ioc-pass-1' });
  writeFileSync(join(dir, 'wrong.pass'), 'not-the-password\n');
  writeFileSync(join(dir, 'box.pass'), 'box-pass-1\n');
  const s = newStore();
  for (let i = 0; i < 3; i++) s.save(makeRecord('acl', i, { agentId: 'edge-acl' }));
  const cap = captureLogger();
  const mqttLines = (passFile: string) => [`url: ${broker!.url}`, 'username: edge-acl', `passwordFile: ${passFile}`, 'tls:', `  ca: ${pki.caCert}`];

  const wrong = loadMqtt(mqttLines(join(dir, 'wrong.pass')));
  uplink = createMqttUplink({ config: wrong.config.mqtt, agentId: 'edge-acl', store: s, password: wrong.secrets.mqttPassword, tlsFiles: wrong.secrets.mqttTls, logger: cap.logger, backoff: { minMs: 30, maxMs: 120 } });
  await uplink.start();
  await waitFor('MQTT_AUTH logged', () => cap.lines.some((l) => l.code === 'MQTT_AUTH' && l.level === 'error'));
  expect(uplink.stats()).toMatchObject({ connected: false, pending: 3 });
  await uplink.stop();

  // The right password, but posing as another box: connected, yet every incident PUBACK says not authorized.
  const right = loadMqtt(mqttLines(join(dir, 'box.pass')));
  const opts = { config: right.config.mqtt, store: s, password: right.secrets.mqttPassword, tlsFiles: right.secrets.mqttTls, logger: cap.logger };
  uplink = createMqttUplink({ ...opts, agentId: 'edge-other' });
  await uplink.start();
  await waitFor('publishes refused by the ACL', () => cap.lines.some((l) => l.msg === 'broker rejected an incident; kept for retry after reconnect'));
  expect(uplink.stats()).toMatchObject({ connected: true, published: 0, pending: 3 });
  await uplink.stop();

  // Its own topics: delivered.
  uplink = createMqttUplink({ ...opts, agentId: 'edge-acl' });
  await uplink.start();
  await waitFor('delivered on its own topics', () => s.pendingCount() === 0);
  await sub.sync();
  expect(sub.messages.filter((m) => typeof m.json.id === 'string').every((m) => m.topic.startsWith('camwatch/edge-acl/'))).toBe(true);
  expect(sub.ids().length).toBe(3);
  expect(cap.raw()).not.toContain('box-pass-1');
  expect(cap.raw()).not.toContain('not-the-password');
});
