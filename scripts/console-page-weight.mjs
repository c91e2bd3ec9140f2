#!/usr/bin/env node
// Page weight of the console (console-ui/): bytes of every file the first load fetches (index.html, the
// stylesheet, every ES module statically imported from assets/app/main.js) raw and gzipped (level 6,
// what a compressing proxy would send), and what the counts page adds later (uPlot, loaded on demand).
// Prints JSON. API answers and camera frames are not counted: they depend on the box, not on the page.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ui = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'console-ui');

const seen = new Set();
function walk(file) {
  if (seen.has(file)) return;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  // Static imports only (`import … from '…'` and `export … from '…'`); dynamic ones load later.
  for (const m of text.matchAll(/(?:^|[;\n}])\s*(?:import|export)\s*(?:[^'"]*?\sfrom\s*)?["']([^"']+)["']/g)) {
    walk(resolve(dirname(file), m[1]));
  }
}
walk(join(ui, 'assets', 'app', 'main.js'));
const first = [join(ui, 'index.html'), join(ui, 'assets', 'style.css'), ...seen];
const later = [join(ui, 'assets', 'vendor', 'uPlot.iife.min.js'), join(ui, 'assets', 'vendor', 'uPlot.min.css')];
const weigh = (files) => {
  const rows = files.map((f) => {
    const body = readFileSync(f);
    return { file: relative(ui, f), bytes: body.length, gzipBytes: gzipSync(body, { level: 6 }).length };
  });
  return { files: rows.length, bytes: rows.reduce((a, r) => a + r.bytes, 0), gzipBytes: rows.reduce((a, r) => a + r.gzipBytes, 0), rows };
};
const firstLoad = weigh(first);
const countsPage = weigh(later);
console.log(JSON.stringify({ firstLoad: { ...firstLoad, rows: undefined }, countsPageAdds: { ...countsPage, rows: undefined }, files: [...firstLoad.rows, ...countsPage.rows] }, null, 2));
