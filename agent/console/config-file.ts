import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, fchmodSync, fchownSync, fsyncSync, openSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces the config file atomically: the new text goes to a temporary file in the same folder (same
 * mode as the old file), is synced, and renamed over it. A crash leaves the old file or the new one,
 * never half of one; the agent and `camwatch config validate` never read a torn file.
 * A symlink is written through: the installed box keeps /etc/camwatch/camwatch.yaml as a link into the
 * agent-writable /etc/camwatch/editable/ (docs/operations.md), so the temporary file and the rename happen
 * beside the real file and the link stays. Returns the real path written.
 */
export function writeConfigAtomically(path: string, text: string): string {
  const real = realpathSync(path);
  const old = statSync(real);
  const mode = old.mode & 0o7777;
  const dir = dirname(real);
  const tmp = join(dir, `.${basename(real)}.console-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    // The umask may have narrowed the mode given to open(); root (a CLI run) must not leave a root-owned file
    // the agent's user can no longer read.
    fchmodSync(fd, mode);
    if (process.getuid?.() === 0) fchownSync(fd, old.uid, old.gid);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, real);
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
  return real;
}

/** Whether this process may replace the file (write the file, through a symlink, and create a file beside it). */
export function configWritable(path: string): boolean {
  try {
    const real = realpathSync(path);
    accessSync(real, constants.W_OK);
    accessSync(dirname(real), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
