/**
 * `camwatch tail` against a real mosquitto with a password: the test publishes what the agent publishes
 * (incident events built by the uplink's payload code, retained camera states) and reads the lines.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cameraStateTopic, incidentTopic, statusTopic } from '../../agent/uplink/topics.js';
import { renderCameraStatePayload, renderIncidentPayload, renderStatusPayload } from '../../agent/uplink/payload.js';
import { startCli, runCli, type RunningCli } from '../helpers/cli-process.js';
import { assertNoMosquittoLeaks, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { makeEvent, makeRecord } from '../fixtures/outbox-data.js';

const PASSWORD = 'tail-secret-4411';
const AGENT = 'edge-tail';

describe('camwatch tail (spawned) on a real broker', () => {
  let dir: string;
  let config: string;
  let broker: Mosquitto;
  let publisher: MqttClient;
  const running: RunningCli[] = [];
  const tail = (...args: string[]): RunningCli => {
    const cli = startCli(['tail', ...args], { cwd: dir, env: { TZ: 'UTC' } });
    running.push(cli);
    return cli;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-cli-tail-'));
    broker = await startMosquitto({ users: { edge: PASSWORD, ioc: PASSWORD } });
    writeFileSync(join(dir, 'mqtt.password'), `${PASSWORD}\n`);
    writeFileSync(join(dir, 'wrong.password'), 'not-the-password\n');
    config = join(dir, 'camwatch.yaml');
    writeFileSync(config, `agent: { id: ${AGENT} }\nmqtt: { url: "${broker.url}", username: edge, passwordFile: mqtt.password }\n`);
    publisher = connect(broker.url, { username: 'ioc', password: PASSWORD, protocolVersion: 4, reconnectPeriod: 0 });
    await new Promise((resolve, reject) => publisher.once('connect', resolve).once('error', reject));
    // Published before tail starts: retained, so tail shows it as the last known state.
    await publisher.publishAsync(
      cameraStateTopic('camwatch', AGENT, 'cam-gate'),
      renderCameraStatePayload({ cameraId: 'cam-gate', state: 'down', lastError: { message: 'camera rejected the credentials (401 Unauthorized)' }, reconnects: 4, atMs: Date.parse('2024-05-01T07:59:00Z') }),
      { qos: 1, retain: true },
    );
  });
  afterEach(async () => {
    for (const cli of running.splice(0)) await cli.kill();
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await broker?.dispose();
    await assertNoMosquittoLeaks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints incidents one line each and camera states; Ctrl-C exits 0', async () => {
    const cli = tail('--config', config);
    await cli.waitFor('stderr', /watching camwatch\/edge-tail\/… on mqtt:\/\/127\.0\.0\.1:\d+ \(Ctrl-C to stop\)/);
    await cli.waitFor('stdout', /cam-gate  camera down: camera rejected the credentials \(401 Unauthorized\) \(reconnects 4\)  \(last known\)/);

    const record = makeRecord('tail', 1); // cam-street, zone_intrusion, person 0.87
    const { incident } = record;
    await publisher.publishAsync(incidentTopic('camwatch', AGENT, incident.category, incident.type), renderIncidentPayload(record, 'inline'), { qos: 1 });
    const end = makeEvent(record, 'end', 2);
    await publisher.publishAsync(incidentTopic('camwatch', AGENT, incident.category, incident.type), renderIncidentPayload(end, 'inline', { historical: true }), { qos: 1 });
    await publisher.publishAsync(statusTopic('camwatch', AGENT), renderStatusPayload({ state: 'offline', agentId: AGENT, reason: 'shutdown', at: '2024-05-01T09:00:00Z' }), { qos: 1 });

    await cli.waitFor('stdout', /agent edge-tail offline \(shutdown\)/);
    const lines = cli.stdout().trim().split('\n');
    expect(lines).toContain('2023-11-14 22:13:21  cam-street  zone_intrusion  new  Xâm nhập khu vực / Zone intrusion  person 0.87  tail-000001');
    expect(lines).toContain('2023-11-14 22:13:41  cam-street  zone_intrusion  end  Xâm nhập khu vực / Zone intrusion  person 0.52  tail-000001  (replay)');
    expect(lines).toContain('2024-05-01 09:00:00  agent edge-tail offline (shutdown)');
    expect(cli.stdout() + cli.stderr()).not.toContain(PASSWORD);

    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  });

  it('--camera and --type filter; --json prints the payload without the snapshot bytes', async () => {
    const cli = tail('--config', config, '--camera', 'cam-gate', '--type', 'line_crossing', '--json');
    await cli.waitFor('stderr', /watching/);
    const street = makeRecord('filt', 1); // cam-street: filtered out
    const gateIntrusion = makeRecord('filt', 2); // cam-gate, zone_intrusion: wrong type
    const gateLine = makeRecord('filt', 6); // cam-gate, line_crossing: shown
    for (const r of [street, gateIntrusion, gateLine]) {
      await publisher.publishAsync(incidentTopic('camwatch', AGENT, r.incident.category, r.incident.type), renderIncidentPayload(r, 'inline'), { qos: 1 });
    }
    await cli.waitFor('stdout', /filt-000006/);
    const messages = cli.stdout().trim().split('\n').map((l) => JSON.parse(l) as { topic: string; retained: boolean; kind: string; payload: Record<string, unknown> });
    const incidents = messages.filter((m) => m.kind === 'incident');
    expect(incidents.map((m) => m.payload.id)).toEqual(['filt-000006']);
    expect(incidents[0]!.topic).toBe(`camwatch/${AGENT}/incidents/traffic/line_crossing`);
    expect(incidents[0]!.payload.snapshot).toEqual({ contentType: 'image/jpeg', width: 640, height: 360, bytes: 2048 });
    // The retained state of cam-gate passes the camera filter (states are not incidents: --type leaves them).
    expect(messages.filter((m) => m.kind === 'camera')).toEqual([expect.objectContaining({ retained: true, payload: expect.objectContaining({ cameraId: 'cam-gate', state: 'down' }) })]);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('--url alone watches every agent and names them', async () => {
    const url = broker.url.replace('mqtt://', `mqtt://ioc:${PASSWORD}@`);
    const cli = tail('--url', url);
    await cli.waitFor('stderr', /watching camwatch\/\+\/… on mqtt:\/\/ioc:\*\*\*@127\.0\.0\.1/);
    const other = makeRecord('url', 1, { agentId: 'edge-other' });
    await publisher.publishAsync(incidentTopic('camwatch', 'edge-other', other.incident.category, other.incident.type), renderIncidentPayload(other, 'none'), { qos: 1 });
    await cli.waitFor('stdout', /edge-other\/cam-street  zone_intrusion  new .* url-000001/);
    expect(cli.stdout() + cli.stderr()).not.toContain(PASSWORD);
  });

  it('a live camera state change prints a line; a closed pipe (tail | head -1) stops tail with exit 0, no stack', async () => {
    const cli = tail('--config', config, '--camera', 'cam-live');
    await cli.waitFor('stderr', /watching/);
    const state = renderCameraStatePayload({ cameraId: 'cam-live', state: 'online', reconnects: 0, atMs: Date.parse('2024-05-01T08:00:00Z') });
    await publisher.publishAsync(cameraStateTopic('camwatch', AGENT, 'cam-live'), state, { qos: 1 });
    await cli.waitFor('stdout', /^2024-05-01 08:00:00 {2}cam-live {2}camera online$/m);
    // What `| head -1` does once it has its line: closes the read end of the pipe.
    cli.child.stdout!.destroy();
    const down = renderCameraStatePayload({ cameraId: 'cam-live', state: 'down', lastError: { message: 'connection refused' }, reconnects: 1, atMs: Date.parse('2024-05-01T08:01:00Z') });
    await publisher.publishAsync(cameraStateTopic('camwatch', AGENT, 'cam-live'), down, { qos: 1 });
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).not.toMatch(/EPIPE|at .*\.ts:\d+/);
    // Retained states are the next tail's "last known": clear this one so other tests do not see it.
    await publisher.publishAsync(cameraStateTopic('camwatch', AGENT, 'cam-live'), '', { qos: 1, retain: true });
  });

  it('a wrong password: MQTT_AUTH and the fix, exit 1, password not shown', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `agent: { id: ${AGENT} }\nmqtt: { url: "${broker.url}", username: edge, passwordFile: wrong.password }\n`);
    const r = await runCli(['tail', '--config', bad], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/camwatch tail: MQTT_AUTH: broker mqtt:\/\/127\.0\.0\.1:\d+ refused the connection: not authorized .*\n  → Check the broker username\/password/);
    expect(r.stderr).not.toContain('not-the-password');
  });

  it('usage errors exit 2', async () => {
    const r = await runCli(['tail', '--camera', 'a/b'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--camera "a/b" is not an id');
  });
});
