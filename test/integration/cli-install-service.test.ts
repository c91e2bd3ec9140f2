/**
 * The systemd install's config step, run as install-service.sh runs it: the example config turned into
 * /etc/camwatch/camwatch.yaml must have absolute paths into /opt/camwatch and the store in the unit's
 * StateDirectory, and still validate. The unit's restart limits must sit in [Unit], where systemd reads them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
