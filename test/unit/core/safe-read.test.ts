import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileReadError, readFileCapped, readFileCappedAsync } from '../../../agent/core/safe-read.js';

const dir = mkdtempSync(join(tmpdir(), 'camwatch-safe-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A named pipe with no writer: a plain read blocks on it for ever. */
function fifo(name: string): string {
  const path = join(dir, name);
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr.toString()}`);
  return path;
}

const reasonOf = (read: () => unknown): string => {
  try {
    read();
  } catch (err) {
    if (err instanceof FileReadError) return err.reason;
    throw err;
  }
  throw new Error('expected the read to be refused');
};
const asyncReasonOf = async (read: () => Promise<unknown>): Promise<string> => {
  try {
    await read();
  } catch (err) {
    if (err instanceof FileReadError) return err.reason;
    throw err;
  }
  throw new Error('expected the read to be refused');
};

describe('readFileCapped (sync and async)', () => {
  const cap = { maxBytes: 64 * 1024 };
  writeFileSync(join(dir, 'ok.txt'), 'secret\n');
  writeFileSync(join(dir, 'big.txt'), Buffer.alloc(64 * 1024 + 1, 0x61));
  mkdirSync(join(dir, 'a-directory'));
  const pipe = fifo('a-fifo');

  it('reads a regular file within the cap', async () => {
    expect(readFileCapped(join(dir, 'ok.txt'), cap).toString()).toBe('secret\n');
    expect((await readFileCappedAsync(join(dir, 'ok.txt'), cap)).toString()).toBe('secret\n');
  });

  it('/dev/zero (endless) is refused at once as a character device, not read until memory runs out', async () => {
    expect(reasonOf(() => readFileCapped('/dev/zero', cap))).toBe('it is a character device, not a regular file');
    expect(await asyncReasonOf(() => readFileCappedAsync('/dev/zero', cap))).toBe('it is a character device, not a regular file');
  });

  it('a FIFO without a writer is refused at once instead of blocking', async () => {
    expect(reasonOf(() => readFileCapped(pipe, cap))).toBe('it is a FIFO (named pipe), not a regular file');
    expect(await asyncReasonOf(() => readFileCappedAsync(pipe, cap))).toBe('it is a FIFO (named pipe), not a regular file');
  });

  it('a directory, a missing file, an oversized file: each says what it is', async () => {
    expect(reasonOf(() => readFileCapped(join(dir, 'a-directory'), cap))).toBe('it is a directory, not a regular file');
    expect(reasonOf(() => readFileCapped(join(dir, 'nope'), cap))).toBe('no such file');
    expect(reasonOf(() => readFileCapped(join(dir, 'big.txt'), cap))).toBe('it is 65,537 bytes, over the 64.0 KiB limit for this file');
    expect(await asyncReasonOf(() => readFileCappedAsync(join(dir, 'big.txt'), { maxBytes: 1000 }))).toBe('it is 65,537 bytes, over the 1000 B limit for this file');
  });

  it('a file whose size fstat does not know (/proc) is still capped while reading', async () => {
    // /proc/self/maps is a regular file of size 0 that reads as several KB.
    expect(reasonOf(() => readFileCapped('/proc/self/maps', { maxBytes: 100 }))).toBe('it holds more than the 100 B limit for this file');
    expect(await asyncReasonOf(() => readFileCappedAsync('/proc/self/maps', { maxBytes: 100 }))).toBe('it holds more than the 100 B limit for this file');
  });

  it('the error names the file and never its contents', () => {
    try {
      readFileCapped(join(dir, 'big.txt'), { maxBytes: 10 });
    } catch (err) {
      expect((err as Error).message).toBe(`cannot read ${join(dir, 'big.txt')}: it is 65,537 bytes, over the 10 B limit for this file`);
      expect((err as Error).message).not.toContain('aaaa');
    }
  });
});
