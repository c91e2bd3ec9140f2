import { copyFileSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../agent/core/logger.js';
import { checkStore } from '../../../agent/store/check.js';
import { inspectHeader, rebuiltHeader } from '../../../agent/store/db-header.js';
import { parseLockLine } from '../../../agent/store/holders.js';
import { openStore } from '../../../agent/store/sqlite-store.js';
import { inspectWal } from '../../../agent/store/wal-file.js';
import { makeRecord } from '../../fixtures/outbox-data.js';

/**
 * The damage checks on real SQLite files: a WAL as a crash leaves it (copied while the writer still has it
 * open), then torn at its end as a power cut tears it (not damage: SQLite rightly drops an unfinished
 * transaction) or damaged in the middle (damage: committed transactions would be dropped silently).
 */
const dir = mkdtempSync(join(tmpdir(), 'camwatch-damage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const logger = createLogger({ level: 'silent' });

/** A store with `n` saves still in its WAL, copied as a crash would leave it. */
function crashedStore(name: string, n: number): string {
  const live = join(dir, `${name}-live.db`);
  const store = openStore({ path: live, logger });
  for (let i = 0; i < n; i++) store.save(makeRecord(name, i, { jpegBytes: 500 }));
  const copy = join(dir, `${name}.db`);
  copyFileSync(live, copy);
  copyFileSync(`${live}-wal`, `${copy}-wal`);
  store.close();
  return copy;
}

function overwrite(file: string, offset: number, bytes: Buffer): void {
  const fd = openSync(file, 'r+');
  writeSync(fd, bytes, 0, bytes.length, offset);
  closeSync(fd);
}

const FRAME = 24 + 4096;

describe('WAL check', () => {
  it('an intact WAL: every transaction applied, nothing lost, store checks clean', () => {
    const db = crashedStore('intact', 10);
    const wal = inspectWal(readFileSync(`${db}-wal`), 4096);
    expect(wal.headerValid).toBe(true);
    expect(wal.appliedFrames).toBe(wal.frames);
    expect(wal.appliedTransactions).toBeGreaterThanOrEqual(10);
    expect(wal.lostTransactions).toBe(0);
    expect(checkStore(db)).toBeUndefined();
  });

  it('a torn last frame (power cut mid-write) is not damage: only the unfinished transaction is dropped', () => {
    const db = crashedStore('torn', 10);
    const before = inspectWal(readFileSync(`${db}-wal`), 4096);
    const last = 32 + (before.frames - 1) * FRAME;
    overwrite(`${db}-wal`, last + 24 + 1000, Buffer.alloc(3000, 0)); // the page half written
    const wal = inspectWal(readFileSync(`${db}-wal`), 4096);
    expect(wal.appliedTransactions).toBe(before.appliedTransactions - 1);
    expect(wal.lostTransactions).toBe(0);
    expect(checkStore(db)).toBeUndefined();
  });

  it('garbage in an early frame: the committed transactions after it are counted and the store is reported damaged', () => {
    const db = crashedStore('middle', 10);
    const before = inspectWal(readFileSync(`${db}-wal`), 4096);
    overwrite(`${db}-wal`, 32 + 2 * FRAME + 24 + 100, Buffer.alloc(16, 0xee));
    const wal = inspectWal(readFileSync(`${db}-wal`), 4096);
    expect(wal.firstBadFrameOffset).toBe(32 + 2 * FRAME);
    expect(wal.appliedTransactions + wal.lostTransactions).toBeLessThanOrEqual(before.appliedTransactions);
    expect(wal.lostTransactions).toBeGreaterThan(0);
    expect(checkStore(db)?.problems.join()).toMatch(/write-ahead log .* is damaged at byte 8272: SQLite would silently drop the \d+ committed transactions?/);
  });

  it('a garbled WAL header (SQLite ignores the whole WAL) is damage too', () => {
    const db = crashedStore('walheader', 5);
    overwrite(`${db}-wal`, 0, Buffer.alloc(32, 0x11));
    const wal = inspectWal(readFileSync(`${db}-wal`), 4096);
    expect(wal.headerValid).toBe(false);
    expect(wal.appliedFrames).toBe(0);
    expect(wal.lostTransactions).toBeGreaterThan(0);
  });
});

describe('database header', () => {
  const header = rebuiltHeader({ pageSize: 4096, pageCount: 10, wal: true, userVersion: 3 });
  it('a rebuilt header reads back as what it was built from', () => {
    expect(inspectHeader(header, 10 * 4096)).toEqual({ pageSize: 4096, pageCount: 10, userVersion: 3 });
  });
  it('names truncation, a partial page and a garbled start', () => {
    expect(inspectHeader(header, 6 * 4096).problem).toBe('the file has 6 pages but its header says 10: it was truncated');
    expect(inspectHeader(header, 6 * 4096, 3).problem).toBeUndefined(); // pages may still be in the WAL
    expect(inspectHeader(header, 6 * 4096 + 7).problem).toMatch(/not a whole number of 4096-byte pages/);
    expect(inspectHeader(Buffer.alloc(100, 0xa5), 4096).problem).toMatch(/does not start with the SQLite header/);
  });
});

it('/proc/locks lines: pid, device and inode', () => {
  expect(parseLockLine('3: POSIX  ADVISORY  READ 23427 fe:00:2147682 128 128')).toEqual({ pid: 23427, device: 'fe:00', inode: 2147682 });
  expect(parseLockLine('1: -> POSIX  ADVISORY  WRITE 99 08:01:12 0 EOF')).toEqual({ pid: 99, device: '08:01', inode: 12 });
  expect(parseLockLine('garbage')).toBeUndefined();
});
