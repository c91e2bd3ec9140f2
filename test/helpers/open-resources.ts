/**
 * What a test can leave open, measured: OS-level resources of this process (child processes, sockets,
 * servers, pipes) and its live child processes. Used by test/helpers/leak-check.ts after every test file.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Longest wait for handles closed by a test to be released (a mosquitto or agent stop has already returned). */
export const DEFAULT_LEAK_SETTLE_MS = 5_000;
/** Resource kinds that mean an OS-level leak: processes, sockets, servers, pipes to children. */
const WATCHED = new Set(['ProcessWrap', 'TCPSocketWrap', 'TCPServerWrap', 'UDPWrap', 'PipeWrap', 'PipeServerWrap']);

export function watchedCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) if (WATCHED.has(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** Live (not zombie) processes whose parent is this test worker. */
export function liveChildren(): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces, so read after the last ')'.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === process.pid && state !== 'Z') out.push(`${name} ${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}`);
    } catch {
      // The process ended while /proc was read.
    }
  }
  return out;
}

export function excess(baseline: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [kind, n] of watchedCounts()) if (n > (baseline.get(kind) ?? 0)) out.push(`${n - (baseline.get(kind) ?? 0)} ${kind}`);
  return out;
}

