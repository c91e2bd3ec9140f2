/**
 * The console against a real `camwatch run` process on real footage: two cameras on real videos with the
 * real YOLOX-nano model, the embedded broker, the console on a free port. Status shows frames analysed,
 * frame.jpg is the analysis frame, the live SSE stream carries detections, and a PUT of a new zone and rule
 * writes the file (comments kept), restarts only that camera, and its incidents show in /api/incidents.
 *
 * Scene: vn_saigon_intersection.mp4 (640×452 analysis frames), motorbikes and riders stopping on the zebra
 * crossing (y≈0.42–0.56) every 10 s loop; the zone and rule of agent-e2e.test.ts fire within seconds.
 */
import { get as httpGet, type IncomingMessage } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { assertNoAgentLeaks, startAgent } from '../helpers/agent-process.js';
import { runCli } from '../helpers/cli-process.js';
import { DATA_DIR, PROJECT_ROOT, videoPath } from '../helpers/data.js';
import { sseReader } from '../helpers/sse.js';

function writeConfig(dir: string): string {
  const path = join(dir, 'camwatch.yaml');
  writeFileSync(path, `# console integration test box
version: 1
agent:
  id: console-box
  dataDir: ${join(dir, 'var')}
models:
  dir: ${join(DATA_DIR, 'models')}
  manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')}
detection:
  model: yolox_nano_416
  scoreThreshold: 0.3
mqtt:
  embeddedPort: 0          # any free port: tests run side by side
health:
  enabled: false
console:
  port: 0                  # any free port
cameras:
  # the crossing: the console adds its zone and rule
  - id: saigon-01
    source:
      file: ${videoPath('vn_saigon_intersection.mp4')}
    analysis: { fps: 5, width: 640 }
  - id: highway-01
    source:
      file: ${videoPath('highway_traffic_degirum.mp4')}
    analysis: { fps: 2, width: 320 }
`);
  return path;
}

async function json(url: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, body: await res.json() };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Reads SSE events from a live stream until `done` says so; resolves the events and the response (still open). */
function readLive(url: string, done: (events: any[]) => boolean, timeoutMs: number): Promise<{ events: any[]; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const events: any[] = [];
    const req = httpGet(url, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`live answered ${res.statusCode}`));
      res.setEncoding('utf8');
      const read = sseReader((e) => {
        if (e.event === 'frame') events.push(JSON.parse(e.data));
      });
      res.on('data', (chunk: string) => {
        read(chunk);
        if (done(events)) {
          clearTimeout(timer);
          resolve({ events, res });
        }
      });
    });
    req.on('error', reject);
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`live: ${events.length} events in ${timeoutMs} ms, condition not met`));
    }, timeoutMs);
  });
}

describe('console on a running agent (real process, real video, real model)', () => {
  let dir: string;
  let configPath: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-console-it-'));
    configPath = writeConfig(dir);
  });
  afterEach(() => assertNoAgentLeaks());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('status, frame, live detections, a saved zone + rule that restarts only its camera and raises incidents', async () => {
    const agent = startAgent(['run', '--config', configPath]);
    onTestFinished(async () => {
      await agent.kill();
    });
    const listening = await agent.waitForLog((e) => typeof e.msg === 'string' && e.msg.startsWith('console listening'), 60_000);
    const base = String(listening.url).replace(/\/$/, '');
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const token = readFileSync(join(dir, 'var', 'console-token'), 'utf8').trim();
    expect(agent.lines.join('\n')).not.toContain(token);

    // The CLI prints the link with the token in its fragment.
    const cli = await runCli(['console', 'url', '--config', configPath, '--json']);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout).url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:0/#token=${token}$`));

    const analysed = await until('frames analysed on saigon-01', 60_000, async () => {
      const { body } = await json(`${base}/api/status`);
      const cam = body.cameras.find((c: { id: string }) => c.id === 'saigon-01');
      return cam?.framesAnalysed > 0 ? body : undefined;
    });
    expect(analysed.cameras.map((c: { id: string }) => c.id)).toEqual(['saigon-01', 'highway-01']);

    const frame = await fetch(`${base}/api/cameras/saigon-01/frame.jpg`);
    expect(frame.headers.get('content-type')).toBe('image/jpeg');
    const meta = await sharp(Buffer.from(await frame.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 640, 452]);

    const { events, res } = await readLive(`${base}/api/cameras/saigon-01/live`, (ev) => ev.some((e) => e.detections.length > 0 && e.tracks.length > 0), 30_000);
    const withBoxes = events.find((e) => e.detections.length > 0)!;
    expect([withBoxes.width, withBoxes.height]).toEqual([640, 452]);
    expect(Buffer.from(withBoxes.jpeg, 'base64').subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    for (const d of withBoxes.detections) {
      expect(d.box[2]).toBeLessThanOrEqual(640);
      expect(d.box[0]).toBeLessThan(d.box[2]);
    }
    expect((await json(`${base}/api/status`)).body.console.viewers).toBe(1);
    res.destroy();
    await until('the viewer to be counted out', 5_000, async () => ((await json(`${base}/api/status`)).body.console.viewers === 0 ? true : undefined));

    // Save a zone and a rule for saigon-01 only.
    const zone = { id: 'zebra-crossing', points: [[0.3, 0.4], [0.98, 0.4], [0.98, 0.58], [0.3, 0.58]] };
    const rule = { id: 'stopped-on-crossing', type: 'zone_intrusion', zone: 'zebra-crossing', classes: ['person', 'motorcycle', 'bicycle'], minSeconds: 1 };
    const refused = await json(`${base}/api/cameras/saigon-01/config`, { method: 'PUT', body: { zones: [zone] } });
    expect(refused.status).toBe(401);
    const before = readFileSync(configPath, 'utf8');
    const saved = await json(`${base}/api/cameras/saigon-01/config`, { method: 'PUT', body: { zones: [zone], rules: [rule] }, token });
    expect(saved.status).toBe(200);
    // The file it replaced is kept for a rollback by hand (docs/operations.md).
    expect(saved.body.backup).toMatch(new RegExp(`^${join(dir, 'var', 'config-history')}/\\d{4}-.*Z\\.yaml$`));
    expect(readFileSync(saved.body.backup, 'utf8')).toBe(before);
    expect(saved.body.plan).toMatchObject({ restart: ['saigon-01'], unchanged: ['highway-01'], start: [], stop: [] });
    const reloaded = await agent.waitForLog((e) => e.msg === 'config reloaded', 30_000);
    expect(reloaded).toMatchObject({ restarted: ['saigon-01'], unchanged: ['highway-01'] });
    const text = readFileSync(configPath, 'utf8');
    expect(text).toContain('  # the crossing: the console adds its zone and rule');
    expect(text).toContain('  embeddedPort: 0          # any free port: tests run side by side');
    expect(text).toContain('points: [[0.3, 0.4], [0.98, 0.4], [0.98, 0.58], [0.3, 0.58]]');

    const incidents = await until('a zone_intrusion incident of the new rule', 60_000, async () => {
      const { body } = await json(`${base}/api/incidents?camera=saigon-01&type=zone_intrusion`);
      return body.incidents.length > 0 ? body.incidents : undefined;
    });
    expect(incidents[0]).toMatchObject({ cameraId: 'saigon-01', ruleId: 'stopped-on-crossing', zoneId: 'zebra-crossing' });

    // A live viewer connected at stop is closed cleanly and the agent exits 0.
    const open = await readLive(`${base}/api/cameras/saigon-01/live`, (ev) => ev.length > 0, 20_000);
    const ended = new Promise<void>((resolve) => open.res.once('end', () => resolve()).once('close', () => resolve()));
    expect(await agent.stop()).toBe(0);
    await ended;
  }, 240_000);
});
