import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces the config file atomically: the new text goes to a temporary file in the same folder (same
 * mode as the old file), is synced, and renamed over it. A crash leaves the old file or the new one,
 * never half of one; the agent and `camwatch config validate` never read a torn file.
 */
export function writeConfigAtomically(path: string, text: string): void {
  const mode = statSync(path).mode & 0o7777;
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.console-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw err;
  }
  // The rename itself must survive a power cut: sync the folder too.
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** Whether this process may replace the file (write the file and create a file beside it). */
export function configWritable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    accessSync(dirname(path), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
