/**
 * The agent's structure read from its own imports, for the architecture test and `npm run structure`.
 *
 * The folders under agent/ are stages of one flow plus the kernel under them and the composition on top:
 *   core → cameras → frames → motion → detection → tracking → rules → incidents → counts → store → uplink
 *   → config (assembles every stage's options into camwatch.yaml's schema) → console (the technician's web
 *   console, over a port the agent hands it) → ops (wires the agent)
 *   → eval → cli
 * A folder may import folders before it, only through their `index.ts` (the contract), never one after it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

export const LAYERS = [
  'core',
  'cameras',
  'frames',
  'motion',
  'detection',
  'tracking',
  'rules',
  'incidents',
  'counts',
  'store',
  'uplink',
  'config',
  'console',
  'ops',
  'eval',
  'cli',
] as const;

export interface ImportEdge {
  /** Importing file, relative to the repository root (agent/...). */
  from: string;
  /** Imported file, relative to the repository root, `.ts`. */
  to: string;
  typeOnly: boolean;
}

export interface Violation {
  kind: 'up-the-flow' | 'private' | 'unknown-folder';
  from: string;
  to: string;
}

export interface StructureReport {
  folders: Array<{ folder: string; files: number; lines: number; indexExports: number; importsOut: number }>;
  edges: ImportEdge[];
  violations: Violation[];
  /** Strongly connected groups of files (each a circle), sorted. */
  cycles: string[][];
}

// `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')` with a relative specifier.
const SPECIFIER = /(?:^|[\s;])(import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function stripComments(src: string): string {
  // Block and line comments; strings holding `//` (URLs) are rare in import lines and harmless here.
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

export function folderOf(path: string): string {
  return path.split('/')[1] ?? '';
}

export function readImports(root: string): { files: Map<string, string>; edges: ImportEdge[] } {
  const files = new Map<string, string>();
  for (const abs of walk(join(root, 'agent'))) files.set(relative(root, abs).split(sep).join('/'), readFileSync(abs, 'utf8'));
  const edges: ImportEdge[] = [];
  for (const [from, src] of files) {
    for (const m of stripComments(src).matchAll(SPECIFIER)) {
      const spec = m[3] ?? m[4]!;
      const target = normalize(join(dirname(from), spec)).split(sep).join('/').replace(/\.(js|ts)$/, '.ts');
      if (!target.startsWith('agent/')) continue;
      edges.push({ from, to: target.endsWith('.ts') ? target : `${target}.ts`, typeOnly: m[2] !== undefined });
    }
  }
  return { files, edges };
}

export function violationsOf(edges: readonly ImportEdge[]): Violation[] {
  const rank = new Map<string, number>(LAYERS.map((l, i) => [l, i]));
  const out: Violation[] = [];
  for (const e of edges) {
    const a = folderOf(e.from);
    const b = folderOf(e.to);
    if (a === b) continue;
    const ra = rank.get(a);
    const rb = rank.get(b);
    if (ra === undefined || rb === undefined) out.push({ kind: 'unknown-folder', from: e.from, to: e.to });
    else if (rb > ra) out.push({ kind: 'up-the-flow', from: e.from, to: e.to });
    else if (e.to !== `agent/${b}/index.ts`) out.push({ kind: 'private', from: e.from, to: e.to });
  }
  return out;
}

/** Tarjan's strongly connected components over files; only groups of two or more are circles. */
export function cyclesOf(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return groups.sort((x, y) => x[0]!.localeCompare(y[0]!));
}

function exportedNames(src: string): number {
  const names = new Set<string>();
  for (const m of stripComments(src).matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of m[1]!.split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()!.trim();
      if (name) names.add(name);
    }
  }
  for (const m of src.matchAll(/export\s+(?:declare\s+)?(?:async\s+)?(?:function\*?|const|let|class|interface|type|enum)\s+([\w$]+)/g)) names.add(m[1]!);
  return names.size;
}

export function structureOf(root: string): StructureReport {
  const { files, edges } = readImports(root);
  const folders = new Map<string, { files: number; lines: number; indexExports: number; importsOut: number }>();
  for (const [path, src] of files) {
    const f = folderOf(path);
    const row = folders.get(f) ?? { files: 0, lines: 0, indexExports: 0, importsOut: 0 };
    row.files++;
    row.lines += src.split('\n').length - (src.endsWith('\n') ? 1 : 0);
    if (path === `agent/${f}/index.ts`) row.indexExports = exportedNames(src);
    folders.set(f, row);
  }
  for (const e of edges) if (folderOf(e.from) !== folderOf(e.to)) folders.get(folderOf(e.from))!.importsOut++;
  const order = (f: string): number => {
    const i = (LAYERS as readonly string[]).indexOf(f);
    return i < 0 ? LAYERS.length : i;
  };
  return {
    folders: [...folders].map(([folder, row]) => ({ folder, ...row })).sort((a, b) => order(a.folder) - order(b.folder)),
    edges,
    violations: violationsOf(edges),
    cycles: cyclesOf(edges),
  };
}
