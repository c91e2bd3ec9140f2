import { accessSync, constants as fsConstants, existsSync, statfsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { resolveConfigPath, type LoadedConfig } from '../../config/index.js';
import { formatBytes, ERROR_CATALOGUE } from '../../core/index.js';
import { describeOwner, isCorruption, probeDataDirLock, SCHEMA_VERSION } from '../../store/index.js';
import { fail, pass, warn, type CheckResult, type DoctorCheck } from './types.js';

/** The store file inside agent.dataDir (the agent opens the same name). */
export const STORE_FILE = 'camwatch.db';
/** Below this much free space in dataDir: warn (snapshots fill a disk quickly once the broker is away). */
export const DEFAULT_DISK_WARN_BYTES = 1024 ** 3;
/** Below this: fail; SQLite writes start failing soon and incidents would be lost. */
export const DEFAULT_DISK_FAIL_BYTES = 100 * 1024 ** 2;
/** More events than this waiting for the broker is worth a warning: the IOC is missing them. */
export const DEFAULT_BACKLOG_WARN_EVENTS = 1_000;

/** The fix for a damaged store names the command that recovers it (never "delete the file"). */
const damagedFix = (ctx: { loaded: LoadedConfig }) => `Stop the agent, then run \`camwatch store recover --config ${ctx.loaded.path}\`: it keeps what can be read and moves the damaged file aside.`;

/** `database`: opens read-only (safe while the agent runs), quick integrity check, schema, backlog. */
export const databaseCheck: DoctorCheck = {
  name: 'database',
  async run(ctx): Promise<CheckResult> {
    const dataDir = dataDirOf(ctx.loaded);
    const file = join(dataDir, STORE_FILE);
    if (!existsSync(file)) {
      const dir = nearestExisting(dataDir);
      if (!writable(dir)) {
        return fail('database', `${file} does not exist and ${dir} is not writable by ${userInfo().username}`, `${ERROR_CATALOGUE.STORE_OPEN} (The agent user must own agent.dataDir.)`, 'STORE_OPEN');
      }
      return pass('database', `${file} not created yet: the agent creates it on first start`);
    }
    let db: Database.Database;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
    } catch (err) {
      return fail('database', `cannot open ${file}: ${(err as Error).message}`, ERROR_CATALOGUE.STORE_OPEN, 'STORE_OPEN');
    }
    try {
      const problems = (db.pragma('quick_check') as Array<{ quick_check: string }>).map((r) => r.quick_check).filter((r) => r !== 'ok');
      if (problems.length > 0) {
        return fail('database', `${file} is damaged: ${problems.slice(0, 2).join('; ')}`, damagedFix(ctx), 'STORE_CORRUPT');
      }
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        return fail('database', `${file} has schema ${version}, newer than this camwatch (${SCHEMA_VERSION})`, 'Upgrade camwatch to the version that wrote this store.', 'STORE_OPEN');
      }
      if (version < 2) return pass('database', `${file}: integrity ok, schema ${version} (migrated on next start)${lockNote(dataDir)}`);
      const { n } = db.prepare('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL AND cancelled_at IS NULL').get() as { n: number };
      const detail = `${file}: integrity ok, ${n} event${n === 1 ? '' : 's'} waiting for the broker${lockNote(dataDir)}`;
      if (n > DEFAULT_BACKLOG_WARN_EVENTS) {
        return warn('database', detail, 'The IOC is missing these: fix the broker check; they are sent, oldest first, once it connects.');
      }
      return pass('database', detail);
    } catch (err) {
      // Not a database at all, or pages SQLite cannot read: permissions are not the problem, the file is.
      if (isCorruption(err)) {
        return fail('database', `${file} is damaged: ${(err as Error).message}`, damagedFix(ctx), 'STORE_CORRUPT');
      }
      return fail('database', `cannot read ${file}: ${(err as Error).message}`, ERROR_CATALOGUE.STORE_OPEN, 'STORE_OPEN');
    } finally {
      db.close();
    }
  },
};

/** `disk`: free space where the store and snapshots are written. */
export const diskCheck: DoctorCheck = {
  name: 'disk',
  async run(ctx): Promise<CheckResult> {
    const dir = nearestExisting(dataDirOf(ctx.loaded));
    try {
      const fs = statfsSync(dir);
      return judgeDiskSpace(dir, fs.bavail * fs.bsize);
    } catch (err) {
      return fail('disk', `cannot read free space of ${dir}: ${(err as Error).message}`, ERROR_CATALOGUE.STORE_OPEN, 'STORE_OPEN');
    }
  },
};

/** pass / warn below 1 GiB / fail below 100 MiB (pure). */
export function judgeDiskSpace(dir: string, freeBytes: number): CheckResult {
  const detail = `${formatBytes(freeBytes)} free in ${dir}`;
  if (freeBytes < DEFAULT_DISK_FAIL_BYTES) return fail('disk', detail, ERROR_CATALOGUE.STORE_FULL, 'STORE_FULL');
  if (freeBytes < DEFAULT_DISK_WARN_BYTES) return warn('disk', detail, 'Free space soon: under 1 GiB, a broker outage of a day can fill it with snapshots.');
  return pass('disk', detail);
}

export { formatBytes } from '../../core/index.js';

/** Which agent, if any, holds the data directory (a second one would be refused: STORE_LOCKED). */
function lockNote(dataDir: string): string {
  const lock = probeDataDirLock(dataDir);
  return lock.held ? `; in use by the agent ${describeOwner(lock.owner)}` : '; no agent running on it';
}

function dataDirOf(loaded: LoadedConfig): string {
  return resolveConfigPath(loaded, loaded.config.agent.dataDir);
}

/** dataDir may not exist before the first start; its nearest existing parent is where it will be created. */
function nearestExisting(dir: string): string {
  let current = dir;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}
