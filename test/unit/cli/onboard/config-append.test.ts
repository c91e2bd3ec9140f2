import { mkdtemp, mkdir, lstat, readFile, readlink, rm, stat, symlink, writeFile, chmod, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendCameraToConfig, existingCameraIds, writeSecretFile } from '../../../../agent/cli/onboard/config-append.js';
import { isCamwatchError } from '../../../../agent/core/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'camwatch-append-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entry = { id: 'gate', source: { url: 'rtsp://10.0.0.5/sub', username: 'admin', passwordEnv: 'PW' } };

describe('appendCameraToConfig', () => {
  it('appends to a block list, keeping comments, quoting and key order of the rest', async () => {
    const file = join(dir, 'c.yaml');
    const original = "# head\nversion: 1\nmqtt:\n  url: 'mqtts://ioc.example:8883' # city broker\ncameras:\n  - id: old # first\n    source: { file: ./a.mp4 }\n";
    await writeFile(file, original);
    await chmod(file, 0o640);
    expect(await appendCameraToConfig(file, entry)).toEqual({ created: false });
    const text = await readFile(file, 'utf8');
    expect(text.startsWith(original)).toBe(true);
    expect(text.slice(original.length)).toBe('  - id: gate\n    source:\n      url: rtsp://10.0.0.5/sub\n      username: admin\n      passwordEnv: PW\n');
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(existingCameraIds(file, text)).toEqual(['old', 'gate']);
    expect(await readdir(dir)).toEqual(['c.yaml']);
  });

  it('writes through a symlink (the systemd install\'s /etc/camwatch/camwatch.yaml → editable/) and keeps the link', async () => {
    await mkdir(join(dir, 'editable'));
    const real = join(dir, 'editable', 'camwatch.yaml');
    await writeFile(real, 'version: 1\ncameras: []\n');
    await chmod(real, 0o640);
    const link = join(dir, 'camwatch.yaml');
    await symlink('editable/camwatch.yaml', link);
    await appendCameraToConfig(link, entry);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe('editable/camwatch.yaml');
    expect(await readFile(real, 'utf8')).toMatch(/^ {2}- id: gate$/m);
    expect((await stat(real)).mode & 0o777).toBe(0o640);
    expect((await readdir(dir)).sort()).toEqual(['camwatch.yaml', 'editable']);
  });

  it('turns an empty flow list into a block list, and adds a missing cameras key', async () => {
    const a = join(dir, 'a.yaml');
    await writeFile(a, 'version: 1\ncameras: []\n');
    await appendCameraToConfig(a, entry);
    expect(await readFile(a, 'utf8')).toMatch(/^cameras:\n {2}- id: gate\n/m);
    const b = join(dir, 'b.yaml');
    await writeFile(b, '# only a comment and a version\nversion: 1\n');
    await appendCameraToConfig(b, entry);
    expect(await readFile(b, 'utf8')).toMatch(/^# only a comment and a version\nversion: 1\ncameras:\n {2}- id: gate/);
  });

  it('refuses a duplicate id, broken YAML and a cameras key that is not a list, leaving the file as it was', async () => {
    const cases: [string, string][] = [
      ['version: 1\ncameras:\n  - id: gate\n    source: { file: x }\n', 'CONFIG_INVALID'],
      ['version: 1\ncameras: [\n', 'CONFIG_PARSE'],
      ['version: 1\ncameras: yes\n', 'CONFIG_INVALID'],
      ['- just\n- a list\n', 'CONFIG_INVALID'],
    ];
    for (const [text, code] of cases) {
      const file = join(dir, 'bad.yaml');
      await writeFile(file, text);
      const err = await appendCameraToConfig(file, entry).catch((e: unknown) => e);
      expect(isCamwatchError(err, code as 'CONFIG_INVALID')).toBe(true);
      expect(await readFile(file, 'utf8')).toBe(text);
    }
  });
});

describe('writeSecretFile', () => {
  it('writes the secret with mode 0600 inside a 0700 directory, replacing an older one', async () => {
    const secrets = join(dir, 'secrets');
    await writeSecretFile(secrets, 'gate.password', 'first');
    const path = await writeSecretFile(secrets, 'gate.password', 'second');
    expect(await readFile(path, 'utf8')).toBe('second');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(secrets)).mode & 0o777).toBe(0o700);
    expect(await readdir(secrets)).toEqual(['gate.password']);
  });
});
