/**
 * The systemd install's config step, run as install-service.sh runs it: the example config turned into
 * /etc/camwatch/camwatch.yaml must have absolute paths into /opt/camwatch and the store in the unit's
 * StateDirectory, and still validate. The unit's restart limits must sit in [Unit], where systemd reads them.
 * The config folder's layout (scripts/systemd/config-layout.sh, run by install-service.sh as root) against a
 * temporary /etc/camwatch, with `nobody` standing in for the camwatch user: the config is the agent user's to
 * save, the secrets and the folder are not; an older install's plain file is migrated in place, idempotently.
 */
import { execFile } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli-process.js';
import { PROJECT_ROOT } from '../helpers/data.js';

const dir = mkdtempSync(join(tmpdir(), 'camwatch-install-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('systemd install', () => {
  it('turns the example config into an /etc config with absolute paths that validates', async () => {
    const { stdout } = await promisify(execFile)('sed', ['-f', join(PROJECT_ROOT, 'scripts', 'systemd', 'etc-config.sed'), join(PROJECT_ROOT, 'config', 'camwatch.example.yaml')]);
    const config = parse(stdout) as {
      agent: { dataDir: string };
      models: { dir: string; manifest: string };
      cameras: Array<{ source: { file?: string } }>;
    };
    expect(config.agent.dataDir).toBe('/var/lib/camwatch');
    expect(config.models).toMatchObject({ dir: '/opt/camwatch/models', manifest: '/opt/camwatch/models/manifest.json' });
    expect(config.cameras[0]!.source.file).toBe('/opt/camwatch/data/video/vn_saigon_intersection.mp4');
    // No relative path is left: from /etc/camwatch, "../x" would point into /etc.
    expect(stdout).not.toMatch(/^\s*(dataDir|dir|manifest|file):\s*\.\.?\//m);
    const file = join(dir, 'camwatch.yaml');
    writeFileSync(file, stdout);
    const r = await runCli(['config', 'validate', file, '--no-secrets']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('the unit keeps its restart limits in [Unit] and starts the agent on the /etc config', () => {
    const unit = readFileSync(join(PROJECT_ROOT, 'scripts', 'systemd', 'camwatch.service'), 'utf8');
    const section = (name: string) => unit.split(/^\[/m).find((s) => s.startsWith(`${name}]`)) ?? '';
    expect(section('Unit')).toMatch(/^StartLimitIntervalSec=\d+$/m);
    expect(section('Unit')).toMatch(/^StartLimitBurst=\d+$/m);
    expect(section('Service')).not.toMatch(/^StartLimit/m);
    // install-service.sh replaces exactly this prefix with the node it found.
    expect(section('Service')).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/camwatch\/bin\/camwatch\.js run --config \/etc\/camwatch\/camwatch\.yaml$/m);
    expect(section('Service')).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    // A group missing on the box would stop the service from starting at all.
    expect(unit).not.toMatch(/^SupplementaryGroups=/m);
  });
});

const LAYOUT = join(PROJECT_ROOT, 'scripts', 'systemd', 'config-layout.sh');
const AGENT_USER = 'nobody';
const AGENT_GROUP = 'nogroup';
// Owners other than the test's own need root: here the tests run as root; elsewhere through passwordless sudo.
const ROOT = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
const run = promisify(execFile);

function asRoot(...command: string[]): Promise<{ stdout: string; stderr: string }> {
  const [cmd, ...args] = [...ROOT, ...command];
  return run(cmd!, args);
}

function layout(etc: string, newConfig: string): Promise<{ stdout: string; stderr: string }> {
  return asRoot('bash', LAYOUT, etc, newConfig, AGENT_USER, AGENT_GROUP, 'root');
}

/** Whether the agent's user may do `test <flag> path` (access(2) as that user: modes, owners, groups). */
async function agentMay(flag: '-w' | '-r', path: string): Promise<boolean> {
  return asRoot('runuser', '-u', AGENT_USER, '--', 'test', flag, path).then(() => true, () => false);
}

function uidOf(name: string): number {
  return Number(readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`))!.split(':')[2]);
}

describe('systemd install: config folder layout', () => {
  // The agent's user must reach the temporary /etc (mkdtemp makes 0700 folders).
  const root = mkdtempSync(join(tmpdir(), 'camwatch-layout-'));
  chmodSync(root, 0o755);
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const example = join(root, 'example.yaml');
  writeFileSync(example, '# from the example\nversion: 1\n');

  it('a fresh install: the config is the agent user\'s to save, the secrets and /etc/camwatch are not', async () => {
    const etc = join(root, 'fresh', 'camwatch');
    mkdirSync(join(etc, 'secrets'), { recursive: true });
    // A secret the agent's user could once write (created as that user, group-writable): taken back.
    writeFileSync(join(etc, 'secrets', 'mqtt-password'), 'pw\n', { mode: 0o660 });
    await asRoot('chown', `${AGENT_USER}:${AGENT_GROUP}`, join(etc, 'secrets', 'mqtt-password'));
    const out = await layout(etc, example);
    expect(out.stdout).toContain('wrote');

    const link = join(etc, 'camwatch.yaml');
    const live = join(etc, 'editable', 'camwatch.yaml');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('editable/camwatch.yaml');
    expect(readFileSync(link, 'utf8')).toBe('# from the example\nversion: 1\n');
    expect(statSync(live)).toMatchObject({ uid: uidOf(AGENT_USER), mode: 0o100640 });
    expect(statSync(join(etc, 'editable'))).toMatchObject({ uid: uidOf(AGENT_USER), mode: 0o40750 });
    expect(statSync(etc)).toMatchObject({ uid: 0, mode: 0o40750 });
    expect(statSync(join(etc, 'secrets'))).toMatchObject({ uid: 0, mode: 0o40750 });
    expect(statSync(join(etc, 'secrets', 'mqtt-password'))).toMatchObject({ uid: 0, mode: 0o100640 });

    // What the agent's user may do, asked of the kernel as that user.
    expect(await agentMay('-w', live)).toBe(true);
    expect(await agentMay('-w', join(etc, 'editable'))).toBe(true); // the temp file and the rename
    expect(await agentMay('-r', join(etc, 'secrets', 'mqtt-password'))).toBe(true);
    expect(await agentMay('-w', join(etc, 'secrets', 'mqtt-password'))).toBe(false);
    expect(await agentMay('-w', join(etc, 'secrets'))).toBe(false);
    expect(await agentMay('-w', etc)).toBe(false); // nor replace the link itself
  });

  it('an upgrade moves the old plain config into editable/ with its content, comments and mode; a second run changes nothing', async () => {
    const etc = join(root, 'upgrade', 'camwatch');
    mkdirSync(join(etc, 'secrets'), { recursive: true });
    const old = '# my box, tuned by hand\nversion: 1\ncameras: []   # none yet\n';
    writeFileSync(join(etc, 'camwatch.yaml'), old, { mode: 0o600 });
    const inode = statSync(join(etc, 'camwatch.yaml')).ino;

    const first = await layout(etc, example);
    expect(first.stdout).toContain('moved');
    const live = join(etc, 'editable', 'camwatch.yaml');
    expect(readlinkSync(join(etc, 'camwatch.yaml'))).toBe('editable/camwatch.yaml');
    expect(readFileSync(live, 'utf8')).toBe(old);
    expect(statSync(live)).toMatchObject({ ino: inode, mode: 0o100600, uid: uidOf(AGENT_USER) });

    const listing = () => [etc, join(etc, 'editable'), join(etc, 'secrets')].map((d) => readdirSync(d).sort().join(',')).join(' | ');
    const before = listing();
    const second = await layout(etc, example);
    expect(second.stdout).toBe('');
    expect(second.stderr).toBe('');
    expect(listing()).toBe(before);
    expect(statSync(live)).toMatchObject({ ino: inode, mode: 0o100600 });
    expect(readFileSync(join(etc, 'camwatch.yaml'), 'utf8')).toBe(old);
  });

  it('a plain file put back over the link (sed -i) wins and the older editable file is kept', async () => {
    const etc = join(root, 'relinked', 'camwatch');
    mkdirSync(etc, { recursive: true });
    writeFileSync(join(etc, 'camwatch.yaml'), '# first\nversion: 1\n', { mode: 0o640 });
    await layout(etc, example);
    rmSync(join(etc, 'camwatch.yaml'));
    writeFileSync(join(etc, 'camwatch.yaml'), '# edited with sed -i\nversion: 1\n', { mode: 0o640 });

    const out = await layout(etc, example);
    expect(out.stderr).toContain('kept as');
    expect(readFileSync(join(etc, 'camwatch.yaml'), 'utf8')).toBe('# edited with sed -i\nversion: 1\n');
    const kept = readdirSync(join(etc, 'editable')).filter((n) => n.startsWith('camwatch.yaml.before-'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(etc, 'editable', kept[0]!), 'utf8')).toBe('# first\nversion: 1\n');
  });

  it('refuses a link the agent could have planted in editable/, and chowns nothing through it', async () => {
    const etc = join(root, 'planted', 'camwatch');
    mkdirSync(join(etc, 'editable'), { recursive: true });
    mkdirSync(join(etc, 'secrets'));
    writeFileSync(join(etc, 'secrets', 'key.pem'), 'k\n', { mode: 0o640 });
    symlinkSync('../secrets/key.pem', join(etc, 'editable', 'camwatch.yaml'));
    symlinkSync('editable/camwatch.yaml', join(etc, 'camwatch.yaml'));
    await expect(layout(etc, example)).rejects.toThrow(/is a symlink/);
    expect(statSync(join(etc, 'secrets', 'key.pem'))).toMatchObject({ uid: 0, mode: 0o100640 });
  });

  it('the unit lets the agent write only the config\'s folder inside /etc/camwatch', () => {
    const unit = readFileSync(join(PROJECT_ROOT, 'scripts', 'systemd', 'camwatch.service'), 'utf8');
    expect(unit).toMatch(/^ReadOnlyPaths=\/etc\/camwatch \/opt\/camwatch$/m);
    expect(unit.match(/^ReadWritePaths=.*$/gm)).toEqual(['ReadWritePaths=-/etc/camwatch/editable']);
    const script = readFileSync(join(PROJECT_ROOT, 'scripts', 'install-service.sh'), 'utf8');
    expect(script).toMatch(/^bash scripts\/systemd\/config-layout\.sh "\$etc" "\$example" camwatch camwatch root$/m);
  });
});
