import { CamwatchError } from '../core/index.js';
import { isCorruption, storeCorruptError } from './check.js';

/** A write failed for lack of space (STORE_FULL, see mapWriteError). */
export function isStoreFull(err: unknown): err is CamwatchError {
  return err instanceof CamwatchError && err.code === 'STORE_FULL';
}

/** Why the store could not be opened: STORE_CORRUPT (with the recover command) for a damaged file, else STORE_OPEN naming the path. */
export function storeOpenError(path: string, cause: unknown, recoverCommand: string | undefined): CamwatchError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  // "file is not a database", "database disk image is malformed": the file is damaged, not its permissions.
  if (isCorruption(cause)) return storeCorruptError(path, { problems: [reason] }, recoverCommand, cause);
  return new CamwatchError('STORE_OPEN', `cannot open incident store ${path}: ${reason}`, {
    cause,
    details: { path },
  });
}

/**
 * SQLITE_FULL (and an I/O error that is ENOSPC underneath) is the operator's problem (disk): STORE_FULL.
 * A page found damaged while running: STORE_CORRUPT, saying how to recover. Anything else is returned as is.
 */
export function mapWriteError(path: string, err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : '';
  if (isCorruption(err)) return storeCorruptError(path, { problems: [message] }, undefined, err);
  if (code === 'SQLITE_FULL' || /ENOSPC|disk is full/i.test(message)) {
    return new CamwatchError('STORE_FULL', `incident store ${path} is full: the incident was not saved`, {
      cause: err,
      details: { path },
    });
  }
  return err;
}
