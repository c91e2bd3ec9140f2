/**
 * The console's save on an installed box: /etc/camwatch/camwatch.yaml is a link into editable/, so the write
 * goes through the link (temp file and rename beside the real file, mode kept, link kept), and every save
 * leaves the file it replaced in <dataDir>/config-history/, pruned to the newest N.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configWritable, writeConfigAtomically } from '../../../agent/console/config-file.js';
import { backupConfig, historyFileName, historyFilesToPrune } from '../../../agent/console/config-history.js';
import { loadConfig, resolveConfigPath } from '../../../agent/config/load.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'camwatch-config-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeConfigAtomically through the install symlink', () => {
  it('replaces the real file in its own folder, keeps its mode and leaves the link a link', () => {
    mkdirSync(join(dir, 'editable'));
    const real = join(dir, 'editable', 'camwatch.yaml');
    writeFileSync(real, '# old\nversion: 1\n');
    // 0660: wider than the usual umask (022) lets open() create, so a kept mode is not an accident.
    chmodSync(real, 0o660);
    const inodeBefore = statSync(real).ino;
    const link = join(dir, 'camwatch.yaml');
    symlinkSync('editable/camwatch.yaml', link);

    expect(writeConfigAtomically(link, '# new\nversion: 1\n')).toBe(real);

    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('editable/camwatch.yaml');
    expect(readFileSync(link, 'utf8')).toBe('# new\nversion: 1\n');
    expect(statSync(real).mode & 0o7777).toBe(0o660);
    expect(statSync(real).ino).not.toBe(inodeBefore); // renamed over, not rewritten in place
    // No temporary file is left in either folder.
    expect(readdirSync(dir).sort()).toEqual(['camwatch.yaml', 'editable']);
    expect(readdirSync(join(dir, 'editable'))).toEqual(['camwatch.yaml']);
  });

  it('a dangling link is not writable, and a write through it fails without creating anything', () => {
    const link = join(dir, 'camwatch.yaml');
    symlinkSync('editable/camwatch.yaml', link);
    expect(configWritable(link)).toBe(false);
    expect(() => writeConfigAtomically(link, 'version: 1\n')).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual(['camwatch.yaml']);
  });

  it('relative paths in a config read through the link resolve against the link\'s folder, where the secrets are', async () => {
    mkdirSync(join(dir, 'editable'));
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets', 'mqtt-password'), 's3cret-from-etc\n', { mode: 0o640 });
    writeFileSync(
      join(dir, 'editable', 'camwatch.yaml'),
      `version: 1\nagent: { id: box, dataDir: var }\nmqtt: { url: "mqtt://127.0.0.1:1883", username: u, passwordFile: secrets/mqtt-password }\ncameras: []\n`,
    );
    symlinkSync('editable/camwatch.yaml', join(dir, 'camwatch.yaml'));
    const loaded = await loadConfig(join(dir, 'camwatch.yaml'));
    expect(loaded.baseDir).toBe(dir);
    expect(resolveConfigPath(loaded, loaded.config.agent.dataDir)).toBe(join(dir, 'var'));
    // Read from <etc>/secrets, not <etc>/editable/secrets (which does not exist: loading would have failed).
    expect(JSON.stringify(loaded.secrets)).toContain('s3cret-from-etc');
  });
});

describe('config history', () => {
  it('names files by UTC time, sortable, without colons', () => {
    expect(historyFileName(new Date('2026-12-07T07:30:00.123Z'))).toBe('2026-12-07T07-30-00.123Z.yaml');
    expect(historyFileName(new Date('2026-12-07T07:30:00.123Z'), 2)).toBe('2026-12-07T07-30-00.123Z-2.yaml');
  });

  it('prunes the oldest of its own files only', () => {
    const names = ['2026-12-07T07-30-00.123Z.yaml', 'notes.txt', '2026-12-06T23-59-59.999Z.yaml', '2026-12-07T07-30-00.123Z-1.yaml', '2026-12-07T07-30-00.123Z-10.yaml'];
    expect(historyFilesToPrune(names, 2)).toEqual(['2026-12-06T23-59-59.999Z.yaml', '2026-12-07T07-30-00.123Z.yaml']);
    expect(historyFilesToPrune(names, 10)).toEqual([]);
    expect(historyFilesToPrune(names, 0)).toHaveLength(4);
  });

  it('writes each previous file with the config\'s mode and keeps the newest N', () => {
    const history = join(dir, 'var', 'config-history');
    mkdirSync(join(dir, 'var'));
    writeFileSync(join(dir, 'var', 'keep-me.txt'), 'x');
    const paths: string[] = [];
    for (let i = 0; i < 5; i++) paths.push(backupConfig(history, `# save ${i}\n`, 0o640, new Date(Date.UTC(2026, 11, 7, 7, 30, i)), 3));
    expect(readdirSync(history).sort()).toEqual(['2026-12-07T07-30-02.000Z.yaml', '2026-12-07T07-30-03.000Z.yaml', '2026-12-07T07-30-04.000Z.yaml']);
    expect(readFileSync(paths[4]!, 'utf8')).toBe('# save 4\n');
    expect(statSync(paths[4]!).mode & 0o777).toBe(0o640);
    // Two saves in the same millisecond both stay.
    const same = backupConfig(history, '# same ms\n', 0o640, new Date(Date.UTC(2026, 11, 7, 7, 30, 4)), 3);
    expect(same).toBe(join(history, '2026-12-07T07-30-04.000Z-1.yaml'));
    expect(readFileSync(paths[4]!, 'utf8')).toBe('# save 4\n');
    expect(readdirSync(join(dir, 'var'))).toContain('keep-me.txt');
  });
});
