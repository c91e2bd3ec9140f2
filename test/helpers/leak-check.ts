/**
 * Teardown for every test file (vitest setupFiles): a file that leaves a child process, a socket or a server
 * open fails. Resources are compared with what was open before the file's first test (the test worker's own
 * IPC pipes), after giving closing handles the time to report `close` (they close on their own events within
 * a few event-loop turns; DEFAULT_LEAK_SETTLE_MS bounds the wait). CAMWATCH_LEAKS=warn prints instead of
 * failing (to survey a tree).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';

/** Longest wait for handles closed by a test to be released (a mosquitto or agent stop has already returned). */
export const DEFAULT_LEAK_SETTLE_MS = 5_000;
/** Resource kinds that mean an OS-level leak: processes, sockets, servers, pipes to children. */
const WATCHED = new Set(['ProcessWrap', 'TCPSocketWrap', 'TCPServerWrap', 'UDPWrap', 'PipeWrap', 'PipeServerWrap']);

function watchedCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) if (WATCHED.has(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** Live (not zombie) processes whose parent is this test worker. */
function liveChildren(): string[] {
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

function excess(baseline: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [kind, n] of watchedCounts()) if (n > (baseline.get(kind) ?? 0)) out.push(`${n - (baseline.get(kind) ?? 0)} ${kind}`);
  return out;
}

let baseline = new Map<string, number>();

beforeAll(() => {
  baseline = watchedCounts();
});

afterAll(async () => {
  const deadline = Date.now() + DEFAULT_LEAK_SETTLE_MS;
  while ((excess(baseline).length > 0 || liveChildren().length > 0) && Date.now() < deadline) {
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const handles = excess(baseline);
  const children = liveChildren();
  if (handles.length === 0 && children.length === 0) return;
  const what = `left open by this test file: ${[...handles, ...children.map((c) => `child process ${c}`)].join(', ')}`;
  if (process.env.CAMWATCH_LEAKS === 'warn') {
    console.warn(`[leak-check] ${what}`);
    return;
  }
  throw new Error(`${what} (close it in the test's teardown)`);
});
