#!/usr/bin/env node
// Copies the console page's third-party files (console-ui/vendor.json: preact, htm, uPlot) from node_modules
// into console-ui/assets/vendor/ (served at /assets/vendor/), so the agent serves the page from one folder
// with no CDN and no build step. Bare import specifiers are rewritten to relative ones (`from"preact"` →
// `from"./preact.mjs"`): the console's Content-Security-Policy forbids the inline import map that would
// resolve them. Runs at `npm install` (prepare); idempotent. `--check` exits 1 when a copy is missing or stale.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ui = join(root, 'console-ui');
const { files } = JSON.parse(readFileSync(join(ui, 'vendor.json'), 'utf8'));
const check = process.argv.includes('--check');
mkdirSync(join(ui, 'assets', 'vendor'), { recursive: true });

/** The file as served: its bare specifiers replaced (exact `from"x"` / `from 'x'` forms only), no source-map comment. */
function served(src, rewrite = {}) {
  const body = readFileSync(src);
  if (!/\.m?js$/.test(src)) return body;
  // The source maps are not shipped: drop the comment that would make a browser's devtools ask for them.
  let text = body.toString('utf8').replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n');
  const entries = Object.entries(rewrite);
  for (const [bare, relative] of entries) {
    const pattern = new RegExp(`(from\\s*)(["'])${bare.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\2`, 'g');
    if (!pattern.test(text)) throw new Error(`console-vendor: ${src} does not import "${bare}" any more: update console-ui/vendor.json`);
    text = text.replace(pattern, `$1$2${relative}$2`);
  }
  return Buffer.from(text, 'utf8');
}

let stale = 0;
for (const [name, entry] of Object.entries(files)) {
  const src = join(root, 'node_modules', entry.from);
  const dest = join(ui, 'assets', 'vendor', name);
  if (!existsSync(src)) {
    process.stderr.write(`console-vendor: ${src} missing: run npm install\n`);
    process.exit(1);
  }
  const body = served(src, entry.rewrite);
  if (existsSync(dest) && readFileSync(dest).equals(body)) continue;
  stale++;
  if (!check) writeFileSync(dest, body);
}
if (check && stale > 0) {
  process.stderr.write(`console-vendor: ${stale} file(s) missing or stale in console-ui/assets/vendor/: run node scripts/console-vendor.mjs\n`);
  process.exit(1);
}
