/**
 * The store's start-up damage check (agent/store/check.ts) against a full quick_check, on a store of N events
 * with snapshots (default 100,000 × 20 kB, ~2 GB: the default evidence quota). Builds the store once in
 * --dir (reused on later runs), then prints one JSON object. "warm": the file in the page cache (a restart);
 * the first run after building is as warm as the machine's memory allows. Drop the cache for a cold figure
 * (echo 3 > /proc/sys/vm/drop_caches, as root).
 *
 *   npx tsx scripts/bench/store-check.ts [--events 100000] [--jpeg-bytes 20000] [--dir /tmp/camwatch-store-check]
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { createLogger } from '../../agent/core/logger.js';
import { checkStore, quickCheck } from '../../agent/store/check.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import { makeRecord } from '../../test/fixtures/outbox-data.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '100000' }, 'jpeg-bytes': { type: 'string', default: '20000' }, dir: { type: 'string', default: '/tmp/camwatch-store-check' } } });
const events = Number(values.events);
const jpegBytes = Number(values['jpeg-bytes']);
mkdirSync(values.dir, { recursive: true });
const path = join(values.dir, `store-${events}x${jpegBytes}.db`);
if (!existsSync(path)) {
  const store = openStore({ path, logger: createLogger({ level: 'silent' }), synchronous: 'NORMAL' });
  for (let i = 0; i < events; i += 1000) {
    const { entries } = store.saveMany(Array.from({ length: Math.min(1000, events - i) }, (_, k) => makeRecord('bench', i + k, { jpegBytes })));
    // 90 % sent, the rest waiting: a box after an outage.
    if (i < events * 0.9) store.markSentMany(entries.map((e) => e.seq));
  }
  store.close();
}
const ms = (run: () => unknown): number => {
  const t = performance.now();
  run();
  return Math.round(performance.now() - t);
};
const startupCheckMs = ms(() => {
  if (checkStore(path) !== undefined) throw new Error('bench store is damaged');
});
const startupCheckAgainMs = ms(() => checkStore(path));
const db = new Database(path, { readonly: true });
const fullQuickCheckMs = ms(() => quickCheck(db));
db.close();
process.stdout.write(`${JSON.stringify({ events, jpegBytes, storeBytes: statSync(path).size, startupCheckMs, startupCheckAgainMs, fullQuickCheckMs })}\n`);
