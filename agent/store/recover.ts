import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Incident } from '../incidents/index.js';
import { CamwatchError } from '../core/index.js';
import { checkStore, isCorruption, shmPathOf, walPathOf, type StoreDamage } from './check.js';
import { DB_HEADER_BYTES, guessPageSize, inspectHeader, rebuiltHeader } from './db-header.js';
import { processName, storeHolders } from './holders.js';
import { MIGRATIONS, SCHEMA_VERSION, migrate } from './migrations.js';

/**
 * `camwatch store recover`: rebuilds a damaged store from what SQLite can still read, the way sqlite3's
 * `.recover` would for our tables but with better-sqlite3 alone (a box may have no sqlite3 CLI):
 * - the damaged file and its WAL are renamed aside with a timestamp, never deleted, never written;
 * - a garbled header is rebuilt on a scratch copy, so the pages behind it can be read;
 * - each table is read in rowid order; where a page is unreadable the rows are sought one by one, so only
 *   the rows on damaged pages are lost (rows under a damaged interior page cannot be reached this way);
 * - rows are checked (event JSON parses and names its incident; a JPEG starts and ends like one);
 * - an incident whose own row is lost but whose events survive is rebuilt from its latest event, so unsent
 *   events are never dropped for want of their incident row; events whose snapshot is lost go out without it;
 * - what was kept and lost is counted against the table's indexes (which list every row id, unsent events
 *   included, independently of the table's pages).
 * The new store is written beside the old one and renamed into place only when complete.
 */

/** Rows read per statement while the pages are healthy. */
const READ_CHUNK_ROWS = 256;

/** What recovery kept and lost. `undefined` counts are unknown (the index that would tell is damaged too). */
export interface RecoveryReport {
  path: string;
  /** The damage found (empty with `force` on a store that checks clean). */
  problems: string[];
  /** Where the damaged files went (renamed, never deleted). */
  movedAside: string[];
  headerRebuilt: boolean;
  kept: { incidents: number; events: number; unsent: number; snapshots: number };
  lost: { incidents?: number; events?: number; unsent?: number; snapshots?: number };
  /** Incident rows rebuilt from their latest event because the row itself was lost. */
  rebuiltIncidents: number;
  /** Unsent events kept whose snapshot was lost: they are sent without a picture. */
  unsentWithoutSnapshot: number;
  /** Transactions in a damaged WAL after the damage: SQLite cannot apply them (kept in the aside WAL). */
  walTransactionsLost: number;
  /** The schema could not be read at all: the store starts empty (the old files are kept aside). */
  startedFresh: boolean;
}

export interface RecoverOptions {
  path: string;
  /** Recover even when the check finds nothing (damage only `--full` or the agent at run time saw). */
  force?: boolean;
  /** Runs the full quick_check (every page) to decide; default true. */
  full?: boolean;
  /** Clock for the aside timestamp (tests). */
  nowMs?: number;
}

/** Outcome of `recoverStore`: nothing to do (healthy), or the report. */
export type RecoverOutcome = { recovered: false; reason: string } | { recovered: true; report: RecoveryReport };

/** Recovers the store at `path` (see the module comment). Throws STORE_IN_USE while another process has it open. */
export function recoverStore(options: RecoverOptions): RecoverOutcome {
  const { path } = options;
  const wal = walPathOf(path);
  if (!existsSync(path) && !existsSync(wal)) {
    throw new CamwatchError('STORE_OPEN', `no incident store at ${path}: nothing to recover`, { details: { path }, hint: 'Check --config: the store is agent.dataDir/camwatch.db.' });
  }
  const holders = storeHolders(path);
  if (holders !== undefined && holders.length > 0) {
    const who = holders.map((pid) => `${pid}${processName(pid) ? ` (${processName(pid)})` : ''}`).join(', ');
    throw new CamwatchError('STORE_IN_USE', `incident store ${path} is open in process ${who}: recovering it now would lose what that process writes`, { details: { path, pids: holders } });
  }
  let damage: StoreDamage | undefined;
  try {
    damage = checkStore(path, { full: options.full ?? true });
  } catch (err) {
    damage = { problems: [err instanceof Error ? err.message : String(err)] };
  }
  if (damage === undefined && options.force !== true) {
    return { recovered: false, reason: `${path} checks clean (every page read); nothing to recover. --force rebuilds it anyway.` };
  }

  const stamp = new Date(options.nowMs ?? Date.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const aside = freeName(`${path}.damaged-${stamp}`);
  const movedAside: string[] = [];
  // SQLite's own naming (<db>-wal) keeps the aside pair openable as one database by sqlite3. An empty WAL
  // holds nothing and the -shm is only an index SQLite rebuilds from the WAL: neither is worth keeping.
  for (const [from, to] of [[path, aside], [wal, walPathOf(aside)]] as const) {
    if (!existsSync(from)) continue;
    if (from === wal && statSync(wal).size === 0) {
      rmSync(wal);
      continue;
    }
    renameSync(from, to);
    movedAside.push(to);
  }
  rmSync(shmPathOf(path), { force: true });
  const report: RecoveryReport = {
    path,
    problems: damage?.problems ?? [],
    movedAside,
    headerRebuilt: false,
    kept: { incidents: 0, events: 0, unsent: 0, snapshots: 0 },
    lost: {},
    rebuiltIncidents: 0,
    unsentWithoutSnapshot: 0,
    walTransactionsLost: damage?.wal?.lostTransactions ?? 0,
    startedFresh: false,
  };
  const target = `${path}.recovering-${stamp}`;
  const scratch = join(dirname(path), `.${basename(path)}.recover-source-${stamp}`);
  let source: Database.Database | undefined;
  try {
    source = existsSync(aside) ? openSource(aside, scratch, report) : undefined;
    const out = createTarget(target);
    try {
      if (source === undefined) report.startedFresh = true;
      else copyStore(source, out, report);
    } finally {
      out.close();
    }
    fsyncFile(target);
    renameSync(target, path);
    fsyncFile(dirname(path));
  } catch (err) {
    rmSync(target, { force: true });
    throw err;
  } finally {
    source?.close();
    for (const f of [scratch, walPathOf(scratch), shmPathOf(scratch)]) rmSync(f, { force: true });
    // Reading the aside file read-only makes SQLite create an -shm (and an empty -wal when there was none).
    rmSync(shmPathOf(aside), { force: true });
    if (!movedAside.includes(walPathOf(aside))) rmSync(walPathOf(aside), { force: true });
  }
  return { recovered: true, report };
}

/**
 * Opens the aside file read-only (SQLite never writes a read-only database or its WAL). A header SQLite
 * rejects is rebuilt on a scratch copy first. Undefined when not even the schema table can be read.
 */
function openSource(aside: string, scratch: string, report: RecoveryReport): Database.Database | undefined {
  const readable = (file: string): Database.Database | undefined => {
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
      db.prepare('SELECT name FROM sqlite_schema').all();
      return db;
    } catch (err) {
      db?.close();
      if (isCorruption(err)) return undefined;
      throw err;
    }
  };
  const direct = readable(aside);
  if (direct !== undefined) return direct;
  copyFileSync(aside, scratch);
  if (existsSync(walPathOf(aside))) copyFileSync(walPathOf(aside), walPathOf(scratch));
  const size = statSync(scratch).size;
  const old = readAt(scratch, 0, DB_HEADER_BYTES);
  const pageSize = inspectHeader(old, size).pageSize ?? guessPageSize(size, (offset) => readAt(scratch, offset, 1)[0]);
  const header = rebuiltHeader({ pageSize, pageCount: Math.floor(size / pageSize), wal: existsSync(walPathOf(scratch)), userVersion: SCHEMA_VERSION });
  const fd = openSync(scratch, 'r+');
  try {
    writeSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  report.headerRebuilt = true;
  return readable(scratch);
}

/** An empty store at the current schema, written without a journal: it is a new file nobody else reads yet. */
function createTarget(target: string): Database.Database {
  rmSync(target, { force: true });
  const db = new Database(target);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  migrate(db, MIGRATIONS);
  db.pragma('foreign_keys = OFF');
  return db;
}

type Row = Record<string, unknown> & { rowid_: number };

/** Reads a table in rowid order, seeking row by row past unreadable pages; hands rows over in chunks. */
function readTable(db: Database.Database, table: string, columns: readonly string[], upperBound: number, onRows: (rows: Row[]) => void): { unreadable: number } {
  const cols = columns.map((c) => `"${c}"`).join(', ');
  const chunk = db.prepare(`SELECT rowid AS rowid_, ${cols} FROM "${table}" WHERE rowid > ? ORDER BY rowid LIMIT ${READ_CHUNK_ROWS}`);
  const one = db.prepare(`SELECT rowid AS rowid_, ${cols} FROM "${table}" WHERE rowid = ?`);
  let after = 0;
  let unreadable = 0;
  for (;;) {
    let rows: Row[] | undefined;
    try {
      rows = chunk.all(after) as Row[];
    } catch {
      rows = undefined;
    }
    if (rows !== undefined) {
      if (rows.length === 0) break;
      onRows(rows);
      after = rows[rows.length - 1]!.rowid_;
      continue;
    }
    // A page on the way is damaged: seek each row id until one reads, then scan again from there.
    let resumed = false;
    while (after < upperBound) {
      after += 1;
      try {
        const row = one.get(after) as Row | undefined;
        if (row !== undefined) {
          onRows([row]);
          resumed = true;
          break;
        }
      } catch {
        unreadable += 1;
      }
    }
    if (!resumed) break;
  }
  return { unreadable };
}

/** Row ids an index lists (a covering scan reads only the index's pages), or undefined when it cannot be read. */
function indexedRowids(db: Database.Database, sql: string): Set<number> | undefined {
  try {
    return new Set((db.prepare(sql).raw().all() as number[][]).map((r) => r[0]!));
  } catch {
    return undefined;
  }
}

function columnsOf(db: Database.Database, table: string): string[] {
  try {
    return (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: string }>).map((r) => r.name);
  } catch {
    return [];
  }
}

function maxOf(...values: Array<number | undefined | Set<number>>): number {
  let max = 0;
  for (const v of values) {
    if (v instanceof Set) for (const n of v) max = Math.max(max, n);
    else if (v !== undefined) max = Math.max(max, v);
  }
  return max;
}

function isJpeg(b: unknown): boolean {
  return Buffer.isBuffer(b) && b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9;
}

function parseIncident(json: unknown): Incident | undefined {
  if (typeof json !== 'string') return undefined;
  try {
    const v = JSON.parse(json) as Incident;
    return typeof v === 'object' && v !== null && typeof v.id === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Copies incidents, snapshots and events from `src` into the new store `out`, counting what was kept and lost. */
function copyStore(src: Database.Database, out: Database.Database, report: RecoveryReport): void {
  const sequences = new Map<string, number>();
  try {
    for (const r of src.prepare('SELECT name, seq FROM sqlite_sequence').all() as Array<{ name: string; seq: number }>) sequences.set(r.name, r.seq);
  } catch {
    // unreadable: the bounds come from the indexes and the rows read
  }
  const known = {
    incidents: indexedRowids(src, 'SELECT rowid FROM incidents INDEXED BY incidents_created_at'),
    snapshots: indexedRowids(src, 'SELECT id FROM snapshots INDEXED BY snapshots_incident'),
    events: indexedRowids(src, 'SELECT seq FROM outbox INDEXED BY outbox_incident'),
    unsent: indexedRowids(src, 'SELECT seq FROM outbox INDEXED BY outbox_due WHERE sent_at IS NULL AND cancelled_at IS NULL'),
  };
  const keptIds = { incidents: new Set<number>(), snapshots: new Set<number>(), events: new Set<number>() };
  const incidentIds = new Set<string>();

  out.transaction(() => {
    // Incidents: the latest state of each; a row whose JSON does not parse is damaged.
    const incCols = ['id', 'camera', 'type', 'category', 'payload', 'created_at', 'acked_at', 'open_state'].filter((c) => columnsOf(src, 'incidents').includes(c));
    if (incCols.length > 0) {
      const insert = out.prepare(`INSERT OR IGNORE INTO incidents (rowid, ${incCols.join(', ')}) VALUES (?, ${incCols.map(() => '?').join(', ')})`);
      readTable(src, 'incidents', incCols, maxOf(known.incidents), (rows) => {
        for (const r of rows) {
          if (typeof r.id !== 'string' || parseIncident(r.payload)?.id !== r.id) continue;
          insert.run(r.rowid_, ...incCols.map((c) => r[c]));
          keptIds.incidents.add(r.rowid_);
          incidentIds.add(r.id);
        }
      });
    }

    // Snapshots: ids kept (events refer to them); a blob that is not a whole JPEG is damaged evidence.
    const snapCols = ['id', 'incident_id', 'kind', 'content_type', 'jpeg', 'path', 'bytes', 'created_at'].filter((c) => columnsOf(src, 'snapshots').includes(c));
    if (snapCols.includes('jpeg')) {
      const insert = out.prepare(`INSERT OR IGNORE INTO snapshots (${snapCols.join(', ')}) VALUES (${snapCols.map(() => '?').join(', ')})`);
      readTable(src, 'snapshots', snapCols, maxOf(sequences.get('snapshots'), known.snapshots), (rows) => {
        for (const r of rows) {
          if (r.path === null && !isJpeg(r.jpeg)) continue;
          insert.run(...snapCols.map((c) => (c === 'bytes' && Buffer.isBuffer(r.jpeg) ? r.jpeg.length : r[c])));
          keptIds.snapshots.add(r.rowid_);
        }
      });
    }

    // Events: each row's own JSON; rows of schema 1 (no event column) fall back to the incident's state.
    const outCols = ['seq', 'incident_id', 'created_at', 'attempts', 'sent_at', 'event', 'status', 'snapshot_id', 'resend_of', 'cancelled_at', 'kind'].filter((c) => columnsOf(src, 'outbox').includes(c));
    const orphans = new Map<string, { event: Incident; json: string; createdAt: number }>();
    if (outCols.length > 0) {
      const payloadOf = out.prepare<[string], { payload: string }>('SELECT payload FROM incidents WHERE id = ?');
      const insert = out.prepare(`INSERT OR IGNORE INTO outbox (${outCols.join(', ')}) VALUES (${outCols.map(() => '?').join(', ')})`);
      readTable(src, 'outbox', outCols, maxOf(sequences.get('outbox'), known.events, known.unsent), (rows) => {
        for (const r of rows) {
          // A count bin queued for the IOC (schema 5): no incident, its own JSON in `event`.
          if (r.kind === 'counts' && typeof r.event === 'string') {
            insert.run(...outCols.map((c) => r[c]));
            keptIds.events.add(r.rowid_);
            continue;
          }
          if (typeof r.incident_id !== 'string') continue;
          const json = typeof r.event === 'string' ? r.event : payloadOf.get(r.incident_id)?.payload;
          const event = parseIncident(json);
          if (event === undefined || event.id !== r.incident_id) continue;
          insert.run(...outCols.map((c) => (c === 'event' ? json : r[c])));
          keptIds.events.add(r.rowid_);
          if (!incidentIds.has(r.incident_id)) {
            const seen = orphans.get(r.incident_id);
            const createdAt = Number(r.created_at) || 0;
            // The latest event is the incident's latest state; the first one its creation time.
            if (seen === undefined || (event.sequence ?? 1) >= (seen.event.sequence ?? 1)) orphans.set(r.incident_id, { event, json: json!, createdAt: Math.min(createdAt, seen?.createdAt ?? createdAt) });
            else seen.createdAt = Math.min(seen.createdAt, createdAt);
          }
        }
      });
    }

    // Count bins (open and closed), as far as they read: an open bin resumes where it was.
    const binCols = ['camera', 'period_s', 'start_ms', 'state', 'updated_at', 'closed_at'].filter((c) => columnsOf(src, 'count_bins').includes(c));
    if (binCols.length > 0 && columnsOf(out, 'count_bins').length > 0) {
      const insert = out.prepare(`INSERT OR IGNORE INTO count_bins (${binCols.join(', ')}) VALUES (${binCols.map(() => '?').join(', ')})`);
      readTable(src, 'count_bins', binCols, 0, (rows) => {
        for (const r of rows) insert.run(...binCols.map((c) => r[c]));
      });
    }

    // Incidents lost but with events: rebuilt from their latest event, so those events can still be sent.
    const rebuild = out.prepare('INSERT INTO incidents (id, camera, type, category, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    for (const [id, o] of orphans) {
      rebuild.run(id, o.event.cameraId, o.event.type, o.event.category, o.json, o.createdAt);
      report.rebuiltIncidents += 1;
    }
    // References to what is gone: evidence of a lost incident goes; an event keeps going without its picture.
    out.prepare('DELETE FROM snapshots WHERE incident_id NOT IN (SELECT id FROM incidents)').run();
    report.unsentWithoutSnapshot = (
      out.prepare('SELECT count(*) AS n FROM outbox WHERE snapshot_id IS NOT NULL AND snapshot_id NOT IN (SELECT id FROM snapshots) AND sent_at IS NULL AND cancelled_at IS NULL').get() as { n: number }
    ).n;
    out.prepare('UPDATE outbox SET snapshot_id = NULL WHERE snapshot_id IS NOT NULL AND snapshot_id NOT IN (SELECT id FROM snapshots)').run();
    // AUTOINCREMENT: seqs and snapshot ids are never reused, even those of rows that were lost.
    for (const [name, max] of [['outbox', maxOf(sequences.get('outbox'), known.events, known.unsent, keptIds.events)], ['snapshots', maxOf(sequences.get('snapshots'), known.snapshots, keptIds.snapshots)]] as const) {
      if (out.prepare('UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?').run(max, name).changes === 0) {
        out.prepare('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)').run(name, max);
      }
    }
  })();

  const count = (sql: string) => (out.prepare(sql).get() as { n: number }).n;
  report.kept = {
    incidents: count('SELECT count(*) AS n FROM incidents'),
    events: count('SELECT count(*) AS n FROM outbox'),
    unsent: count('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL AND cancelled_at IS NULL'),
    snapshots: count('SELECT count(*) AS n FROM snapshots'),
  };
  const missing = (all: Set<number> | undefined, kept: Set<number>) => (all === undefined ? undefined : [...all].filter((id) => !kept.has(id)).length);
  report.lost = {
    ...defined('incidents', known.incidents === undefined ? undefined : Math.max(0, (missing(known.incidents, keptIds.incidents) ?? 0) - report.rebuiltIncidents)),
    ...defined('events', missing(known.events, keptIds.events)),
    ...defined('unsent', missing(known.unsent, keptIds.events)),
    ...defined('snapshots', missing(known.snapshots, keptIds.snapshots)),
  };
  const problems = (out.prepare('PRAGMA foreign_key_check').all() as unknown[]).length;
  if (problems > 0) throw new Error(`recovered store has ${problems} dangling references; the damaged files are kept aside`);
}

function defined<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

/** `base`, or `base.1`, `base.2`… when a recovery in the same second already used it. */
function freeName(base: string): string {
  let name = base;
  for (let i = 1; existsSync(name) || existsSync(walPathOf(name)); i++) name = `${base}.${i}`;
  return name;
}

function readAt(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    return buf.subarray(0, readSync(fd, buf, 0, length, offset));
  } finally {
    closeSync(fd);
  }
}

/** fsync a file or directory: the renamed store must survive a power cut right after recovery. */
function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
