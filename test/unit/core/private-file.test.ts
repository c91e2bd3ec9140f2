import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrivateFileError, readPrivateFile, writePrivateFile } from '../../../agent/core/private-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'camwatch-private-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function problemOf(run: () => unknown): PrivateFileError {
  try {
    run();
  } catch (err) {
    if (err instanceof PrivateFileError) return err;
    throw err;
  }
  throw new Error('expected a PrivateFileError');
}

describe('private files (console token, embedded broker login)', () => {
  it('writes 0600 whatever the umask, into a new 0700 folder, and reads it back', () => {
    const path = join(dir, 'sub', 'secret');
    writePrivateFile(path, 'a-token-of-enough-length\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
    expect(readPrivateFile(path, 1024)).toBe('a-token-of-enough-length\n');
  });

  it('a temporary file left by an earlier process with the same pid does not block the write', () => {
    const path = join(dir, 'secret');
    writeFileSync(`${path}.${process.pid}.tmp`, 'stale', { mode: 0o644 });
    writePrivateFile(path, 'fresh');
    expect(readFileSync(path, 'utf8')).toBe('fresh');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses, by reason: missing, a link, a FIFO, a file others can read, a file too large', () => {
    expect(problemOf(() => readPrivateFile(join(dir, 'none'), 64)).problem).toBe('missing');
    writePrivateFile(join(dir, 'real'), 'x');
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    expect(problemOf(() => readPrivateFile(join(dir, 'link'), 64)).problem).toBe('symlink');
    execFileSync('mkfifo', ['-m', '600', join(dir, 'fifo')]);
    expect(problemOf(() => readPrivateFile(join(dir, 'fifo'), 64)).problem).toBe('not_regular');
    writeFileSync(join(dir, 'open'), 'x', { mode: 0o640 });
    const open = problemOf(() => readPrivateFile(join(dir, 'open'), 64));
    expect([open.problem, open.facts.mode]).toEqual(['permissions', 0o640]);
    writeFileSync(join(dir, 'big'), 'x'.repeat(65), { mode: 0o600 });
    const big = problemOf(() => readPrivateFile(join(dir, 'big'), 64));
    expect([big.problem, big.facts.sizeBytes]).toEqual(['too_large', 65]);
  });
});
