/** `camwatch console url`, spawned as a technician types it on the box (no agent needed: it reads the token file). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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

  it('a token with + / = % & (openssl rand -base64) is percent-encoded in the fragment and decodes back to itself', async () => {
    const path = config(`console: { port: 8124, tokenFile: ${join(dir, 'b64-token')} }\n`);
    const token = 'Ab+cd/EF=g%h&ij0123456789==';
    writeFileSync(join(dir, 'b64-token'), `${token}\n`, { mode: 0o600 });
    const r = await runCli(['console', 'url', '--config', path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('http://127.0.0.1:8124/#token=Ab%2Bcd%2FEF%3Dg%25h%26ij0123456789%3D%3D\n');
    // What the page does with the fragment (console-ui/assets/app/api.js tokenFromFragment).
    const page = pathToFileURL(join(PROJECT_ROOT, 'console-ui', 'assets', 'app', 'api.js')).href;
    const { tokenFromFragment } = (await import(page)) as { tokenFromFragment: (hash: string) => string };
    expect(tokenFromFragment(new URL(r.stdout.trim()).hash)).toBe(token);
  });

  it('a disabled console says how to turn it on', async () => {
    const r = await runCli(['console', 'url', '--config', config('console: { enabled: false }\n')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('console.enabled is false');
  });
});
