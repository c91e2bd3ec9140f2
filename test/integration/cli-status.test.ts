/**
 * `camwatch status` against a real agent (`camwatch run` on a real clip, health on a port the OS picks),
 * a stand-in health server serving the documented /status JSON (exact layout), and against nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { AgentStatus } from '../../agent/ops/status-report.js';
import { assertNoAgentLeaks, startAgent } from '../helpers/agent-process.js';
import { runCli } from '../helpers/cli-process.js';
import { DATA_DIR, PROJECT_ROOT, videoPath } from '../helpers/data.js';
import { freePort } from '../helpers/mosquitto.js';

const STATUS = {
  agentId: 'edge-status',
  version: '0.1.0',
  uptimeS: 7_325,
  model: 'yolox_nano_416',
  detector: { busyFraction: 0.42, queued: 0 },
  uplink: { connected: true, published: 1_234, pending: 3 },
  cameras: [
    {
      id: 'saigon-01', state: 'online', framesDecoded: 36_000, framesDropped: 12, framesAnalysed: 35_900, inferencesRun: 9_000,
      inferencesSkipped: 26_900, framesShed: 0, targetFps: 5, analysisFps: 4.98, incidents: 7, reconnects: 0, latencyP50Ms: 80.2, latencyP95Ms: 212.6,
      pipeline: { framesAnalysed: 35_900, framesWithMotion: 9_000, inferencesRun: 9_000, inferencesSkipped: 26_900, framesShed: 0, detections: 1, ruleHits: 1, latencyMsTotal: 1, latencyMsMax: 1 },
    },
    {
      id: 'gate-02', state: 'down', framesDecoded: 0, framesDropped: 0, framesAnalysed: 0, inferencesRun: 0, inferencesSkipped: 0,
      framesShed: 0, targetFps: 5, analysisFps: 0, incidents: 1, reconnects: 5, lastError: 'camera rejected the credentials (401 Unauthorized)',
      pipeline: { framesAnalysed: 0, framesWithMotion: 0, inferencesRun: 0, inferencesSkipped: 0, framesShed: 0, detections: 0, ruleHits: 0, latencyMsTotal: 0, latencyMsMax: 0 },
    },
  ],
};

function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string; port: number }> {
  const server = createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}`, port });
    }),
  );
}

describe('camwatch status (spawned)', () => {
  let agent: { server: Server; url: string; port: number };
  let other: { server: Server; url: string };
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-cli-status-'));
    agent = await listen((req, res) => {
      const json = (code: number, body: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/status') return json(200, STATUS);
      if (req.url === '/readyz') return json(503, { status: 'not ready', checks: { uplink: { ok: true }, 'camera:gate-02': { ok: false, detail: 'down: camera rejected the credentials (401 Unauthorized)' } } });
      json(404, { error: 'not found' });
    });
    other = await listen((_req, res) => {
      res.writeHead(404);
      res.end('nothing here');
    });
  });
  afterAll(async () => {
    await new Promise((r) => agent.server.close(r));
    await new Promise((r) => other.server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the agent, readiness, broker backlog and one row per camera', async () => {
    const r = await runCli(['status', '--url', agent.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('agent    edge-status (camwatch 0.1.0, model yolox_nano_416), up 2h 02m');
    expect(lines[1]).toBe('ready    no: camera:gate-02 (down: camera rejected the credentials (401 Unauthorized))');
    expect(lines[2]).toBe('broker   connected; 1234 published since start, 3 waiting to be sent');
    expect(lines[3]).toBe('detector busy 42% of the time, 0 waiting');
    expect(lines[5]).toMatch(/^CAMERA\s+STATE\s+FPS\/TARGET\s+ANALYSED\s+DROPPED\s+SHED\s+DETECTOR\s+STILL\s+INCIDENTS\s+RECONNECTS\s+P95 MS\s+LAST ERROR$/);
    expect(lines[6]).toMatch(/^saigon-01\s+online\s+5\.0\/5\s+35900\s+12\s+0\s+9000\s+26900\s+7\s+0\s+213\s+-$/);
    expect(lines[7]).toMatch(/^gate-02\s+down\s+0\.0\/5\s+0\s+0\s+0\s+0\s+0\s+1\s+5\s+-\s+camera rejected the credentials \(401 Unauthorized\)$/);
  });

  it('--json prints what the agent answered', async () => {
    const r = await runCli(['status', '--url', `${agent.url}/`, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(STATUS);
  });

  it('--config takes the address from the health section', async () => {
    const config = join(dir, 'camwatch.yaml');
    writeFileSync(config, `health: { host: 0.0.0.0, port: ${agent.port} }\n`);
    const r = await runCli(['status', '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^agent {4}edge-status/);
  });

  it('nothing listening: says the agent is not running and how to check, exit 1', async () => {
    const r = await runCli(['status', '--url', `http://127.0.0.1:${await freePort()}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/cannot ask the agent at http:\/\/127\.0\.0\.1:\d+\/status: connection refused: no agent is listening there\.\n  → Is it running\? systemctl status camwatch/);
  });

  it('something else listening: says it is not a camwatch agent, exit 1', async () => {
    const r = await runCli(['status', '--url', other.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('answered 404: this is not a camwatch agent');
  });

  it('a hung agent (accepts, never answers): says so within the timeout, exit 1', async () => {
    const hung = await listen(() => undefined);
    try {
      const r = await runCli(['status', '--url', hung.url]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cannot ask the agent at ${hung.url}/status: no answer within 3 s: the agent may be hung.`);
    } finally {
      hung.server.closeAllConnections();
      await new Promise((r) => hung.server.close(r));
    }
  });

  it('usage errors exit 2', async () => {
    const ftp = await runCli(['status', '--url', 'ftp://127.0.0.1:9464']);
    expect(ftp.code).toBe(2);
    expect(ftp.stderr).toContain('is not an http:// address');
    const r = await runCli(['status', '--url', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--url "nope" is not a URL');
  });
});

describe('camwatch status against a running agent', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-cli-status-live-'));
  });
  afterEach(() => assertNoAgentLeaks());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json shows the camera of the real agent; the table lists it online with a p95 latency', async () => {
    const config = join(dir, 'camwatch.yaml');
    // Port 0 everywhere: the OS picks free ports, and the agent logs the health URL it got.
    writeFileSync(
      config,
      `agent: { id: status-box, dataDir: ./var }
models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
mqtt: { embeddedPort: 0 }
health: { port: 0 }
cameras:
  - id: street
    source: { file: ${videoPath('residential_street_ahmetozlu.mp4')} }
    analysis: { fps: 2, width: 320 }
`,
    );
    const agent = startAgent(['run', '--config', config]);
    onTestFinished(() => agent.kill());
    const listening = await agent.waitForLog((e) => e.msg === 'health and metrics server listening', 60_000);
    const url = String(listening.url);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await agent.waitForLog((e) => e.msg === 'agent started', 60_000);

    // Frames take a moment to flow after start: ask until the camera has analysed some.
    let status: AgentStatus | undefined;
    for (let i = 0; i < 20; i++) {
      const r = await runCli(['status', '--url', url, '--json']);
      expect(r.code, r.stderr).toBe(0);
      status = JSON.parse(r.stdout) as AgentStatus;
      if ((status.cameras[0]?.framesAnalysed ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(status!.agentId).toBe('status-box');
    expect(status!.cameras).toEqual([expect.objectContaining({ id: 'street', state: 'online', framesAnalysed: expect.any(Number) })]);
    expect(status!.cameras[0]!.framesAnalysed).toBeGreaterThan(0);
    expect(status!.uplink).toEqual(expect.objectContaining({ connected: true }));
    // The main thread's lateness, measured in the running agent (a small box at 2 fps: well under a second).
    expect(status!.eventLoop).toEqual({ p99Ms: expect.any(Number), maxMs: expect.any(Number) });
    expect(status!.eventLoop!.p99Ms).toBeLessThan(1_000);

    const table = await runCli(['status', '--url', url]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^agent {4}status-box \(camwatch \d+\.\d+\.\d+, model yolox_nano_416\), up \d+/m);
    expect(table.stdout).toMatch(/^main thread late by [\d.]+ ms at p99 \(max [\d.]+ ms\) over the last 10 s$/m);
    expect(table.stdout).toMatch(/^street\s+online\s+\d+\.\d\/2\s+[1-9]\d*\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+0\s+\d+\s+-$/m);
    expect(await agent.stop()).toBe(0);
  }, 90_000);

  it('--url http://127.0.0.1:1 (nothing there): "connection refused", what to check, exit 1', async () => {
    const r = await runCli(['status', '--url', 'http://127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'camwatch status: cannot ask the agent at http://127.0.0.1:1/status: connection refused: no agent is listening there.\n' +
        '  → Is it running? systemctl status camwatch (or journalctl -u camwatch -n 50). If health.port or health.host differ, give --url or --config.\n',
    );
  });
});
