/**
 * Incidents per minute and snapshot bytes per hour for config/camwatch.example.yaml on its Saigon clip
 * (looped, real time), with a real agent and a real mosquitto: what an IOC subscriber receives.
 *
 *   npx tsx scripts/measure/incident-flood.ts [seconds=120] [evidenceBytesPerHour]
 *
 * The optional second argument overrides flood.evidenceBytesPerHour, to see the budget act within a short run.
 *
 * Prints JSON: events per type and status, incidents (`new`) per minute, summaries, snapshot bytes
 * (decoded inline JPEGs) per hour, count bins received.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { connect } from 'mqtt';
import { parse, stringify } from 'yaml';
import { startMosquitto } from '../../test/helpers/mosquitto.js';
import { startAgent } from '../../test/helpers/agent-process.js';
import { PROJECT_ROOT, videoPath } from '../../test/helpers/data.js';

const seconds = Number(process.argv[2] ?? 120);
const budget = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
const dir = mkdtempSync(join(tmpdir(), 'camwatch-flood-'));
const broker = await startMosquitto();
const config = parse(readFileSync(join(PROJECT_ROOT, 'config', 'camwatch.example.yaml'), 'utf8')) as Record<string, any>;
config.agent.dataDir = join(dir, 'var');
config.agent.logLevel = 'info';
config.models.dir = join(PROJECT_ROOT, 'models');
config.models.manifest = join(PROJECT_ROOT, 'models', 'manifest.json');
config.mqtt = { ...config.mqtt, url: broker.url };
config.health = { ...config.health, enabled: false }; // no port clash with another agent on the box
delete config.mqtt.embeddedHost;
delete config.mqtt.embeddedPort;
config.cameras[0].source.file = videoPath('vn_saigon_intersection.mp4');
if (budget !== undefined) config.flood = { ...config.flood, evidenceBytesPerHour: budget };
const configPath = join(dir, 'camwatch.yaml');
writeFileSync(configPath, stringify(config));

const counts: Record<string, number> = {};
let snapshotBytes = 0;
let news = 0;
let summaries = 0;
let folded = 0;
let omitted = 0;
let bins = 0;
let firstAt: number | undefined;
const sub = connect(broker.url, { clientId: 'measure-flood' });
await new Promise<void>((r) => sub.on('connect', () => r()));
await sub.subscribeAsync('camwatch/#', { qos: 1 });
sub.on('message', (topic, payload) => {
  if (topic.endsWith('/counts/bins')) {
    bins += 1;
    return;
  }
  if (!topic.includes('/incidents/')) return;
  const j = JSON.parse(payload.toString()) as Record<string, any>;
  const k = `${j.type}:${j.status}`;
  counts[k] = (counts[k] ?? 0) + 1;
  if (j.status === 'new') news += 1;
  if (j.status === 'summary') {
    summaries += 1;
    folded += Number(j.folded?.count ?? 0);
  }
  if (typeof j.snapshot?.data === 'string') snapshotBytes += Buffer.from(j.snapshot.data, 'base64').length;
  if (typeof j.snapshot?.omitted === 'string' && j.snapshot.data === undefined) omitted += 1;
});

const agent = startAgent(['run', '--config', configPath]);
await agent.waitForLog((e) => e.msg === 'connected to broker', 60_000);
firstAt = Date.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
const elapsedMin = (Date.now() - firstAt) / 60_000;
await agent.stop();
sub.end(true);
// What the store kept: the snapshot quota counts these bytes (the wire repeats an update's last picture).
const db = new Database(join(dir, 'var', 'camwatch.db'), { readonly: true });
const stored = db.prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS bytes FROM snapshots').get() as { n: number; bytes: number };
db.close();
await broker.dispose();
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify(
    {
      seconds,
      ...(budget === undefined ? {} : { evidenceBytesPerHour: budget }),
      eventsByTypeStatus: counts,
      newIncidentsPerMinute: Math.round((news / elapsedMin) * 10) / 10,
      summariesPerMinute: Math.round((summaries / elapsedMin) * 10) / 10,
      foldedIncidents: folded,
      eventsWithSnapshotOmitted: omitted,
      wireSnapshotBytes: snapshotBytes,
      wireSnapshotBytesPerHour: Math.round((snapshotBytes / elapsedMin) * 60),
      storedSnapshots: stored.n,
      storedSnapshotBytes: stored.bytes,
      storedSnapshotBytesPerHourAtThisRate: Math.round((stored.bytes / elapsedMin) * 60),
      countBinsReceived: bins,
    },
    null,
    2,
  ),
);
