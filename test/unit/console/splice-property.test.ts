/**
 * Property test of the console's YAML splice: for camera blocks written in the styles technicians use, random
 * edits of zones, lines and rules (add, remove, change), spliced into the text, must read back as exactly the
 * edit, and every comment outside the edited items must still be in the file. Seeded (CAMWATCH_FUZZ_SEED).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isSeq, parseDocument, type Node, type YAMLMap } from 'yaml';
import { describe, expect, it } from 'vitest';
import { applyEdits, spliceMap, type SpliceContext } from '../../../agent/console/yaml-splice.js';
import { PROJECT_ROOT } from '../../helpers/data.js';
import { fuzz, type Rng } from '../../helpers/seeded-fuzz.js';

const LISTS = ['zones', 'lines', 'rules'] as const;
type Item = Record<string, unknown> & { id: string };

const BLOCKS: Record<string, string> = {
  'config/camwatch.example.yaml': readFileSync(join(PROJECT_ROOT, 'config', 'camwatch.example.yaml'), 'utf8'),
  'one-line items, rules last': `cameras:
  - id: cam   # gate
    source: { url: rtsp://10.0.0.5/live }
    zones:
      - { id: a, points: [[0, 0], [1, 0], [1, 1]] }   # the yard
      - { id: b, points: [[0, 0], [0.5, 0], [0.5, 0.5]] }
    lines:
      - { id: l1, from: [0, 0.5], to: [1, 0.5] }   # tripwire
    rules:
      - { id: r1, type: line_crossing, line: l1 }
      - { id: r2, type: zone_intrusion, zone: a }   # last rule
`,
  'block items not indented, no final newline': `# box config
cameras:
- id: cam
  zones:
  - id: a          # first
    points: [[0, 0], [1, 0], [1, 1]]
  - id: b
    name: B
    points: [[0, 0], [0.5, 0], [0.5, 0.5]]
  rules:
  - id: r1
    type: zone_intrusion
    zone: a   # trailing
    classes: [person]`,
  'empty lists, missing rules, a comment after the last item, another camera': `cameras:
  # the gate camera: keep this comment
  - id: cam-gate
    zones: []
    lines:
      - id: l1
        from: [0, 0.5]
        to: [1, 0.5]
      # more lines later
  # the street camera
  - id: cam-street
    lines: []
`,
  'no lists at all, end of file': `cameras:
  - id: only
    name: Only one   # name
    source:
      url: rtsp://10.0.0.7/live`,
};

let serial = 0;
function newItem(rng: Rng, list: (typeof LISTS)[number]): Item {
  const id = `${list[0]}new${serial++}`;
  const f = () => Math.round(rng.next() * 100) / 100;
  if (list === 'zones') return rng.chance(0.5) ? { id, points: [[f(), f()], [f(), f()], [f(), f()]] } : { id, name: `Zone ${id}`, points: [[0, 0], [f(), 0], [f(), f()]], occupancy: true };
  if (list === 'lines') return { id, from: [f(), f()], to: [f(), f()] };
  return rng.chance(0.5) ? { id, type: 'zone_intrusion', zone: 'a', classes: [rng.pick(['person', 'car'])] } : { id, type: 'line_crossing', line: 'l1', incident: true, direction: 'in' };
}

function changed(rng: Rng, item: Item): Item {
  const keys = Object.keys(item).filter((k) => k !== 'id');
  const r = rng.int(3);
  if (r === 0 && keys.length > 0) {
    const { [rng.pick(keys)]: _gone, ...rest } = item;
    return rest as Item;
  }
  if (r === 1) return { ...item, name: `Renamed ${rng.int(1000)}` };
  return { ...item, minSeconds: rng.int(10) };
}

/** Lines [first, last] of an item's own text (trailing comment lines indented less than it belong to the parent). */
function itemLines(text: string, item: Node): [number, number] {
  const lineOf = (o: number) => text.slice(0, o).split('\n').length - 1;
  const lines = text.split('\n');
  const first = lineOf(item.range![0]);
  const col = item.range![0] - (text.lastIndexOf('\n', item.range![0] - 1) + 1);
  let last = lineOf(Math.max(item.range![0], item.range![1] - 1));
  while (last > first && (lines[last]!.trim() === '' || (lines[last]!.trim().startsWith('#') && lines[last]!.search(/\S/) < col))) last--;
  return [first, last];
}

function comments(lines: readonly string[], skip: ReadonlySet<number>): string[] {
  return lines.flatMap((l, i) => {
    const m = /(?:^|\s)(#.*)$/.exec(l);
    return m === null || skip.has(i) ? [] : [m[1]!];
  });
}

describe('YAML splice property: random edits of zones, lines and rules read back as the edit', () => {
  for (const [name, text] of Object.entries(BLOCKS)) {
    it(name, () => {
      const report = fuzz(4_000, 60, (rng) => {
        const doc = parseDocument(text);
        const node = doc.getIn(['cameras', 0], true) as YAMLMap;
        const camera = node.toJSON() as Record<string, unknown>;
        const next: Record<string, unknown> = { ...camera };
        const edited = new Set<number>();
        const lines = text.split('\n');
        const mark = (n: Node) => {
          const [a, b] = itemLines(text, n);
          for (let i = a; i <= b; i++) edited.add(i);
        };
        for (let op = 1 + rng.int(3); op > 0; op--) {
          const list = rng.pick(LISTS);
          const items = [...((next[list] as Item[] | undefined) ?? [])];
          const nodes = (() => {
            const seq = node.get(list, true);
            return isSeq(seq) ? (seq.items as Node[]) : [];
          })();
          const nodeOf = (id: string) => nodes.find((n) => isMap(n) && n.get('id') === id);
          const kind = items.length === 0 ? 'add' : rng.pick(['add', 'remove', 'change'] as const);
          if (kind === 'add') items.push(newItem(rng, list));
          else {
            const k = rng.int(items.length);
            const n = nodeOf(items[k]!.id);
            if (n !== undefined) mark(n);
            if (kind === 'remove') items.splice(k, 1);
            else items[k] = changed(rng, items[k]!);
          }
          next[list] = items;
          // An emptied list is written again as `list: []`: its key line is part of the edit.
          if (items.length === 0) {
            const pair = node.items.find((p) => (p.key as { value?: unknown }).value === list);
            if (pair !== undefined) edited.add(text.slice(0, (pair.key as Node).range![0]).split('\n').length - 1);
          }
        }
        const ctx: SpliceContext = { text, edits: [], marker: '***', redactedWrites: [], redact: (v) => v };
        spliceMap(ctx, node, next, ['cameras', 0]);
        const out = applyEdits(text, ctx.edits);
        const after = parseDocument(out);
        const label = `${name}: ${JSON.stringify(LISTS.map((l) => next[l]))}\n--- out ---\n${out}`;
        expect(after.errors.map((e) => e.message), label).toEqual([]);
        expect(after.getIn(['cameras', 0]) === undefined ? undefined : (after.toJS().cameras[0] as unknown), label).toEqual(next);
        // Every other camera and top-level key reads back unchanged.
        const rest = (t: string) => { const j = parseDocument(t).toJS(); j.cameras.shift(); return j; };
        expect(rest(out), label).toEqual(rest(text));
        for (const c of comments(lines, edited)) expect(out, `${label}\nlost comment: ${c}`).toContain(c);
        return label;
      });
      expect(report.iterations).toBeGreaterThan(10);
    });
  }
});
