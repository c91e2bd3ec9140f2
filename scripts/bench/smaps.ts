/**
 * Where a process's resident memory goes, from /proc/<pid>/smaps: the code it maps (node, onnxruntime,
 * libvips and the rest, file-backed pages: on a box where only the agent runs node, RSS is what they
 * cost), glibc's main malloc heap ([heap], brk), and anonymous mappings (both V8 isolates' heaps, the
 * other malloc arena, blocks above the mmap threshold such as frame buffers and onnxruntime's arena,
 * thread stacks). The parse is pure; reading the file is the caller's.
 */
import { readFileSync } from 'node:fs';

/** Resident MB per kind of mapping (RSS; PSS only for the total). */
export interface SmapsBreakdown {
  rssMb: number;
  pssMb: number;
  /** The node binary's pages (V8, ICU, builtins). */
  nodeCodeMb: number;
  onnxruntimeCodeMb: number;
  /** libvips and its libraries (sharp). */
  vipsCodeMb: number;
  /** Every other file mapping (libc, libstdc++, better-sqlite3, fonts, the SQLite file's shm). */
  otherFilesMb: number;
  /** glibc's main arena ([heap]): small mallocs of the main thread (V8 internals, sqlite, libvips). */
  mallocHeapMb: number;
  /** Anonymous mappings: V8 heaps, the second malloc arena, mmap'd blocks (buffers, tensors), stacks. */
  anonymousMb: number;
}

const MB_KB = 1024;

function kind(path: string): keyof Omit<SmapsBreakdown, 'rssMb' | 'pssMb'> {
  if (path === '' || path === '[anon]' || path.startsWith('[anon:') || path === '[stack]' || path.startsWith('[stack:')) return 'anonymousMb';
  if (path === '[heap]') return 'mallocHeapMb';
  const file = path.slice(path.lastIndexOf('/') + 1);
  if (file === 'node' || file === 'nodejs') return 'nodeCodeMb';
  if (file.startsWith('libonnxruntime')) return 'onnxruntimeCodeMb';
  if (file.startsWith('libvips') || file.startsWith('sharp-')) return 'vipsCodeMb';
  return 'otherFilesMb';
}

/** Sums Rss (and Pss for the total) of smaps text per kind of mapping. */
export function parseSmaps(text: string): SmapsBreakdown {
  const kb: Record<keyof SmapsBreakdown, number> = { rssMb: 0, pssMb: 0, nodeCodeMb: 0, onnxruntimeCodeMb: 0, vipsCodeMb: 0, otherFilesMb: 0, mallocHeapMb: 0, anonymousMb: 0 };
  let current: ReturnType<typeof kind> = 'anonymousMb';
  for (const line of text.split('\n')) {
    // A mapping header: "start-end perms offset dev inode [path]"; its fields follow on "Key: n kB" lines.
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      current = kind(header[1]!.trim());
      continue;
    }
    const field = /^(Rss|Pss):\s+(\d+) kB/.exec(line);
    if (field?.[1] === 'Rss') {
      kb.rssMb += Number(field[2]);
      kb[current] += Number(field[2]);
    } else if (field?.[1] === 'Pss') kb.pssMb += Number(field[2]);
  }
  const out = { ...kb };
  for (const k of Object.keys(out) as (keyof SmapsBreakdown)[]) out[k] = Math.round((kb[k] / MB_KB) * 10) / 10;
  return out;
}

/** parseSmaps of a running process; undefined when it is gone or not readable. */
export function readSmaps(pid: number): SmapsBreakdown | undefined {
  try {
    return parseSmaps(readFileSync(`/proc/${pid}/smaps`, 'utf8'));
  } catch {
    return undefined;
  }
}
