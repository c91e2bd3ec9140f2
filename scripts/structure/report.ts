/**
 * `npm run structure [-- --json] [-- --root DIR]`: files and lines per folder of agent/, imports between folders, imports
 * that run up the flow or into another folder's private files, and circles of imports. Read-only.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAYERS, structureOf } from './import-graph.js';

// --root DIR reads another checkout (e.g. `git worktree add /tmp/before <commit>`) with today's rules.
const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 && process.argv[rootArg + 1] ? resolve(process.argv[rootArg + 1]!) : resolve(fileURLToPath(new URL('../..', import.meta.url)));
const report = structureOf(root);
const count = (kind: string): number => report.violations.filter((v) => v.kind === kind).length;
const summary = {
  layers: LAYERS,
  files: report.folders.reduce((n, f) => n + f.files, 0),
  lines: report.folders.reduce((n, f) => n + f.lines, 0),
  importsBetweenFolders: report.edges.filter((e) => e.from.split('/')[1] !== e.to.split('/')[1]).length,
  upTheFlow: count('up-the-flow'),
  intoPrivateFiles: count('private'),
  unknownFolders: count('unknown-folder'),
  circles: report.cycles.length,
};
if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify({ summary, folders: report.folders, violations: report.violations, cycles: report.cycles }, null, 2)}\n`);
} else {
  const lines = ['folder        files  lines  index exports  imports out'];
  for (const f of report.folders) lines.push(`${f.folder.padEnd(12)} ${String(f.files).padStart(6)} ${String(f.lines).padStart(6)} ${String(f.indexExports).padStart(14)} ${String(f.importsOut).padStart(12)}`);
  lines.push('', `flow: ${LAYERS.join(' → ')}`);
  lines.push(`${summary.files} files, ${summary.lines} lines; ${summary.importsBetweenFolders} imports between folders`);
  lines.push(`up the flow: ${summary.upTheFlow}; into another folder's private file: ${summary.intoPrivateFiles}; unknown folders: ${summary.unknownFolders}; circles: ${summary.circles}`);
  for (const v of report.violations) lines.push(`  ${v.kind.padEnd(12)} ${v.from} → ${v.to}`);
  for (const c of report.cycles) lines.push(`  circle: ${c.join(' ↔ ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
