/** `camwatch console url`, spawned as a technician types it on the box (no agent needed: it reads the token file). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-process.js';
import { PROJECT_ROOT } from '../helpers/data.js';

describe('camwatch console url (spawned)', () => {
  let dir: string;
  const config = (extra: string) => {
    const path = join(dir, `camwatch-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(path, `agent: { dataDir: ${join(dir, 'var')} }\nmodels: { manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }\n${extra}`);
    return path;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-console-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--help explains the tunnel; a missing subcommand is a usage error', async () => {
    const help = await runCli(['console', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: camwatch console url/);
    expect(help.stdout).toContain('ssh -L 8089:127.0.0.1:8089');
    expect((await runCli(['console'])).code).toBe(2);
  });

  it('before the agent made a token it says to start it; then prints the link with the token, the tunnel on stderr', async () => {
    const path = config('console: { port: 8123 }\n');
    const before = await runCli(['console', 'url', '--config', path]);
    expect(before.code).toBe(1);
    expect(before.stderr).toContain('Start the agent once');
    mkdirSync(join(dir, 'var'), { recursive: true });
    writeFileSync(join(dir, 'var', 'console-token'), 'tok-ABCdef0123456789_xyz\n', { mode: 0o600 });
    const after = await runCli(['console', 'url', '--config', path]);
    expect(after.code).toBe(0);
    expect(after.stdout).toBe('http://127.0.0.1:8123/#token=tok-ABCdef0123456789_xyz\n');
    expect(after.stderr).toContain('ssh -L 8123:127.0.0.1:8123');
  });

  it('a disabled console says how to turn it on', async () => {
    const r = await runCli(['console', 'url', '--config', config('console: { enabled: false }\n')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('console.enabled is false');
  });
});
