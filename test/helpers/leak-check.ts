/**
 * Teardown for every test file (vitest setupFiles): a file that leaves a child process, a socket or a server
 * open fails. Resources are compared with what was open before the file's first test (the test worker's own
 * IPC pipes), after giving closing handles the time to report `close` (they close on their own events within
 * a few event-loop turns; DEFAULT_LEAK_SETTLE_MS bounds the wait). CAMWATCH_LEAKS=warn prints instead of
 * failing (to survey a tree).
 */
import { afterAll, beforeAll } from 'vitest';
import { DEFAULT_LEAK_SETTLE_MS, excess, liveChildren, watchedCounts } from './open-resources.js';

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
