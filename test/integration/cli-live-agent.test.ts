/**
 * The operator commands against a real running agent (`camwatch run` on a real clip, embedded broker):
 * `status` reads the agent's own /status, `tail` prints the incidents the agent publishes. This is what
 * keeps the CLI and the agent's JSON and topics in step.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { assertNoAgentLeaks, startAgent } from '../helpers/agent-process.js';
import { runCli, startCli } from '../helpers/cli-process.js';
import { DATA_DIR, PROJECT_ROOT, videoPath } from '../helpers/data.js';
import { freePort } from '../helpers/mosquitto.js';

describe('status and tail against a running agent', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-cli-live-'));
  });
  afterEach(() => assertNoAgentLeaks());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('status shows the camera online with frames analysed; tail prints the agent\'s incidents', async () => {
    const config = join(dir, 'camwatch.yaml');
    writeFileSync(
      config,
      `agent: { id: live-box, dataDir: ./var }
models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
mqtt: { embeddedPort: ${await freePort()} }
health: { port: ${await freePort()} }
cameras:
  - id: street
    source: { file: ${videoPath('residential_street_ahmetozlu.mp4')} }
    analysis: { fps: 2, width: 320 }
    zones: [{ id: everywhere, points: [[0, 0], [1, 0], [1, 1], [0, 1]] }]
    rules: [{ id: any-car, type: zone_intrusion, zone: everywhere, classes: [car], minSeconds: 0 }]
`,
    );
    const agent = startAgent(['run', '--config', config]);
    onTestFinished(async () => {
      await agent.kill();
    });
    await agent.waitForLog((e) => e.msg === 'agent started', 60_000);

    // tail first: the incidents of the next seconds must reach it.
    const tail = startCli(['tail', '--config', config], { cwd: dir });
    onTestFinished(() => tail.kill());
    await tail.waitFor('stderr', /watching camwatch\/live-box\/…/);
    const line = await tail.waitFor('stdout', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}street {2}zone_intrusion {2}new {2}.+ {2}car 0\.\d\d {2}[0-9A-Z]{26}$/m, 45_000);
    expect(line).toContain('street');

    const r = await runCli(['status', '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^agent {4}live-box \(camwatch \d+\.\d+\.\d+, model yolox_nano_416\), up \d+s/m);
    expect(r.stdout).toMatch(/^broker {3}connected; \d+ published since start, \d+ waiting to be sent$/m);
    expect(r.stdout).toMatch(/^detector busy \d+% of the time, \d+ waiting/m);
    // ANALYSED, DETECTOR and INCIDENTS above zero; no reconnects, a p95 latency, no error.
    expect(r.stdout).toMatch(/^street\s+online\s+\d+\.\d\/2\s+[1-9]\d*\s+\d+\s+\d+\s+[1-9]\d*\s+\d+\s+[1-9]\d*\s+0\s+\d+\s+-$/m);

    tail.child.kill('SIGINT');
    expect(await tail.exited).toBe(0);
    expect(await agent.stop()).toBe(0);
  }, 120_000);
});
