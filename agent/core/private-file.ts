import { closeSync, constants, fstatSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Files only the agent's user may read: a generated password or token the agent keeps in its data directory
 * (the embedded broker's operator login, the console token). Whoever can read one can log in or rewrite the
 * config, so a link, a FIFO, a file others can read or a file too big to be one is refused, and a new file is
 * 0600 from its creation (whatever the umask) and appears whole or not at all.
 */

/** Why a private file was refused; the caller words it in its own error code and hint. */
export type PrivateFileProblem = 'missing' | 'symlink' | 'permission' | 'open' | 'not_regular' | 'permissions' | 'too_large';

/** A private file that could not be read, with the reason and (for `permissions`) the mode found. */
export class PrivateFileError extends Error {
  constructor(
    readonly path: string,
    readonly problem: PrivateFileProblem,
    readonly facts: {
      /** The errno code when the OS refused the open. */
      errno?: string;
      /** The file's permission bits, when `problem` is `permissions`. */
      mode?: number;
      /** The file's size from fstat, when `problem` is `too_large` and the size was known before reading. */
      sizeBytes?: number;
    } = {},
    options?: { cause?: unknown },
  ) {
    super(`private file ${path}: ${problem}${facts.errno === undefined ? '' : ` (${facts.errno})`}`, options);
    this.name = 'PrivateFileError';
  }
}

/**
 * The file's text. Opens without following a link and without blocking on a FIFO, then checks what was
 * opened (no race between a check and the open): a regular file of at most `maxBytes` that no other user can
 * read or write. Throws PrivateFileError.
 */
export function readPrivateFile(path: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const problem: PrivateFileProblem = code === 'ENOENT' ? 'missing' : code === 'ELOOP' ? 'symlink' : code === 'EACCES' || code === 'EPERM' ? 'permission' : 'open';
    throw new PrivateFileError(path, problem, code === undefined ? {} : { errno: code }, { cause: err });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new PrivateFileError(path, 'not_regular');
    const mode = stat.mode & 0o777;
    if ((mode & 0o077) !== 0) throw new PrivateFileError(path, 'permissions', { mode });
    if (stat.size > maxBytes) throw new PrivateFileError(path, 'too_large', { sizeBytes: stat.size });
    // fstat's size proves nothing for a growing file: read at most one byte past the cap.
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > maxBytes) throw new PrivateFileError(path, 'too_large');
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `text` to a temporary file beside `path` (0600 from its creation, never through a link), syncs it and
 * renames it over `path`: never half a file under `path`. A missing folder is created private (0700). Throws
 * the OS error (with its errno code) when the file cannot be written.
 */
export function writePrivateFile(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  let fd: number | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // A temporary file left by a crashed process of the same pid (pids wrap) would make O_EXCL fail for ever.
    rmSync(tmp, { force: true });
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  try {
    const dir = openSync(dirname(path), constants.O_RDONLY);
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // The file itself is synced; a folder that cannot be fsynced (some filesystems) only risks a regenerated secret after a power cut.
  }
}
