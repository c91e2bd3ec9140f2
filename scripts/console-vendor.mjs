#!/usr/bin/env node
// Copies the console page's third-party files (console-ui/vendor.json: preact, htm, uPlot) from node_modules
// into console-ui/assets/vendor/ (served at /assets/vendor/), so the agent serves the page from one folder with no CDN and no build step.
// Runs at `npm install` (prepare); idempotent. `--check` exits 1 when a copy is missing or stale.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ui = join(root, 'console-ui');
const { files } = JSON.parse(readFileSync(join(ui, 'vendor.json'), 'utf8'));
const check = process.argv.includes('--check');
mkdirSync(join(ui, 'assets', 'vendor'), { recursive: true });
let stale = 0;
for (const [name, from] of Object.entries(files)) {
  const src = join(root, 'node_modules', from);
  const dest = join(ui, 'assets', 'vendor', name);
  if (!existsSync(src)) {
    process.stderr.write(`console-vendor: ${src} missing: run npm install\n`);
    process.exit(1);
  }
  const same = existsSync(dest) && readFileSync(dest).equals(readFileSync(src));
  if (same) continue;
  stale++;
  if (!check) copyFileSync(src, dest);
}
if (check && stale > 0) {
  process.stderr.write(`console-vendor: ${stale} file(s) missing or stale in console-ui/assets/vendor/: run node scripts/console-vendor.mjs\n`);
  process.exit(1);
}
