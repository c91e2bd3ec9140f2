/**
 * Special files and wrong files named by a config, met by a real `camwatch run` (issue 16, finding 7).
 * Before: a FIFO as passwordFile blocked the start for ever, /dev/zero grew to 7 GB; a models.manifest set
 * to a secret file put its first bytes into the fatal log line, and a broken config line holding a quote
 * was quoted into the error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertNoAgentLeaks, startAgent } from '../helpers/agent-process.js';
import { runCli } from '../helpers/cli-process.js';
import { DATA_DIR, PROJECT_ROOT } from '../helpers/data.js';

const FAKE_SECRET = 'Broker-S3cret-Never-Logged-7';
const dirs: string[] = [];
afterEach(() => {
  assertNoAgentLeaks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-unsafe-files-'));
  dirs.push(dir);
  return dir;
}

function writeConfig(dir: string, manifest: string, passwordFile?: string): string {
  const config = join(dir, 'camwatch.yaml');
  writeFileSync(config, `
version: 1
agent: { id: files-box, dataDir: ${join(dir, 'var')} }
models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${manifest} }
mqtt: { embeddedHost: 127.0.0.1, embeddedPort: 0${passwordFile === undefined ? '' : `, username: box, passwordFile: ${passwordFile}`} }
health: { host: 127.0.0.1, port: 0 }
`);
  return config;
}

describe('camwatch run with special or wrong files in the config', () => {
  it('passwordFile on a FIFO: exits 1 at once with SECRET_UNREADABLE naming the field, instead of blocking', async () => {
    const dir = tempDir();
    const pipe = join(dir, 'mqtt.password');
    expect(spawnSync('mkfifo', [pipe]).status).toBe(0);
    const config = writeConfig(dir, join(PROJECT_ROOT, 'models', 'manifest.json'), pipe);
    const run = await runCli(['run', '--config', config], { timeoutMs: 30_000 });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('SECRET_UNREADABLE');
    expect(run.stderr).toContain(`mqtt.passwordFile: cannot read ${pipe}: it is a FIFO (named pipe), not a regular file`);
  }, 40_000);

  it('passwordFile: /dev/zero exits 1 at once with SECRET_UNREADABLE (before: it read until 7 GB)', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, join(PROJECT_ROOT, 'models', 'manifest.json'), '/dev/zero');
    const run = await runCli(['run', '--config', config], { timeoutMs: 30_000 });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('mqtt.passwordFile: cannot read /dev/zero: it is a character device, not a regular file');
  }, 40_000);

  it('a config with a broken line holding a password with a quote: CONFIG_PARSE at its line, no byte of the password', async () => {
    const dir = tempDir();
    const config = join(writeConfig(dir, join(PROJECT_ROOT, 'models', 'manifest.json')));
    writeFileSync(config, `cameras: []\n}password: "${FAKE_SECRET}\\"x"\n`);
    const run = await runCli(['run', '--config', config], { timeoutMs: 30_000 });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`CONFIG_PARSE: ${config} is not valid YAML`);
    expect(run.stderr).toContain(`${config}:2:`);
    expect(run.stdout + run.stderr).not.toContain('S3cret');
  }, 40_000);

  it('models.manifest naming a secret file: the fatal line gives file, line and column, and no byte of the secret', async () => {
    const dir = tempDir();
    const secretFile = join(dir, 'broker.env');
    writeFileSync(secretFile, `MQTT_PASSWORD=${FAKE_SECRET}\n`, { mode: 0o600 });
    const config = writeConfig(dir, secretFile);
    const agent = startAgent(['run', '--config', config]);
    const fatal = await agent.waitForLog((e) => e.level === 'fatal', 60_000);
    expect(await agent.stop()).toBe(1);
    expect(fatal.msg).toBe(`MODEL_INVALID: model manifest ${secretFile} is not valid JSON at line 1, column 1: unexpected character\n  → Fix the JSON syntax of ${secretFile} at that place, or check that models.manifest names the manifest.`);
    const everything = agent.lines.join('\n');
    expect(everything).not.toContain(FAKE_SECRET);
    expect(everything).not.toContain('MQTT_PASSWORD');
    expect(everything).not.toMatch(/S3cret|"MQTT_/);
  }, 90_000);
});
