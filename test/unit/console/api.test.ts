import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type LoadedConfig } from '../../../agent/config/index.js';
import { createConsoleApp } from '../../../agent/console/server.js';
import type { ConsolePort, LiveFrame } from '../../../agent/console/port.js';
import { createLogger } from '../../../agent/core/logger.js';
import { planReload } from '../../../agent/ops/reload-plan.js';
import { openStore } from '../../../agent/store/sqlite-store.js';
import type { IncidentStore } from '../../../agent/store/types.js';
import { imagePath, PROJECT_ROOT } from '../../helpers/data.js';
import { makeEvent, makeRecord } from '../../fixtures/outbox-data.js';

const logger = createLogger({ level: 'silent' });
const TOKEN = 'test-token-0123456789abcdef';
const CAMERA_PASSWORD = 'Sup3rSecretCam';
const MQTT_PASSWORD = 'mqttHunter2pw';
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** A config as a technician writes it: comments, aligned trailing comments, a password inside a camera URL. */
function configText(dataDir: string): string {
  return `# camwatch config of the test box
version: 1
agent:
  id: edge-test
  dataDir: ${dataDir}       # where the store lives
models:
  dir: ${join(PROJECT_ROOT, 'models')}
  manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')}
mqtt:
  url: mqtt://127.0.0.1:1
  username: agent
  password: ${MQTT_PASSWORD}
cameras:
  # the gate camera: keep this comment
  - id: cam-gate
    name: Gate
    source:
      url: rtsp://admin:${CAMERA_PASSWORD}@10.0.0.5:554/live
    zones:
      - id: yard
        points: [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9]]   # the yard
    rules:
      - id: yard-intrusion
        type: zone_intrusion
        zone: yard
        classes: [person]
  - id: cam-street
    source:
      url: rtsp://10.0.0.6/live
`;
}

interface Box {
  dir: string;
  configPath: string;
  store: IncidentStore;
  loaded: LoadedConfig;
  app: FastifyInstance;
  reloads: number;
  frame?: LiveFrame;
}

async function testFrame(): Promise<LiveFrame> {
  const { data, info } = await sharp(imagePath('street_00001.jpg')).resize(320, 180, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    seq: 7,
    capturedAtMs: Date.UTC(2026, 11, 7, 6, 0, 0),
    width: info.width,
    height: info.height,
    data,
    detections: [{ className: 'person', score: 0.91, box: { x1: 10, y1: 20, x2: 40, y2: 90 } }],
    tracks: [{ id: 3, className: 'person', box: { x1: 10, y1: 20, x2: 40, y2: 90 }, history: [{ x: 20, y: 80 }, { x: 25, y: 90 }] }],
    lineCounts: [],
  };
}

async function makeBox(options: { configDir?: string } = {}): Promise<Box> {
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-console-'));
  const dataDir = join(dir, 'var');
  mkdirSync(dataDir);
  const configPath = join(options.configDir ?? dir, 'camwatch.yaml');
  writeFileSync(configPath, configText(dataDir), { mode: 0o640 });
  const store = openStore({ path: join(dataDir, 'camwatch.db'), logger });
  const box = { dir, configPath, store, loaded: await loadConfig(configPath, { env: {} }), reloads: 0 } as Box;
  const port: ConsolePort = {
    status: () => ({
      agentId: 'edge-test',
      version: '0.0.0',
      uptimeS: 5,
      model: 'yolox_nano_416',
      detector: { busyFraction: 0.2, queued: 0 },
      uplink: { connected: false, pending: 3, lastError: `connect ECONNREFUSED mqtt://agent:${MQTT_PASSWORD}@127.0.0.1:1` },
      cameras: [{
        id: 'cam-gate', state: 'online', framesDecoded: 100, framesDropped: 2, framesAnalysed: 90, inferencesRun: 60, inferencesSkipped: 30, framesShed: 0,
        targetFps: 5, analysisFps: 4.8, incidents: 1, reconnects: 0, pipeline: { lastFrameAtMs: Date.now() },
      }],
    }),
    diskFreeBytes: () => 50 * 1024 ** 3,
    loaded: () => box.loaded,
    reloadFromDisk: async () => {
      const next = await loadConfig(configPath, { env: {} });
      const plan = planReload(box.loaded, next);
      box.loaded = next;
      box.reloads++;
      return plan;
    },
    acknowledge: (id) => store.acknowledge(id),
    resend: (selector) => store.resend(selector).length,
    liveFrame: (id) => (id === 'cam-gate' ? box.frame : undefined),
  };
  box.app = createConsoleApp({ port, settings: { host: '127.0.0.1', maxBodyBytes: 16 * 1024, liveFps: 4 }, token: TOKEN, storePath: join(dataDir, 'camwatch.db'), logger, uiDir: join(dir, 'ui') }).app;
  return box;
}

describe('console API (fastify inject, real store and config file)', () => {
  let box: Box;
  beforeEach(async () => {
    box = await makeBox();
  });
  afterEach(async () => {
    await box.app.close();
    box.store.close();
    rmSync(box.dir, { recursive: true, force: true });
  });

  const get = (url: string, headers: Record<string, string> = {}) => box.app.inject({ method: 'GET', url, headers: { host: '127.0.0.1:8089', ...headers } });
  const send = (method: 'POST' | 'PUT', url: string, body: unknown, headers: Record<string, string> = AUTH) =>
    box.app.inject({ method, url, headers: { host: '127.0.0.1:8089', 'content-type': 'application/json', ...headers }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

  it('GET /api/status: cameras from the agent status and the config, incidents today from the store, warnings; no secret', async () => {
    box.store.save({ ...makeRecord('r', 0), incident: { ...makeRecord('r', 0).incident, cameraId: 'cam-gate', startedAt: new Date().toISOString() } });
    const res = await get('/api/status');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const body = res.json();
    expect(body.cameras.map((c: { id: string }) => c.id)).toEqual(['cam-gate', 'cam-street']);
    expect(body.cameras[0]).toMatchObject({ id: 'cam-gate', name: 'Gate', state: 'online', fps: { analysed: 4.8, target: 5 }, framesDropped: 2, inferencesSkipped: 30, incidentsToday: 1 });
    expect(body.cameras[1]).toMatchObject({ id: 'cam-street', state: 'stopped', incidentsToday: 0 });
    expect(body.uplink.pending).toBe(3);
    expect(body.disk.freeBytes).toBe(50 * 1024 ** 3);
    expect(body.disk.storeBytes).toBeGreaterThan(0);
    expect(body.warnings.map((w: { code: string }) => w.code)).toContain('uplink_down');
    expect(res.body).not.toContain(MQTT_PASSWORD);
    expect(res.body).toContain('agent:***@');
  });

  it('GET /api/cameras/:id/frame.jpg: the latest analysis frame as a JPEG of its size; 404 before a frame and for an unknown camera', async () => {
    expect((await get('/api/cameras/cam-gate/frame.jpg')).statusCode).toBe(404);
    box.frame = await testFrame();
    const res = await get('/api/cameras/cam-gate/frame.jpg');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(res.rawPayload).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 320, 180]);
    const unknown = await get('/api/cameras/nope/frame.jpg');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('CONSOLE_NOT_FOUND');
  });

  it('refuses ids that could leave their place: ../ in a camera id, an asset path out of the page folder', async () => {
    for (const url of ['/api/cameras/..%2F..%2Fetc/config', '/api/cameras/%2E%2E/config', '/api/cameras/a%00b/config']) {
      const res = await get(url);
      expect([400, 404]).toContain(res.statusCode);
      expect(res.json().error.code).toMatch(/^CONSOLE_(BAD_REQUEST|NOT_FOUND)$/);
    }
    mkdirSync(join(box.dir, 'ui', 'assets'), { recursive: true });
    writeFileSync(join(box.dir, 'ui', 'assets', 'app.js'), 'console.log(1)\n');
    expect((await get('/assets/app.js')).headers['content-type']).toContain('text/javascript');
    for (const url of ['/assets/../../camwatch.yaml', '/assets/..%2F..%2Fcamwatch.yaml', '/assets/%2e%2e/%2e%2e/camwatch.yaml']) {
      const res = await get(url);
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain(CAMERA_PASSWORD);
    }
  });

  it('GET / serves console-ui/index.html when built, else a plain note', async () => {
    expect((await get('/')).body).toContain('console page is not built');
    writeFileSync(join(mkdirSync(join(box.dir, 'ui'), { recursive: true }) ?? join(box.dir, 'ui'), 'index.html'), '<!doctype html><title>camwatch</title>');
    const res = await get('/');
    expect(res.body).toBe('<!doctype html><title>camwatch</title>');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('GET /api/schema is the config JSON schema; GET /api/cameras/:id/config is the camera block without its password', async () => {
    const schema = (await get('/api/schema')).json();
    expect(schema.properties.cameras.items.properties.zones).toBeDefined();
    expect(schema.properties.console).toBeDefined();
    const res = await get('/api/cameras/cam-gate/config');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.camera.zones[0].id).toBe('yard');
    expect(body.camera.source.url).toBe('rtsp://admin:***@10.0.0.5:554/live');
    expect(res.body).not.toContain(CAMERA_PASSWORD);
    const yaml = (await get('/api/config/yaml')).json().yaml as string;
    expect(yaml).toContain('# the gate camera: keep this comment');
    expect(yaml).toContain('rtsp://admin:***@10.0.0.5');
    expect(yaml).toContain('password: ***');
    expect(yaml).not.toContain(CAMERA_PASSWORD);
    expect(yaml).not.toContain(MQTT_PASSWORD);
  });

  it('writes need the token: none → 401, wrong → 401; the file is untouched', async () => {
    const before = readFileSync(box.configPath);
    const zones = [{ id: 'yard', points: [[0.2, 0.2], [0.8, 0.2], [0.8, 0.8]] }];
    const none = await send('PUT', '/api/cameras/cam-gate/config', { zones }, {});
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('CONSOLE_UNAUTHORIZED');
    const wrong = await send('PUT', '/api/cameras/cam-gate/config', { zones }, { authorization: 'Bearer not-the-token-at-all' });
    expect(wrong.statusCode).toBe(401);
    expect((await send('POST', '/api/incidents/x/ack', {}, {})).statusCode).toBe(401);
    expect(readFileSync(box.configPath).equals(before)).toBe(true);
  });

  it('cross-site requests are refused even with the token: Origin of another site, Sec-Fetch-Site cross-site, a rebinding Host', async () => {
    const zones = [{ id: 'yard', points: [[0.2, 0.2], [0.8, 0.2], [0.8, 0.8]] }];
    const origin = await send('PUT', '/api/cameras/cam-gate/config', { zones }, { ...AUTH, origin: 'http://evil.example' });
    expect(origin.statusCode).toBe(403);
    expect(origin.json().error.code).toBe('CONSOLE_FORBIDDEN');
    const site = await send('POST', '/api/cameras/cam-gate/config/preview', { zones }, { ...AUTH, 'sec-fetch-site': 'cross-site' });
    expect(site.statusCode).toBe(403);
    const rebound = await box.app.inject({ method: 'GET', url: '/api/status', headers: { host: 'evil.example:8089' } });
    expect(rebound.statusCode).toBe(403);
    expect(rebound.headers['access-control-allow-origin']).toBeUndefined();
    // The link clicked on another site opens the page; the page's API calls then come from its own origin.
    const navigation = await box.app.inject({ method: 'GET', url: '/', headers: { host: '127.0.0.1:8089', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' } });
    expect(navigation.statusCode).toBe(200);
    const crossRead = await box.app.inject({ method: 'GET', url: '/api/cameras/cam-gate/frame.jpg', headers: { host: '127.0.0.1:8089', 'sec-fetch-site': 'cross-site' } });
    expect(crossRead.statusCode).toBe(403);
    // The page's own origin (any tunnel port) passes.
    const own = await send('POST', '/api/cameras/cam-gate/config/preview', { zones }, { ...AUTH, origin: 'http://127.0.0.1:8089', 'sec-fetch-site': 'same-origin' });
    expect(own.statusCode).toBe(200);
  });

  it('an oversized body is answered 413 with a JSON error', async () => {
    const res = await send('POST', '/api/cameras/cam-gate/config/preview', { zones: [{ id: 'big', name: 'x'.repeat(20_000), points: [[0, 0], [1, 0], [1, 1]] }] });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('CONSOLE_BODY_TOO_LARGE');
  });

  it('a small body nested thousands of levels deep is answered 400 on both edit routes, the file untouched (before: a stack overflow in the splice, 500)', async () => {
    const before = readFileSync(box.configPath);
    const deep = `{"zones":${'['.repeat(6_000)}${']'.repeat(6_000)}}`; // 12 KB, under maxBodyBytes
    for (const method of ['POST', 'PUT'] as const) {
      const res = await send(method, `/api/cameras/cam-gate/config${method === 'POST' ? '/preview' : ''}`, deep);
      expect(res.statusCode, method).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'CONSOLE_BAD_REQUEST', message: 'the body is nested deeper than 32 levels (a camera\'s config needs about 6)' });
    }
    expect(readFileSync(box.configPath)).toEqual(before);
  });

  it('preview shows the diff and writes nothing; an unknown body field is refused', async () => {
    const before = readFileSync(box.configPath);
    const res = await send('POST', '/api/cameras/cam-gate/config/preview', { zones: [{ id: 'yard', points: [[0.2, 0.2], [0.8, 0.2], [0.8, 0.8]] }] });
    expect(res.statusCode).toBe(200);
    const { diff, errors } = res.json();
    expect(errors).toEqual([]);
    expect(diff).toContain('-        points: [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9]]   # the yard');
    expect(diff).toContain('+        points: [[0.2, 0.2], [0.8, 0.2], [0.8, 0.8]]   # the yard');
    expect(diff).not.toContain(CAMERA_PASSWORD);
    expect(readFileSync(box.configPath).equals(before)).toBe(true);
    const poisoned = await send('POST', '/api/cameras/cam-gate/config/preview', '{"zones": [{"__proto__": {"polluted": true}}]}');
    expect(poisoned.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const notJson = await send('POST', '/api/cameras/cam-gate/config/preview', '{zones: [');
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.code).toBe('CONSOLE_BAD_REQUEST');
    const bad = await send('POST', '/api/cameras/cam-gate/config/preview', { id: 'other' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'CONSOLE_BAD_REQUEST', field: 'id' });
  });

  it('an invalid edit is answered 422 with the fields at fault, and the file stays byte-identical', async () => {
    const before = readFileSync(box.configPath);
    const res = await send('PUT', '/api/cameras/cam-gate/config', {
      zones: [{ id: 'yard', points: [[0.1, 0.1], [0.9, 0.1]] }],
      rules: [{ id: 'yard-intrusion', type: 'zone_intrusion', zone: 'no-such-zone', classes: ['person'] }],
    });
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body.error.code).toBe('CONFIG_INVALID');
    const fields = body.errors.map((e: { field: string }) => e.field);
    expect(fields).toContain('zones[0].points');
    expect(fields).toContain('rules[0].zone');
    expect(readFileSync(box.configPath).equals(before)).toBe(true);
    expect(box.reloads).toBe(0);
  });

  it('a save keeps comments and the camera password, writes atomically with the same mode, and reloads only that camera', async () => {
    const newZone = { id: 'gate-lane', name: 'Gate lane', units: 'normalized', points: [[0.3, 0.5], [0.6, 0.5], [0.6, 0.9], [0.3, 0.9]] };
    const answer = (await get('/api/cameras/cam-gate/config')).json();
    const current = answer.camera;
    // The whole editable part of the camera as the page got it (redacted URL, defaults filled in) with its edit
    // (the fields the API accepts: camera blocks gained privacy/clips, which the console does not edit).
    const res = await send('PUT', '/api/cameras/cam-gate/config', {
      ...Object.fromEntries(Object.entries(current).filter(([k]) => (answer.editable as string[]).includes(k))),
      zones: [...current.zones, newZone],
      rules: [...current.rules, { id: 'lane-intrusion', type: 'zone_intrusion', zone: 'gate-lane', classes: ['car'], minSeconds: 1 }],
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.plan.restart).toEqual(['cam-gate']);
    expect(body.plan.unchanged).toEqual(['cam-street']);
    expect(box.reloads).toBe(1);
    const text = readFileSync(box.configPath, 'utf8');
    expect(text).toContain('# the gate camera: keep this comment');
    expect(text).toContain('dataDir: ');
    expect(text).toContain('       # where the store lives');
    expect(text).toContain(`rtsp://admin:${CAMERA_PASSWORD}@10.0.0.5:554/live`);
    expect(text).toContain(`password: ${MQTT_PASSWORD}`);
    expect(text).not.toContain('***');
    expect(text).toContain('id: gate-lane');
    expect(text).toContain('points: [[0.3, 0.5], [0.6, 0.5], [0.6, 0.9], [0.3, 0.9]]');
    // Only the edit: defaults the page sent back were not written into the other camera or the old zone.
    expect(body.diff.split('\n').filter((l: string) => l.startsWith('-') && !l.startsWith('---'))).toEqual([]);
    expect(body.diff).not.toContain(CAMERA_PASSWORD);
    expect(statSync(box.configPath).mode & 0o777).toBe(0o640);
    const reloaded = box.loaded.config.cameras.find((c) => c.id === 'cam-gate')!;
    expect(reloaded.zones.map((z) => z.id)).toEqual(['yard', 'gate-lane']);
  });

  it('two saves at once run one after the other: the second edits the file the first wrote', async () => {
    // Each save reads the file, splices its camera and writes the whole file: run side by side, both would
    // read the old file and the later write would drop the other's edit.
    const [gate, street] = await Promise.all([
      send('PUT', '/api/cameras/cam-gate/config', { name: 'Gate east' }),
      send('PUT', '/api/cameras/cam-street/config', { name: 'Street west' }),
    ]);
    expect([gate.statusCode, street.statusCode]).toEqual([200, 200]);
    const text = readFileSync(box.configPath, 'utf8');
    expect(text).toContain('name: Gate east');
    expect(text).toContain('name: Street west');
    expect(box.reloads).toBe(2);
  });

  it('a previous file that cannot be kept does not undo the save: backup null, the edit written and reloaded', async () => {
    // A file where the config-history folder should be: the copy fails, the save the technician asked for stands.
    writeFileSync(join(box.dir, 'var', 'config-history'), 'not a folder\n');
    const res = await send('PUT', '/api/cameras/cam-street/config', { name: 'Street west' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ written: true, backup: null });
    expect(readFileSync(box.configPath, 'utf8')).toContain('name: Street west');
    expect(box.reloads).toBe(1);
  });

  it('a *** written over the camera password is refused (422), the file unchanged', async () => {
    const before = readFileSync(box.configPath);
    const res = await send('PUT', '/api/cameras/cam-gate/config', { source: { url: 'rtsp://other:***@10.0.0.9/live' } });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].field).toBe('source.url');
    expect(readFileSync(box.configPath).equals(before)).toBe(true);
  });

  it('incidents: list with filters, one with its events, its snapshot, ack and resend; 404 for an unknown id', async () => {
    const first = makeRecord('r', 0);
    const gate = { ...first, incident: { ...first.incident, cameraId: 'cam-gate', type: 'zone_intrusion' } };
    const sent = box.store.save(gate);
    box.store.markSent(sent.seq); // published: a resend queues it again
    box.store.save(makeEvent(gate, 'update', 2));
    box.store.save(makeRecord('r', 1));
    const all = (await get('/api/incidents')).json().incidents;
    expect(all).toHaveLength(2);
    const filtered = (await get('/api/incidents?camera=cam-gate&status=update&limit=5')).json().incidents;
    expect(filtered.map((i: { id: string }) => i.id)).toEqual([gate.incident.id]);
    expect((await get('/api/incidents?status=end')).json().incidents).toEqual([]);
    expect((await get(`/api/incidents?until=${encodeURIComponent('2000-01-01T00:00:00Z')}`)).json().incidents).toEqual([]);
    expect((await get('/api/incidents?since=yesterday')).statusCode).toBe(400);
    const one = (await get(`/api/incidents/${gate.incident.id}`)).json();
    expect(one.events.map((e: { status: string }) => e.status)).toEqual(['new', 'update']);
    expect(one.hasSnapshot).toBe(true);
    const snap = await get(`/api/incidents/${gate.incident.id}/snapshot.jpg`);
    expect(snap.headers['content-type']).toBe('image/jpeg');
    expect(snap.rawPayload.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    // A bare POST (no body, or an empty JSON body) is what a page sends.
    const ack = await box.app.inject({ method: 'POST', url: `/api/incidents/${gate.incident.id}/ack`, headers: { host: '127.0.0.1:8089', 'content-type': 'application/json', ...AUTH } });
    expect(ack.statusCode).toBe(200);
    expect((await get('/api/incidents?status=acknowledged')).json().incidents).toHaveLength(1);
    const resend = await box.app.inject({ method: 'POST', url: `/api/incidents/${gate.incident.id}/resend`, headers: { host: '127.0.0.1:8089', ...AUTH } });
    expect(resend.json().queued).toBeGreaterThan(0);
    expect((await get('/api/incidents/nope123')).statusCode).toBe(404);
    expect((await send('POST', '/api/incidents/nope123/ack', {})).statusCode).toBe(404);
  });

  it('counts: rows of the count bins, filtered by camera and line', async () => {
    const { addCrossings, binPayload, emptyBin } = await import('../../../agent/counts/bins.js');
    const state = emptyBin('cam-gate', 60, Date.UTC(2026, 11, 7, 6, 0, 0));
    addCrossings(state, [{ ruleId: 'r', lineId: 'lane', className: 'car', direction: 'in', count: 4 }]);
    box.store.counts!.close([{ state, payload: binPayload(state, 'edge-test') }]);
    const rows = (await get('/api/counts?camera=cam-gate&line=lane')).json().rows;
    expect(rows).toEqual([expect.objectContaining({ cameraId: 'cam-gate', id: 'lane', className: 'car', in: 4, state: 'closed' })]);
    expect((await get('/api/counts?camera=cam-gate&line=other')).json().rows).toEqual([]);
  });
});

describe('console API beyond loopback', () => {
  it('reads need the token too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camwatch-console-'));
    try {
      const configPath = join(dir, 'camwatch.yaml');
      writeFileSync(configPath, configText(join(dir, 'var')));
      chmodSync(configPath, 0o600);
      const loaded = await loadConfig(configPath, { env: {} });
      const port = { loaded: () => loaded } as unknown as ConsolePort;
      const { app } = createConsoleApp({ port, settings: { host: '0.0.0.0', maxBodyBytes: 1024, liveFps: 4 }, token: TOKEN, storePath: join(dir, 'none.db'), logger });
      const res = await app.inject({ method: 'GET', url: '/api/schema', headers: { host: '192.0.2.10:8089' } });
      expect(res.statusCode).toBe(401);
      const ok = await app.inject({ method: 'GET', url: '/api/schema', headers: { host: '192.0.2.10:8089', ...AUTH } });
      expect(ok.statusCode).toBe(200);
      await app.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('console API on a read-only config (systemd ReadOnlyPaths, a :ro mount)', () => {
  it('says so before an edit (writable: false) and refuses the save with CONSOLE_CONFIG_UNWRITABLE, nothing changed', async () => {
    const mnt = mkdtempSync(join(tmpdir(), 'camwatch-ro-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    let box: Box | undefined;
    try {
      box = await makeBox({ configDir: mnt });
      execFileSync('mount', ['-o', 'remount,ro', mnt]);
      const headers = { host: '127.0.0.1:8089', 'content-type': 'application/json', ...AUTH };
      const config = await box.app.inject({ method: 'GET', url: '/api/cameras/cam-gate/config', headers });
      expect(config.json().writable).toBe(false);
      const before = readFileSync(box.configPath);
      const res = await box.app.inject({ method: 'PUT', url: '/api/cameras/cam-gate/config', headers, payload: JSON.stringify({ name: 'Gate 2' }) });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('CONSOLE_CONFIG_UNWRITABLE');
      expect(res.json().diff).toContain('+    name: Gate 2');
      expect(readFileSync(box.configPath).equals(before)).toBe(true);
    } finally {
      await box?.app.close();
      box?.store.close();
      execFileSync('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
      if (box) rmSync(box.dir, { recursive: true, force: true });
    }
  });
});
