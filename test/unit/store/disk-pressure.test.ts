/**
 * The store's disk-pressure policy, without SQLite: what a save does given free space, its size, the reserve
 * and the memory hold (the store carries it out: test/integration/store-quotas.test.ts on a real full tmpfs).
 */
import { describe, expect, it } from 'vitest';
import { decideSave, decideSnapshotQuota, FULL_DISK_PRUNE_MIN_BYTES, isLoudPrune, PRUNE_LOG_INTERVAL_MS, roomBytes, type SaveSituation } from '../../../agent/store/disk-pressure.js';

const MB = 1024 * 1024;
const situation = (over: Partial<SaveSituation> = {}): SaveSituation => ({
  diskFreeBytes: 100 * MB,
  freePageBytes: 0,
  reserveBytes: 2 * MB,
  writeBytes: 20_000,
  fullFailures: 0,
  held: 0,
  heldMax: 500,
  ...over,
});

describe('disk-pressure policy (pure)', () => {
  it('writes when free disk plus free pages cover the write and the reserve', () => {
    expect(decideSave(situation())).toMatchObject({ action: 'write' });
    // Free pages inside the file count: SQLite reuses them before the file grows.
    expect(decideSave(situation({ diskFreeBytes: 1 * MB, freePageBytes: 2 * MB }))).toMatchObject({ action: 'write' });
    // Exactly enough is enough.
    expect(decideSave(situation({ diskFreeBytes: 2 * MB + 20_000 }))).toMatchObject({ action: 'write' });
  });

  it('prunes exactly the shortfall first when the disk is nearly full, without a checkpoint', () => {
    expect(decideSave(situation({ diskFreeBytes: 2 * MB, freePageBytes: 5_000 }))).toEqual({
      action: 'prune-first',
      pruneBytes: 15_000,
      checkpoint: false,
      reason: 'disk nearly full',
    });
    expect(roomBytes(situation({ diskFreeBytes: 2 * MB, freePageBytes: 5_000 }))).toBe(-15_000);
  });

  it('leaves it to SQLite when free space cannot be read', () => {
    expect(decideSave(situation({ diskFreeBytes: undefined }))).toMatchObject({ action: 'write' });
    expect(roomBytes(situation({ diskFreeBytes: undefined }))).toBe(Number.POSITIVE_INFINITY);
  });

  it('after SQLite said the disk is full: checkpoint and prune at least 1 MiB, or 4 × the write, then retry', () => {
    // Plenty of free disk by statfs does not matter: SQLite's SQLITE_FULL is the truth.
    expect(decideSave(situation({ fullFailures: 1 }))).toEqual({ action: 'prune-first', pruneBytes: FULL_DISK_PRUNE_MIN_BYTES, checkpoint: true, reason: 'disk full' });
    expect(decideSave(situation({ fullFailures: 1, writeBytes: MB }))).toEqual({ action: 'prune-first', pruneBytes: 4 * MB, checkpoint: true, reason: 'disk full' });
  });

  it('still full after pruning: held in memory while the hold has room, refused (dropped) beyond it', () => {
    expect(decideSave(situation({ fullFailures: 2, held: 0, heldMax: 2 }))).toMatchObject({ action: 'hold', reason: expect.stringContaining('1 of at most 2') });
    expect(decideSave(situation({ fullFailures: 2, held: 1, heldMax: 2 }))).toMatchObject({ action: 'hold' });
    expect(decideSave(situation({ fullFailures: 2, held: 2, heldMax: 2 }))).toMatchObject({ action: 'refuse', reason: expect.stringContaining('2 events already held') });
    expect(decideSave(situation({ fullFailures: 2, held: 0, heldMax: 0 }))).toMatchObject({ action: 'refuse' });
  });

  it('the snapshot quota: nothing within it, the overshoot above it', () => {
    expect(decideSnapshotQuota(100, 100)).toBeUndefined();
    expect(decideSnapshotQuota(150, 100)).toEqual({ pruneBytes: 50, reason: 'snapshot quota exceeded' });
  });

  it('a prune is logged loudly once per interval per reason', () => {
    expect(isLoudPrune(undefined, 0)).toBe(true);
    expect(isLoudPrune(1_000, 1_000 + PRUNE_LOG_INTERVAL_MS - 1)).toBe(false);
    expect(isLoudPrune(1_000, 1_000 + PRUNE_LOG_INTERVAL_MS)).toBe(true);
  });
});
