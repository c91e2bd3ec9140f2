/**
 * Full-resolution stills from a real RTSP camera (the GStreamer test server on real footage, digest auth): the
 * agent analyses the sub stream at 480 px and, for each new incident, fetches one frame of the main stream
 * (onvif.mainStreamUri, with the source's username and password); the store keeps it beside the evidence, box
 * drawn and privacy mask black; `incidents show --full-snapshot` writes it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { assertNoAgentLeaks, startAgent } from '../helpers/agent-process.js';
import { runCli } from '../helpers/cli-process.js';
import { DATA_DIR, PROJECT_ROOT, videoPath } from '../helpers/data.js';
import { assertNoMosquittoLeaks, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { collect, type Collector } from '../helpers/mqtt-collector.js';
import { startRtspServer, type TestRtspServer } from '../helpers/rtsp-server.js';
import { regionLevels } from '../helpers/still-pixels.js';

const PASSWORD = 'st1lls-Secret';

describe('full-resolution stills from the main stream', () => {
  let dir: string;
  let broker: Mosquitto;
  let rtsp: TestRtspServer;
  let ioc: Collector;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-fullstill-'));
    broker = await startMosquitto();
    const saigon = videoPath('vn_saigon_intersection.mp4');
    rtsp = await startRtspServer({ mounts: { '/sub': saigon, '/main': saigon }, user: 'admin', password: PASSWORD });
    ioc = await collect(broker.url, 'camwatch/full-box/incidents/#');
  });
  afterEach(() => assertNoAgentLeaks());
  afterAll(async () => {
    await ioc?.close();
    await rtsp?.stop();
    await broker?.dispose();
    await assertNoMosquittoLeaks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a main-stream still of each new incident, at the stream\'s size, box drawn and mask black', async () => {
    writeFileSync(join(dir, 'cam.password'), PASSWORD, { mode: 0o600 });
    const config = join(dir, 'camwatch.yaml');
    writeFileSync(
      config,
      `
agent: { id: full-box, dataDir: ${join(dir, 'var')} }
models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
mqtt: { url: "${broker.url}" }
health: { port: 0 }
cameras:
  - id: saigon-01
    source: { url: "${rtsp.url('/sub')}", username: admin, passwordFile: cam.password }
    analysis: { fps: 5, width: 480 }
    onvif: { xaddr: "http://127.0.0.1:1/onvif/device_service", mainStreamUri: "${rtsp.url('/main')}" }
    stills: { fullResolution: true }
    lines: [{ id: l, from: [0.55, 0.72], to: [1.0, 0.72] }]
    rules: [{ id: count, type: line_crossing, line: l, incident: true }]
    privacy: { masks: [{ id: shop-front, points: [[0, 0], [0.35, 0], [0.35, 0.3], [0, 0.3]] }] }
`,
    );
    const agent = startAgent(['run', '--config', config]);
    onTestFinished(async () => {
      await agent.kill();
    });
    await ioc.waitFor((all) => all.length > 0, 45_000, 'an incident');
    const event = JSON.parse(ioc.messages[0]!.payload.toString()) as { id: string; snapshot: { width: number } };
    // What the IOC receives is unchanged: the analysis-size evidence.
    expect(event.snapshot.width).toBe(480);
    const exitCode = await agent.stop();
    expect(exitCode, `graceful stop; last log lines:\n${agent.lines.slice(-15).join('\n')}`).toBe(0);
    expect(agent.lines.join('\n')).not.toContain(PASSWORD);
    const took = agent.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg?: string; grabMs?: number; width?: number }).find((e) => e.msg === 'full-resolution still taken');
    expect(took).toMatchObject({ width: 1018 });
    // The frame comes later than the analysed one (RTSP connect, auth, first keyframe): bounded by stills.timeoutSeconds.
    expect(took!.grabMs).toBeLessThan(5_000);

    const fullPath = join(dir, 'full.jpg');
    const shown = await runCli(['incidents', 'show', event.id, '--config', config, '--full-snapshot', fullPath], { cwd: dir });
    expect(shown.code, shown.stderr).toBe(0);
    const full = readFileSync(fullPath);
    expect(await sharp(full).metadata()).toMatchObject({ format: 'jpeg', width: 1018, height: 720 });
    const inside = await regionLevels(full, { x0: 0.02, y0: 0.02, x1: 0.33, y1: 0.28 });
    expect(inside.mean).toBeLessThan(8);
    expect((await regionLevels(full, { x0: 0.4, y0: 0.02, x1: 0.71, y1: 0.28 })).mean).toBeGreaterThan(60);
  }, 90_000);
});
