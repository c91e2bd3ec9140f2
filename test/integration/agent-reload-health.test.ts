/**
 * A technician's view of a running agent: /status, /readyz and /metrics on the loopback health server,
 * and SIGHUP hot reload that restarts only the camera whose config changed, rejects an invalid file and
 * keeps the old config running. Two real clips stand in for two cameras; the embedded broker is used.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { AgentStatus } from '../../agent/ops/status-report.js';
import { assertNoAgentLeaks, startAgent } from '../helpers/agent-process.js';
import { DATA_DIR, PROJECT_ROOT, videoPath } from '../helpers/data.js';
import { freePort } from '../helpers/mosquitto.js';

function config(dir: string, brokerPort: number, highwayFps: number): string {
  return `
agent: { id: reload-box, dataDir: ${join(dir, 'var')} }
models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
mqtt: { embeddedPort: ${brokerPort} }
health: { port: 0 }
cameras:
  - id: street
    source: { file: ${videoPath('residential_street_ahmetozlu.mp4')} }
    analysis: { fps: 2, width: 320 }
  - id: highway
    source: { file: ${videoPath('highway_traffic_degirum.mp4')} }
    analysis: { fps: ${highwayFps}, width: 320 }
`;
}


describe('health server and hot reload of a running agent', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-reload-'));
  });
  afterEach(() => assertNoAgentLeaks());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves status, readiness and Prometheus metrics; SIGHUP restarts only the changed camera', async () => {
    const path = join(dir, 'camwatch.yaml');
    const brokerPort = await freePort();
    writeFileSync(path, config(dir, brokerPort, 2));
    const agent = startAgent(['run', '--config', path]);
    onTestFinished(async () => { await agent.kill(); });

    const listening = await agent.waitForLog((e) => e.msg === 'health and metrics server listening', 30_000);
    const base = String(listening.url);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const status = async () => (await (await fetch(`${base}/status`)).json()) as AgentStatus;
    const camera = (s: AgentStatus, id: string) => s.cameras.find((c) => c.id === id)!;

    // Both cameras analyse frames; the box is ready.
    await expect.poll(async () => (await status()).cameras.filter((c) => c.framesAnalysed >= 2).length, { timeout: 30_000, interval: 200 }).toBe(2);
    let s = await status();
    expect(s.agentId).toBe('reload-box');
    expect(s.cameras.map((c) => c.id).sort()).toEqual(['highway', 'street']);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status, JSON.stringify(await ready.clone().json())).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    // Metrics parse as Prometheus text and carry per-camera series and the inference histogram.
    const families = parsePrometheusTextFormat(await (await fetch(`${base}/metrics`)).text());
    const family = (name: string) => families.find((f) => f.name === name);
    const analysed = family('camwatch_frames_analysed_total')!;
    expect(analysed.metrics.map((m) => m.labels?.camera).sort()).toEqual(['highway', 'street']);
    expect(Number(analysed.metrics[0]!.value)).toBeGreaterThan(0);
    const inference = family('camwatch_inference_seconds')!;
    expect(inference.type).toBe('HISTOGRAM');
    expect(Number(inference.metrics[0]!.count)).toBeGreaterThan(0);
    expect(family('camwatch_outbox_backlog')?.type).toBe('GAUGE');

    // Reload with the highway camera changed: only it restarts; the street camera never pauses.
    const streetBefore = camera(s, 'street');
    writeFileSync(path, config(dir, brokerPort, 3));
    agent.child.kill('SIGHUP');
    const reloaded = await agent.waitForLog((e) => e.msg === 'config reloaded', 30_000);
    expect(reloaded.restarted).toEqual(['highway']);
    expect(reloaded.unchanged).toEqual(['street']);
    // The street camera goes on analysing through the reload (waited for, not slept on).
    await expect.poll(async () => camera(await status(), 'street').framesAnalysed, { timeout: 15_000, interval: 200 }).toBeGreaterThan(streetBefore.framesAnalysed + 2);
    s = await status();
    const streetAfter = camera(s, 'street');
    expect(streetAfter.framesDecoded).toBeGreaterThan(streetBefore.framesDecoded);
    expect(streetAfter.framesAnalysed).toBeGreaterThan(streetBefore.framesAnalysed);
    expect(streetAfter.reconnects).toBe(0);

    // An invalid file is rejected; both cameras keep running on the previous config.
    writeFileSync(path, 'cameras:\n  - id: street\n    source: { file: x.mp4 }\n    analysis: { fps: "fast" }\n');
    agent.child.kill('SIGHUP');
    const rejected = await agent.waitForLog((e) => String(e.msg).startsWith('config reload rejected'), 30_000);
    expect(String(rejected.msg)).toContain('cameras[0].analysis.fps');
    const beforeInvalid = camera(await status(), 'street').framesAnalysed;
    await expect.poll(async () => camera(await status(), 'street').framesAnalysed, { timeout: 15_000, interval: 200 }).toBeGreaterThan(beforeInvalid);
    s = await status();
    expect(s.cameras.map((c) => c.id).sort()).toEqual(['highway', 'street']);

    expect(await agent.stop()).toBe(0);
  }, 120_000);
});
