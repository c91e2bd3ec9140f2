import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CamwatchError, readFileCapped } from '../core/index.js';

/**
 * One agent per data directory. Two agents on one store both publish its incidents and, sharing a client
 * id, knock each other off the broker every second. The lock is an OS lock, so it is released by the kernel
 * when its process dies however it dies (kill -9, power cut): SQLite takes a POSIX fcntl write lock on
 * `camwatch.lock` at the first write in `locking_mode=EXCLUSIVE` and holds it until the connection closes.
 * No pid-file guessing decides anything; the owner file beside it only serves to name the holder.
 * Commands that only read the store open camwatch.db read-only and never touch this lock.
 */

/** The lock database inside agent.dataDir (do not delete it while an agent runs). */
export const DATA_DIR_LOCK_FILE = 'camwatch.lock';
/** Who holds the lock, written by the holder once it has it; read by the agent that is refused. */
export const DATA_DIR_OWNER_FILE = 'camwatch.lock.json';
/**
 * How long a start waits for the lock: an agent holding it keeps it for hours, so this only rides out a
 * `camwatch doctor` probing the lock at the same moment (a read holds it for well under a millisecond).
 */
const LOCK_WAIT_MS = 1_000;
/** The owner file is a few hundred bytes; anything bigger is not ours. */
const OWNER_FILE_MAX_BYTES = 64 * 1024;

/** What a refused agent is told about the running one. */
export interface DataDirOwner {
  pid: number;
  host: string;
  /** ISO 8601. */
  startedAt: string;
  /** The config file the holder runs with. */
  configPath: string;
  agentId?: string;
}

/** A held lock; release() is idempotent (the process exiting releases it too). */
export interface DataDirLock {
  readonly dataDir: string;
  readonly owner: DataDirOwner;
  release(): void;
}

/** Describes this process as a lock owner. */
export function currentOwner(configPath: string, agentId?: string): DataDirOwner {
  return { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), configPath, ...(agentId === undefined ? {} : { agentId }) };
}

/** Takes the lock on `dataDir` (which must exist) or throws STORE_LOCKED naming the agent holding it. */
export function lockDataDir(dataDir: string, owner: DataDirOwner): DataDirLock {
  const file = join(dataDir, DATA_DIR_LOCK_FILE);
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: LOCK_WAIT_MS });
  } catch (err) {
    throw new CamwatchError('STORE_OPEN', `cannot open the data directory lock ${file}: ${(err as Error).message}`, { cause: err, details: { file } });
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // The write takes the exclusive lock; in EXCLUSIVE locking mode the commit does not give it back.
    db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER, started_at TEXT); DELETE FROM holder;');
    db.prepare('INSERT INTO holder (pid, started_at) VALUES (?, ?)').run(owner.pid, owner.startedAt);
    db.exec('COMMIT');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw lockedError(dataDir, readDataDirOwner(dataDir));
    throw new CamwatchError('STORE_OPEN', `cannot take the data directory lock ${file}: ${(err as Error).message}`, { cause: err, details: { file } });
  }
  writeOwner(dataDir, owner);
  let released = false;
  return {
    dataDir,
    owner,
    release() {
      if (released) return;
      released = true;
      try {
        unlinkSync(join(dataDir, DATA_DIR_OWNER_FILE));
      } catch {
        // Already gone: only a description; the lock itself goes with the connection.
      }
      db.close();
    },
  };
}

/** The agent holding `dataDir`, when one does (undefined when the lock is free). For doctor and status lines. */
export function probeDataDirLock(dataDir: string): { held: false } | { held: true; owner?: DataDirOwner } {
  let db: Database.Database;
  try {
    db = new Database(join(dataDir, DATA_DIR_LOCK_FILE), { timeout: 0, fileMustExist: true, readonly: true });
  } catch {
    return { held: false }; // no lock file: no agent ever ran here
  }
  try {
    // A read needs a shared lock, which an exclusive holder refuses at once.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return { held: false };
  } catch (err) {
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') return { held: false };
    const owner = readDataDirOwner(dataDir);
    return owner === undefined ? { held: true } : { held: true, owner };
  } finally {
    db.close();
  }
}

/** The owner file's contents when present and well-formed. */
export function readDataDirOwner(dataDir: string): DataDirOwner | undefined {
  try {
    const parsed = JSON.parse(readFileCapped(join(dataDir, DATA_DIR_OWNER_FILE), { maxBytes: OWNER_FILE_MAX_BYTES }).toString('utf8')) as Partial<DataDirOwner>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string' || typeof parsed.startedAt !== 'string' || typeof parsed.configPath !== 'string') return undefined;
    return { pid: parsed.pid, host: parsed.host, startedAt: parsed.startedAt, configPath: parsed.configPath, ...(typeof parsed.agentId === 'string' ? { agentId: parsed.agentId } : {}) };
  } catch {
    return undefined;
  }
}

/** One line naming the holder, for messages. */
export function describeOwner(owner: DataDirOwner | undefined): string {
  if (owner === undefined) return 'another process (it has not said who it is yet)';
  return `pid ${owner.pid} on ${owner.host}${owner.agentId === undefined ? '' : ` (agent ${owner.agentId})`}, started ${owner.startedAt}, config ${owner.configPath}`;
}

function lockedError(dataDir: string, owner: DataDirOwner | undefined): CamwatchError {
  return new CamwatchError('STORE_LOCKED', `data directory ${dataDir} is in use by another camwatch agent: ${describeOwner(owner)}`, {
    details: { dataDir, ...(owner === undefined ? {} : { owner }) },
  });
}

/** Atomically (temp file + rename): a refused agent never reads half an owner. */
function writeOwner(dataDir: string, owner: DataDirOwner): void {
  const file = join(dataDir, DATA_DIR_OWNER_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(owner)}\n`, { mode: 0o644 });
  renameSync(tmp, file);
}
