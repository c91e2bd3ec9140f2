/**
 * The walking skeleton end to end, as a user runs it: `camwatch run` as a real process on a real street
 * video (vn_saigon_intersection.mp4, played in real time and looped) with the real YOLOX-nano model,
 * publishing to a real mosquitto. Then the two failures the IOC cares about: a broker outage while
 * incidents keep coming, and a kill -9 of the agent with incidents written but not yet acknowledged.
 *
 * Scene (640x452 analysis frames): a red-light queue; motorbikes come up the right-hand lanes from the
 * bottom and stop on the zebra crossing (y≈0.42–0.56). YOLOX-nano sees their riders as `person` far more
 * reliably than the bikes, so both rules include `person`. The zone covers the crossing, the line spans
 * the right-hand lanes at y=0.72; both rules fire within a few seconds of every 10 s loop.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { assertNoMosquittoLeaks, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { collect, type Collector } from '../helpers/mqtt-collector.js';
import { assertNoAgentLeaks, startAgent } from '../helpers/agent-process.js';
import { DATA_DIR, PROJECT_ROOT, videoPath } from '../helpers/data.js';

const AGENT_ID = 'e2e-box';
const MQTT_PASSWORD = 'broker-S3cret-e2e';

function writeConfig(dir: string, brokerUrl: string): string {
  writeFileSync(join(dir, 'mqtt-password'), `${MQTT_PASSWORD}\n`, { mode: 0o600 });
  const yaml = `
version: 1
agent:
  id: ${AGENT_ID}
  dataDir: ${join(dir, 'var')}
models:
  dir: ${join(DATA_DIR, 'models')}
  manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')}
detection:
  model: yolox_nano_416
  scoreThreshold: 0.3
mqtt:
  url: ${brokerUrl}
  username: box
  passwordFile: ${join(dir, 'mqtt-password')}
  topicPrefix: camwatch
counts:
  binSeconds: 5           # short bins so that some close during the outages and ride the outbox with incidents
  rollupSeconds: 15
cameras:
  - id: saigon-01
    name: Ngã tư Sài Gòn
    source:
      file: ${videoPath('vn_saigon_intersection.mp4')}
    location: { lat: 10.7769, lon: 106.7009, address: "Quận 1, TP. Hồ Chí Minh" }
    analysis: { fps: 5, width: 640 }
    zones:
      - id: zebra-crossing
        points: [[0.30, 0.40], [0.98, 0.40], [0.98, 0.58], [0.30, 0.58]]
    lines:
      - id: lane-count
        from: [0.55, 0.72]
        to: [1.0, 0.72]
    rules:
      - id: stopped-on-crossing
        type: zone_intrusion
        zone: zebra-crossing
        classes: [person, motorcycle, bicycle]
        minSeconds: 1
      - id: count-right-lanes
        type: line_crossing
        line: lane-count
        classes: [motorcycle, bicycle, car, person]
        incident: true          # a counting line raises no incident by default
`;
  const path = join(dir, 'camwatch.yaml');
  writeFileSync(path, yaml);
  return path;
}

interface IncidentMsg {
  schema: string;
  id: string;
  type: string;
  category: string;
  cameraId: string;
  status: 'new' | 'update' | 'end';
  sequence?: number;
  title: { vi: string; en: string };
  bbox: number[];
  snapshot?: { data?: string; contentType: string };
}

const incidentsOf = (c: Collector): Array<{ topic: string; body: IncidentMsg }> =>
  c.messages.filter((m) => m.topic.includes('/incidents/')).map((m) => ({ topic: m.topic, body: JSON.parse(m.payload.toString()) as IncidentMsg }));

/**
 * Distinct incident ids in the outbox, in the order they were first written. Count bins share the outbox
 * (kind 'counts', no incident id): they are read by storedBinIds.
 */
function storedIds(dbPath: string): string[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT incident_id AS id FROM outbox WHERE kind = 'incident' ORDER BY seq").all() as Array<{ id: string }>;
    return [...new Set(rows.map((r) => r.id))];
  } finally {
    db.close();
  }
}

/** Ids of the count bins in the outbox (they ride the same queue as incidents). */
function storedBinIds(dbPath: string): string[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT event FROM outbox WHERE kind = 'counts' ORDER BY seq").all() as Array<{ event: string }>;
    return [...new Set(rows.map((r) => (JSON.parse(r.event) as { id: string }).id))];
  } finally {
    db.close();
  }
}

describe('camwatch run: real video → YOLOX-nano → tracker → rules → incident → SQLite → mosquitto', () => {
  let dir: string;
  let broker: Mosquitto;
  let ioc: Collector;
  let configPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-e2e-'));
    broker = await startMosquitto({ persistence: true, users: { box: MQTT_PASSWORD, ioc: 'ioc-pass' } });
    configPath = writeConfig(dir, broker.url);
    const iocUrl = broker.url.replace('mqtt://', 'mqtt://ioc:ioc-pass@');
    ioc = await collect(iocUrl, `camwatch/${AGENT_ID}/#`, { clientId: 'ioc-e2e', persistentSession: true });
  });

  afterEach(() => assertNoAgentLeaks());

  afterAll(async () => {
    await ioc?.close();
    await broker?.dispose();
    await assertNoMosquittoLeaks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes incidents with snapshots, survives a broker outage and a kill -9, losing nothing', async () => {
    const dbPath = join(dir, 'var', 'camwatch.db');
    const agent = startAgent(['run', '--config', configPath]);
    onTestFinished(async () => { await agent.kill(); });

    // 1. Incidents of both rule types arrive, well-formed, with a JPEG snapshot.
    await ioc.waitFor((all) => all.some((m) => m.topic.endsWith('/status') && m.payload.includes('online')), 30_000, 'status online');
    await ioc.waitFor(
      () => {
        const types = new Set(incidentsOf(ioc).map((i) => i.body.type));
        return types.has('zone_intrusion') && types.has('line_crossing');
      },
      45_000,
      'a zone_intrusion and a line_crossing incident',
    );
    for (const { topic, body } of incidentsOf(ioc)) {
      expect(body.schema).toBe('camwatch.incident/1');
      expect(body.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(topic).toBe(`camwatch/${AGENT_ID}/incidents/${body.category}/${body.type}`);
      expect(body.cameraId).toBe('saigon-01');
      // The IOC de-duplicates on (id, status, sequence) (docs/mqtt.md): one-shot line_crossing events too (issue 16).
      expect(body.sequence, `${body.type} ${body.status} without a sequence`).toBeGreaterThanOrEqual(1);
      expect(body.title.vi.length).toBeGreaterThan(3);
      for (const v of body.bbox) expect(v).toBeGreaterThanOrEqual(0);
      expect(body.bbox[0]! + body.bbox[2]!).toBeLessThanOrEqual(1.0001);
      const jpeg = Buffer.from(body.snapshot?.data ?? '', 'base64');
      expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    }

    // 2. Broker down for a while: incidents keep being written to SQLite, then all arrive, once, in order.
    const before = storedIds(dbPath).length;
    await broker.stop();
    const start = Date.now();
    while (storedIds(dbPath).length < before + 3 && Date.now() - start < 30_000) await new Promise((r) => setTimeout(r, 500));
    expect(storedIds(dbPath).length).toBeGreaterThanOrEqual(before + 3);
    await broker.restart();

    // The backlog of the outage reaches the IOC once the broker is back.
    const duringOutage = storedIds(dbPath);
    await ioc.waitFor(
      () => {
        const got = new Set(incidentsOf(ioc).map((i) => i.body.id));
        return duringOutage.every((id) => got.has(id));
      },
      60_000,
      `the ${duringOutage.length} incidents stored up to the end of the outage`,
    );

    // 3. kill -9 with unacknowledged incidents: stop the broker again so rows are written but never PUBACKed.
    await broker.stop();
    const beforeKill = storedIds(dbPath).length;
    const t0 = Date.now();
    // Also wait for a closed count bin: the whole run can take ~10 s, so on a fast box the kill could
    // otherwise come before the first 5 s bin with a crossing has closed (CI failed on exactly that).
    const readyToKill = (): boolean => storedIds(dbPath).length >= beforeKill + 2 && storedBinIds(dbPath).length > 0;
    while (!readyToKill() && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 500));
    await agent.kill();
    const written = storedIds(dbPath);
    const binsWritten = storedBinIds(dbPath);
    expect(written.length).toBeGreaterThanOrEqual(beforeKill + 2);
    expect(binsWritten.length).toBeGreaterThan(0);

    // 4. Restart broker and agent: the backlog drains; every stored id reaches the IOC exactly once, in order.
    await broker.restart();
    const again = startAgent(['run', '--config', configPath]);
    onTestFinished(async () => { await again.kill(); });
    await ioc.waitFor(
      () => {
        const got = new Set(incidentsOf(ioc).map((i) => i.body.id));
        const bins = new Set(ioc.messages.filter((m) => m.topic.endsWith('/counts/bins')).map((m) => (JSON.parse(m.payload.toString()) as { id: string }).id));
        return written.every((id) => got.has(id)) && binsWritten.every((id) => bins.has(id));
      },
      60_000,
      `all ${written.length} incidents and ${binsWritten.length} count bins written before the kill`,
    );
    const exitCode = await again.stop();
    expect(exitCode, `graceful stop; last log lines:\n${again.lines.slice(-12).join('\n')}`).toBe(0);

    // One incident can have several events (new, update, end): compare ids by first appearance.
    const events = incidentsOf(ioc).map((i) => i.body);
    const firstSeen = [...new Set(events.map((e) => e.id))];
    expect(firstSeen.filter((id) => written.includes(id))).toEqual(written);
    // At-least-once: an exact repeat of one event is possible only for messages in flight at a broker
    // stop or at the kill (bounded by the in-flight window, mqtt.maxInflight = 16).
    const keys = events.map((e) => `${e.id}/${e.status}/${e.sequence ?? 0}`);
    expect(keys.length - new Set(keys).size).toBeLessThanOrEqual(16);

    // The broker password was never written to the logs.
    expect([...agent.lines, ...again.lines].join('\n')).not.toContain(MQTT_PASSWORD);
  }, 240_000);
});
