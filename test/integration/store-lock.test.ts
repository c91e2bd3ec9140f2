/**
 * One agent per data directory (issue 16, finding 6), with real `camwatch run` processes. Before, nothing
 * locked agent.dataDir: a second agent started, and with the same client id the two knocked each other
 * off the broker every second while both published. Now the second is refused at start-up, before it opens
 * the store or a port, with STORE_LOCKED naming the first; read-only commands keep working beside the
 * running agent; and a kill -9 leaves no stale lock behind (the kernel drops the fcntl lock with the process).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertNoAgentLeaks, startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { runCli } from '../helpers/cli-process.js';
import { DATA_DIR, PROJECT_ROOT } from '../helpers/data.js';

const dirs: string[] = [];
afterEach(() => {
  assertNoAgentLeaks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A config on `dataDir` (no camera: the lock is taken before any); each file has its own name, as two installs would. */
function writeConfig(dir: string, name: string, dataDir: string): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, `
version: 1
agent: { id: lock-box, dataDir: ${dataDir} }
models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
mqtt: { embeddedHost: 127.0.0.1, embeddedPort: 0 }
health: { host: 127.0.0.1, port: 0 }
`);
  return path;
}

const started = (a: AgentProcess) => a.waitForLog((e) => e.msg === 'agent started', 60_000);

describe('data directory lock (real agent processes)', () => {
  it('a second agent on the same dataDir exits 1 naming the first; incidents list and doctor still work; after kill -9 a new agent starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camwatch-store-lock-'));
    dirs.push(dir);
    const dataDir = join(dir, 'var');
    const firstConfig = writeConfig(dir, 'first', dataDir);
    const secondConfig = writeConfig(dir, 'second', dataDir);

    const first = startAgent(['run', '--config', firstConfig]);
    await started(first);
    const firstPid = first.child.pid!;

    const second = startAgent(['run', '--config', secondConfig]);
    const refusal = await second.waitForLog((e) => e.level === 'fatal' || e.msg === 'agent started', 60_000);
    expect(await second.stop()).toBe(1);
    expect(refusal.level).toBe('fatal');
    const message = String(refusal.msg);
    expect(message).toMatch(/^STORE_LOCKED: data directory .* is in use by another camwatch agent/);
    for (const part of [dataDir, `pid ${firstPid}`, hostname(), firstConfig, 'agent lock-box']) expect(message).toContain(part);
    expect(message).toMatch(/started \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    expect(message).toContain('systemctl stop camwatch');
    // Refused before anything else: it never opened the store, a port or the model.
    expect(second.lines.join('\n')).not.toMatch(/embedded MQTT broker|server listening|store opened|agent started/);

    // Read-only commands beside the running agent.
    const [list, doctor] = await Promise.all([
      runCli(['incidents', 'list', '--config', secondConfig, '--json'], { env: { CAMWATCH_LOG_LEVEL: 'silent' } }),
      runCli(['doctor', '--config', secondConfig, '--json'], { env: { CAMWATCH_LOG_LEVEL: 'silent' }, timeoutMs: 60_000 }),
    ]);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
    const database = (JSON.parse(doctor.stdout) as { checks: Array<{ name: string; status: string; detail: string }> }).checks.find((c) => c.name === 'database');
    expect(database?.status).toBe('pass');
    expect(database?.detail).toContain(`in use by the agent pid ${firstPid}`);

    // kill -9: no chance to clean up; the kernel releases the lock with the process.
    await first.kill();
    const third = startAgent(['run', '--config', secondConfig]);
    await started(third);
    expect(await third.stop()).toBe(0);
  }, 120_000);
});
