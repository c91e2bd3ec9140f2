import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isCamwatchError } from '../../../agent/core/errors.js';
import { currentOwner, DATA_DIR_OWNER_FILE, lockDataDir, probeDataDirLock, type DataDirLock } from '../../../agent/store/data-dir-lock.js';

// In one process: SQLite's unix VFS shares lock state between connections of a process, so a second
// connection is refused exactly as a second process is (test/integration/store-lock.test.ts does processes).
describe('data directory lock', () => {
  const dirs: string[] = [];
  const locks: DataDirLock[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'camwatch-lock-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const l of locks.splice(0)) l.release();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('a second holder is refused with STORE_LOCKED naming the first; free again after release', () => {
    const dir = tempDir();
    expect(probeDataDirLock(dir)).toEqual({ held: false });
    const first = lockDataDir(dir, { pid: 4242, host: 'box-a', startedAt: '2026-01-02T03:04:05.000Z', configPath: '/etc/camwatch/a.yaml', agentId: 'edge-a' });
    locks.push(first);
    let refused: unknown;
    try {
      locks.push(lockDataDir(dir, currentOwner('/etc/camwatch/b.yaml')));
    } catch (err) {
      refused = err;
    }
    expect(isCamwatchError(refused, 'STORE_LOCKED')).toBe(true);
    const message = (refused as Error).message;
    for (const part of ['pid 4242', 'box-a', 'edge-a', '2026-01-02T03:04:05.000Z', '/etc/camwatch/a.yaml', dir]) expect(message).toContain(part);
    expect(probeDataDirLock(dir)).toMatchObject({ held: true, owner: { pid: 4242, host: 'box-a' } });

    first.release();
    first.release(); // idempotent
    expect(probeDataDirLock(dir)).toEqual({ held: false });
    const again = lockDataDir(dir, currentOwner('/etc/camwatch/b.yaml'));
    locks.push(again);
    expect(probeDataDirLock(dir)).toMatchObject({ held: true, owner: { pid: process.pid, configPath: '/etc/camwatch/b.yaml' } });
  });

  it('a damaged or foreign owner file does not stop the refusal, it only leaves the holder unnamed', () => {
    const dir = tempDir();
    locks.push(lockDataDir(dir, currentOwner('/a.yaml')));
    writeFileSync(join(dir, DATA_DIR_OWNER_FILE), 'not json at all');
    expect(() => lockDataDir(dir, currentOwner('/b.yaml'))).toThrow(/in use by another camwatch agent: another process/);
  });
});
