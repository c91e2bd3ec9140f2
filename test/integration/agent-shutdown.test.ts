/**
 * How `camwatch run` stops, as systemd or a technician stops it: a real agent process with a real camera
 * (ffmpeg on a clip) and the real model. SIGTERM with a part that hangs on stop (the test-only fault hook
 * CAMWATCH_TEST_HANG_STOP): that part's deadline passes, it is logged by name, the others still stop, and
 * the process exits 1 instead of hanging. Parts that hang longer in all than the whole stop's 10 s: exit 1
 * at that deadline. A second SIGTERM exits at once with 143; the SQLite store stays intact (write-ahead log).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { DEFAULT_SHUTDOWN_DEADLINE_MS } from '../../agent/cli/commands/run.js';
import { DEFAULT_COMPONENT_STOP_DEADLINE_MS } from '../../agent/ops/component.js';
import { assertNoAgentLeaks, startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { DATA_DIR, PROJECT_ROOT, videoPath } from '../helpers/data.js';
import { freePort } from '../helpers/mosquitto.js';

describe('camwatch run: shutdown deadlines and a second signal', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-shutdown-'));
  });
  afterEach(() => assertNoAgentLeaks());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function runAgent(name: string, env: NodeJS.ProcessEnv): Promise<{ agent: AgentProcess; dataDir: string; exited: Promise<number | null> }> {
    const dataDir = join(dir, name);
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, `
agent: { id: ${name}, dataDir: ${dataDir} }
models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
mqtt: { embeddedPort: ${await freePort()} }
health: { enabled: false }
cameras:
  - id: street
    source: { file: ${videoPath('residential_street_ahmetozlu.mp4')} }
    analysis: { fps: 2, width: 320 }
`);
    const agent = startAgent(['run', '--config', path], env);
    onTestFinished(async () => { await agent.kill(); });
    const exited = new Promise<number | null>((resolve) => agent.child.once('exit', (code) => resolve(code)));
    await agent.waitForLog((e) => e.msg === 'agent started', 30_000);
    return { agent, dataDir, exited };
  }

  const integrity = (dataDir: string): string => {
    const db = new Database(join(dataDir, 'camwatch.db'), { readonly: true, fileMustExist: true });
    try {
      return String(db.pragma('integrity_check', { simple: true }));
    } finally {
      db.close();
    }
  };

  it('a part that hangs on stop: its deadline passes, it is named, the others stop, exit 1', async () => {
    const { agent, dataDir, exited } = await runAgent('hang-box', { CAMWATCH_TEST_HANG_STOP: 'detector' });
    const t0 = Date.now();
    agent.child.kill('SIGTERM');
    const hung = await agent.waitForLog((e) => e.componentName === 'detector', 15_000);
    expect(hung.msg).toBe(`detector did not stop within ${DEFAULT_COMPONENT_STOP_DEADLINE_MS} ms; stopping the others`);
    const stopped = await agent.waitForLog((e) => e.msg === 'agent stopped', 15_000);
    expect(stopped.failed).toEqual(['detector']);
    // The reverse of the start order, as docs/operations.md (Stopping) lists it: what feeds a part stops before it.
    expect(stopped.order).toEqual(['stats', 'console', 'cameras', 'detector', 'uplink', 'broker', 'clip upload', 'clips', 'store writer', 'store maintenance', 'store', 'health', 'data directory lock']);
    expect(await exited).toBe(1);
    // The deadline, not the 10 s shutdown backstop and not a SIGKILL, ended it.
    expect(Date.now() - t0).toBeLessThan(10_000);
    const lines = agent.lines.join('\n');
    expect(lines).toContain('not every part stopped cleanly: detector (timeout)');
    // Parts stopped after the hung one: the cameras before it, the uplink and the store after it.
    expect(lines).toContain('uplink stopped');
    expect(integrity(dataDir)).toBe('ok');
  }, 60_000);

  it('parts that hang longer than the whole stop may take: exit 1 at the shutdown deadline, not later', async () => {
    // 3 s (detector) + 6 s (uplink) + 3 s (store writer) of part deadlines: past the 10 s of the whole stop.
    const { agent, dataDir, exited } = await runAgent('backstop-box', { CAMWATCH_TEST_HANG_STOP: 'detector,uplink,store writer' });
    const t0 = Date.now();
    agent.child.kill('SIGTERM');
    expect(await exited).toBe(1);
    const tookMs = Date.now() - t0;
    expect(tookMs).toBeGreaterThanOrEqual(DEFAULT_SHUTDOWN_DEADLINE_MS - 500);
    expect(tookMs).toBeLessThan(DEFAULT_SHUTDOWN_DEADLINE_MS + 3_000);
    const lines = agent.lines.join('\n');
    expect(lines).toContain(`the agent did not stop within ${DEFAULT_SHUTDOWN_DEADLINE_MS / 1000} s; exiting`);
    expect(lines).toContain('detector did not stop within');
    expect(lines).not.toContain('agent stopped');
    expect(integrity(dataDir)).toBe('ok');
  }, 60_000);

  it('a second SIGTERM exits at once with 143; the store is intact', async () => {
    // The hung detector holds the first stop for its 3 s deadline: the second signal lands during shutdown.
    const { agent, dataDir, exited } = await runAgent('twice-box', { CAMWATCH_TEST_HANG_STOP: 'detector' });
    agent.child.kill('SIGTERM');
    await agent.waitForLog((e) => e.msg === 'stopping', 10_000);
    const t0 = Date.now();
    agent.child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(Date.now() - t0).toBeLessThan(DEFAULT_COMPONENT_STOP_DEADLINE_MS);
    const lines = agent.lines.join('\n');
    expect(lines).toContain('second signal: exiting now');
    expect(lines).not.toContain('agent stopped');
    expect(integrity(dataDir)).toBe('ok');
  }, 60_000);
});
