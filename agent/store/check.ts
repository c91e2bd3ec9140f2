import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { CamwatchError } from '../core/index.js';
import { DB_HEADER_BYTES, inspectHeader } from './db-header.js';
import { inspectWal, walDamaged, type WalReport } from './wal-file.js';

/**
 * Is the store damaged? Checked before the agent opens it (a damaged store must stop the agent with the
 * command that recovers it, not fail later or, worse, have SQLite quietly drop a damaged WAL), and by
 * `camwatch store check|recover`.
 *
 * Start-up cost is bounded by what the agent reads, not by the evidence: the file header and the WAL are
 * parsed directly, then `PRAGMA quick_check` runs on the incidents and outbox tables (every event and its
 * delivery state) but not on the snapshots table, whose JPEGs are most of the file. Measured on a
 * 100,000-event store with 20 kB snapshots (2.1 GB, a 2-core VM; `npx tsx scripts/bench/store-check.ts`):
 * the start-up check 0.5-0.7 s with the file in the page cache, 2.6-3 s from disk; a full quick_check (every
 * page, `camwatch store check --full`) 4.5-15 s warm depending on load, 33 s from disk.
 */

/** Tables checked at every start: small, and holding every event; snapshots are checked by `--full`. */
export const STARTUP_CHECKED_TABLES = ['incidents', 'outbox'] as const;

/** Errors a quick_check lists before it stops (the first few say enough). */
const QUICK_CHECK_MAX_ERRORS = 5;

/** What is wrong with a store, for the operator. */
export interface StoreDamage {
  /** One sentence per problem found (header, size, WAL, pages). */
  problems: string[];
  wal?: WalReport;
}

/** The WAL and shared-memory files SQLite keeps beside a database in WAL mode. */
export function walPathOf(path: string): string {
  return `${path}-wal`;
}
export function shmPathOf(path: string): string {
  return `${path}-shm`;
}

/**
 * The structural checks that need no SQLite: the header against the file size, and the WAL against what
 * SQLite would apply. Must run before SQLite opens the file: the first read-write open checkpoints the
 * valid part of a WAL and deletes it, taking the evidence (and the transactions after the damage) with it.
 */
export function checkStoreFiles(path: string): StoreDamage | undefined {
  if (!existsSync(path)) return undefined;
  const problems: string[] = [];
  const size = statSync(path).size;
  const header = readBytes(path, 0, DB_HEADER_BYTES);
  const walPath = walPathOf(path);
  let wal: WalReport | undefined;
  if (existsSync(walPath) && statSync(walPath).size > 0) {
    const pageSize = header.length >= 18 ? header.readUInt16BE(16) : 0;
    wal = inspectWal(readBytes(walPath, 0, statSync(walPath).size), pageSize === 1 ? 65536 : pageSize || 4096);
    if (walDamaged(wal)) {
      problems.push(
        `the write-ahead log ${walPath} is damaged at byte ${wal.firstBadFrameOffset ?? 0}: SQLite would silently drop the ` +
          `${wal.lostTransactions} committed transaction${wal.lostTransactions === 1 ? '' : 's'} written after that point`,
      );
    }
  }
  const h = inspectHeader(header, size, wal?.frames ?? 0);
  if (h.problem !== undefined) problems.unshift(`${path}: ${h.problem}`);
  return problems.length === 0 ? undefined : { problems, ...(wal === undefined ? {} : { wal }) };
}

/**
 * `PRAGMA quick_check` on an open database: the named tables (with their indexes), or the whole file.
 * Returns SQLite's findings (empty when ok); a file SQLite cannot read at all comes back as one finding.
 */
export function quickCheck(db: Database.Database, tables?: readonly string[]): string[] {
  try {
    if (tables === undefined) return findings(db.pragma(`quick_check(${QUICK_CHECK_MAX_ERRORS})`));
    const existing = new Set((db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name));
    // Table names come from this file's constant list, never from input (PRAGMA takes no bound parameters).
    return tables.filter((t) => existing.has(t)).flatMap((t) => findings(db.pragma(`quick_check(${t})`)));
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
}

function findings(rows: unknown): string[] {
  return (rows as Array<{ quick_check: string }>).map((r) => r.quick_check).filter((r) => r !== 'ok');
}

/**
 * Everything checked before the agent opens the store: the files, then (read-only, so nothing is written
 * into a damaged file) quick_check of the start-up tables, or of the whole file with `full`.
 */
export function checkStore(path: string, options: { full?: boolean } = {}): StoreDamage | undefined {
  const files = checkStoreFiles(path);
  if (files !== undefined) return files;
  if (!existsSync(path)) return undefined;
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    if (isCorruption(err)) return { problems: [`${path}: ${(err as Error).message}`] };
    throw err;
  }
  try {
    const found = quickCheck(db, options.full === true ? undefined : STARTUP_CHECKED_TABLES);
    return found.length === 0 ? undefined : { problems: found.map((f) => `${path}: ${f}`) };
  } finally {
    db.close();
  }
}

/** SQLite's "this file is damaged" result codes (as better-sqlite3 names them), as opposed to permissions or space. */
export function isCorruption(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** Named when the caller does not know the config file (the agent passes its own). */
const DEFAULT_RECOVER_COMMAND = 'camwatch store recover --config <your config>';

/** The operator-facing error for a damaged store: what is wrong, and the command that recovers it. */
export function storeCorruptError(path: string, damage: StoreDamage, recoverCommand = DEFAULT_RECOVER_COMMAND, cause?: unknown): CamwatchError {
  return new CamwatchError('STORE_CORRUPT', `incident store ${path} is damaged: ${damage.problems.join('; ')}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { path, problems: damage.problems, recoverCommand },
    hint: `Stop the agent, then run \`${recoverCommand}\`: it keeps every incident SQLite can still read (unsent ones are sent at the next start), moves the damaged files aside (never deleted) and reports what was lost.`,
  });
}

function readBytes(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, offset);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
