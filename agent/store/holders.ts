import { existsSync, readFileSync, statSync } from 'node:fs';
import { shmPathOf } from './check.js';

/**
 * Which processes have the store open, read from the kernel's lock table (/proc/locks). Every SQLite
 * connection to a WAL database holds a POSIX read lock on its -shm file for as long as it is open (and one on
 * the database while reading), so this sees an idle agent too. Asking SQLite instead would not do: the only
 * connection that can detect other users (locking_mode=EXCLUSIVE) must be read-write, and closing it
 * checkpoints and deletes the WAL, the very evidence `store recover` must keep.
 * Linux only; elsewhere (no /proc/locks) the answer is undefined: unknown.
 */
export function storeHolders(path: string, procLocks = '/proc/locks'): number[] | undefined {
  if (!existsSync(procLocks)) return undefined;
  const targets = [path, shmPathOf(path)].filter((p) => existsSync(p)).map((p) => fileId(p));
  if (targets.length === 0) return [];
  const pids = new Set<number>();
  for (const line of readFileSync(procLocks, 'utf8').split('\n')) {
    const held = parseLockLine(line);
    if (held === undefined || held.pid === process.pid) continue;
    if (targets.some((t) => t.inode === held.inode && t.device === held.device)) pids.add(held.pid);
  }
  return [...pids].sort((a, b) => a - b);
}

/** `1: POSIX  ADVISORY  READ 23427 fe:00:2147682 128 128` → pid, device (`fe:00`) and inode (pure). */
export function parseLockLine(line: string): { pid: number; device: string; inode: number } | undefined {
  const m = /^\d+:\s+(?:->\s+)?\S+\s+\S+\s+\S+\s+(\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line);
  if (m === null) return undefined;
  return { pid: Number(m[1]), device: `${m[2]!.padStart(2, '0')}:${m[3]!.padStart(2, '0')}`, inode: Number(m[4]) };
}

/** A process's name (/proc/<pid>/comm), for the message naming who holds the store. */
export function processName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function fileId(path: string): { inode: number; device: string } {
  const st = statSync(path);
  // Linux dev_t: major in bits 8-19 (and 32+), minor in bits 0-7 (and 20-31); /proc/locks prints them in hex.
  const major = (st.dev >> 8) & 0xfff;
  const minor = (st.dev & 0xff) | ((st.dev >> 12) & 0xfff00);
  return { inode: st.ino, device: `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}` };
}
