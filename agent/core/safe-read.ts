import { closeSync, constants as fsConstants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { formatBytes } from './bytes.js';

/**
 * Reading a file a config names, safely. A path is typed by a technician (or copied from a forum): before,
 * `passwordFile: /dev/zero` read until the box ran out of memory (7 GB and growing) and a FIFO blocked the
 * start for ever. Here: open with O_NONBLOCK (a FIFO opens at once instead of waiting for a writer), then
 * fstat the open descriptor (no race with a rename between a stat and the open) and accept regular files
 * only; then read at most the kind's cap plus one byte, since a size of 0 in fstat proves nothing
 * (/proc files) and a file may grow while read.
 */

/** Passwords, shared secrets: a few dozen bytes; 64 KiB leaves room for a PEM-armoured key by mistake. */
export const DEFAULT_SECRET_MAX_BYTES = 64 * 1024;
/** TLS files: a CA bundle may be the system one (Debian's is ~220 KB). */
export const DEFAULT_TLS_FILE_MAX_BYTES = 1024 * 1024;
/** models/manifest.json (~10 KB today) and class-name files. */
export const DEFAULT_MANIFEST_MAX_BYTES = 1024 * 1024;
/** camwatch.yaml: ~2 KB per camera with zones and rules; 4 MiB is thousands of cameras. */
export const DEFAULT_CONFIG_MAX_BYTES = 4 * 1024 * 1024;

/** Why a file was not read, in words for an operator (never its contents). */
export class FileReadError extends Error {
  constructor(
    readonly path: string,
    /** e.g. "no such file", "it is a FIFO, not a regular file", "it is 7.2 MB, over the 64 KiB limit". */
    readonly reason: string,
    /** The errno code when the OS refused (ENOENT, EACCES...). */
    readonly errno?: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot read ${path}: ${reason}`, options);
    this.name = 'FileReadError';
  }
}

export interface ReadCappedOptions {
  /** Bytes above which the file is refused. */
  maxBytes: number;
}

// O_NONBLOCK: see the top of this file. O_NOCTTY: a terminal device named by mistake must not become ours.
const OPEN_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY;

/** The whole file, when `path` names a regular file of at most maxBytes; else FileReadError. */
export function readFileCapped(path: string, options: ReadCappedOptions): Buffer {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (err) {
    throw fromErrno(path, err);
  }
  try {
    checkStats(path, fstatSync(fd), options.maxBytes);
    const buffer = Buffer.alloc(options.maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > options.maxBytes) throw tooLarge(path, length, options.maxBytes, true);
    }
    return buffer.subarray(0, length);
  } catch (err) {
    throw err instanceof FileReadError ? err : fromErrno(path, err);
  } finally {
    closeSync(fd);
  }
}

/** readFileCapped without blocking the event loop. */
export async function readFileCappedAsync(path: string, options: ReadCappedOptions): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (err) {
    throw fromErrno(path, err);
  }
  try {
    checkStats(path, await handle.stat(), options.maxBytes);
    const buffer = Buffer.alloc(options.maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > options.maxBytes) throw tooLarge(path, length, options.maxBytes, true);
    }
    return buffer.subarray(0, length);
  } catch (err) {
    throw err instanceof FileReadError ? err : fromErrno(path, err);
  } finally {
    await handle.close();
  }
}

/** Text of a capped file (UTF-8). */
export function readTextCapped(path: string, options: ReadCappedOptions): string {
  return readFileCapped(path, options).toString('utf8');
}

/** Text of a capped file (UTF-8), async. */
export async function readTextCappedAsync(path: string, options: ReadCappedOptions): Promise<string> {
  return (await readFileCappedAsync(path, options)).toString('utf8');
}

function checkStats(path: string, st: Stats, maxBytes: number): void {
  if (!st.isFile()) throw new FileReadError(path, `it is ${fileKind(st)}, not a regular file`);
  if (st.size > maxBytes) throw tooLarge(path, st.size, maxBytes, false);
}

function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function tooLarge(path: string, bytes: number, maxBytes: number, readPastLimit: boolean): FileReadError {
  // Read past the limit: the size is unknown (a /proc file, a growing file), only that it is too much.
  if (readPastLimit) return new FileReadError(path, `it holds more than the ${formatBytes(maxBytes)} limit for this file`);
  // Exact bytes: a rounded size could print the same as the limit (64.0 KiB over a 64.0 KiB limit).
  return new FileReadError(path, `it is ${bytes.toLocaleString('en-US')} bytes, over the ${formatBytes(maxBytes)} limit for this file`);
}

function fromErrno(path: string, err: unknown): FileReadError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const reason =
    code === 'ENOENT' ? 'no such file'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied (the agent user must be able to read it)'
    : code === 'EISDIR' ? 'it is a directory, not a file'
    : code === 'ENXIO' ? 'it is a socket or a device without a reader, not a regular file'
    : code === 'ENOTDIR' ? 'a part of the path is not a directory'
    : code === 'ELOOP' ? 'too many symbolic links'
    : (code ?? 'unreadable');
  return new FileReadError(path, reason, code, { cause: err });
}
