/**
 * models.manifest pointing at the wrong file (issue 16, finding 7): V8's JSON error quoted the file's first
 * bytes, so a manifest path set by mistake to a secret file put the secret into the log. Now the error
 * gives the file, line and column, and none of the contents.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadManifest } from '../../../agent/detection/manifest.js';
import { CamwatchError } from '../../../agent/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'camwatch-manifest-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FAKE_SECRET = 'mqtt-S3cret-Do-Not-Log-42';

async function errorOf(path: string): Promise<CamwatchError> {
  const err = await loadManifest(path).catch((e: unknown) => e);
  if (!(err instanceof CamwatchError)) throw new Error(`expected a CamwatchError, got ${String(err)}`);
  return err;
}

describe('loadManifest on files that are not a manifest', () => {
  it.each([
    ['a password file', `${FAKE_SECRET}\n`, 1, 1, 'unexpected character'],
    ['an env file', `# broker\nMQTT_PASSWORD=${FAKE_SECRET}\n`, 1, 1, 'unexpected character'],
    ['JSON broken after a secret', `{"password": "${FAKE_SECRET}" oops}`, 1, 42, "expected ',' or '}' after property value"],
    ['a stray character after a secret', `{"password": "${FAKE_SECRET}", "x": [1, ?]}`, 1, 52, 'unexpected character'],
    ['JSON cut short', `{"password": "${FAKE_SECRET}",\n "models": [`, 2, 13, 'unexpected end of the file (a bracket, brace or quote is not closed)'],
  ])('%s → MODEL_INVALID with line and column, without the contents', async (_name, text, line, col, reason) => {
    const file = join(dir, 'not-a-manifest.json');
    writeFileSync(file, text);
    const err = await errorOf(file);
    expect(err.code).toBe('MODEL_INVALID');
    expect(err.message).toBe(`model manifest ${file} is not valid JSON at line ${line}, column ${col}: ${reason}`);
    const everything = JSON.stringify({ message: err.message, hint: err.hint, details: err.details, cause: String(err.cause), stack: err.stack });
    expect(everything).not.toContain(FAKE_SECRET);
    expect(everything).not.toContain('S3cret');
  });

  it('/dev/zero and a FIFO are refused at once (MODEL_NOT_FOUND says what they are)', async () => {
    const pipe = join(dir, 'manifest.fifo');
    expect(spawnSync('mkfifo', [pipe]).status).toBe(0);
    expect((await errorOf('/dev/zero')).message).toBe('model manifest /dev/zero cannot be read (it is a character device, not a regular file)');
    expect((await errorOf(pipe)).message).toBe(`model manifest ${pipe} cannot be read (it is a FIFO (named pipe), not a regular file)`);
  });
});
