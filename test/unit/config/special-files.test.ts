/**
 * Files a config names that are not plain files (issue 16, finding 7): before, `passwordFile: /dev/zero` read
 * until memory ran out and a FIFO blocked the start for ever. Each is now refused at once, naming the field.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText } from '../../../agent/config/load.js';
import { isCamwatchError } from '../../../agent/core/errors.js';
import { errorOf, yaml } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'camwatch-special-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pipe = join(dir, 'password.fifo');
if (spawnSync('mkfifo', [pipe]).status !== 0) throw new Error('mkfifo failed');
mkdirSync(join(dir, 'a-directory'));
writeFileSync(join(dir, 'huge.password'), Buffer.alloc(65 * 1024, 0x78));

const withCamera = (...sourceLines: string[]) => yaml('cameras:', '  - id: cam-a', '    source:', '      url: rtsp://viewer@10.0.0.5/live', ...sourceLines);

describe('secret and TLS files that are not plain files', () => {
  it.each([
    ['/dev/zero', 'it is a character device, not a regular file'],
    [pipe, 'it is a FIFO (named pipe), not a regular file'],
    [join(dir, 'a-directory'), 'it is a directory, not a regular file'],
    [join(dir, 'huge.password'), 'it is 66,560 bytes, over the 64.0 KiB limit for this file'],
  ])('passwordFile: %s → SECRET_UNREADABLE at once, naming the field', (file, reason) => {
    const err = errorOf(withCamera(`      passwordFile: ${file}`), { baseDir: dir });
    expect(err.code).toBe('SECRET_UNREADABLE');
    expect(err.message).toContain(`camwatch.yaml:5:7 cameras[0].source.passwordFile: cannot read ${file}: ${reason}`);
  });

  it('commandSecretFile on a FIFO and a TLS CA on /dev/zero, both reported in one error', () => {
    const err = errorOf(yaml('mqtt:', '  url: mqtts://broker.example:8883', `  commandSecretFile: ${pipe}`, '  tls:', '    ca: /dev/zero'), { baseDir: dir });
    expect(err.code).toBe('SECRET_UNREADABLE');
    expect(err.message).toContain(`mqtt.commandSecretFile: cannot read ${pipe}: it is a FIFO (named pipe), not a regular file`);
    expect(err.message).toContain('mqtt.tls.ca: cannot read /dev/zero: it is a character device, not a regular file');
  });

  it('the config file itself as a FIFO → CONFIG_NOT_FOUND, not a blocked start', async () => {
    const err = await loadConfig(pipe).catch((e: unknown) => e);
    expect(isCamwatchError(err, 'CONFIG_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toBe(`cannot read config ${pipe}: it is a FIFO (named pipe), not a regular file`);
  });

  it('models.manifest on /dev/zero or a FIFO does not hang the class-name check (it is skipped; detection reports it)', () => {
    for (const manifest of ['/dev/zero', pipe]) {
      const loaded = parseConfigText(yaml('models:', `  manifest: ${manifest}`), 'camwatch.yaml', { baseDir: dir, env: {} });
      expect(loaded.config.models.manifest).toBe(manifest);
    }
  });
});
