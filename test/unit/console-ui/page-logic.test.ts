import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { signedDistanceToLine } from '../../../agent/rules/geometry.js';
import { PROJECT_ROOT } from '../../helpers/data.js';
import { ensureConsoleVendor } from '../../helpers/browser.js';

// The page's pure modules are plain ES modules (no build step); imported by URL they come in untyped.
const APP = join(PROJECT_ROOT, 'console-ui', 'assets', 'app');
// The forms import preact from console-ui/assets/vendor/ (copied from node_modules).
beforeAll(() => ensureConsoleVendor());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const load = (file: string): Promise<any> => import(pathToFileURL(join(APP, file)).href);

describe('console page: line direction', () => {
  it('draws the "in" arrow towards the side the agent counts as "in" (signedDistanceToLine > 0)', async () => {
    const { inNormal } = await load('geometry.js');
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 1000;
    for (let i = 0; i < 200; i++) {
      const from = { x: rnd(), y: rnd() };
      const to = { x: rnd(), y: rnd() };
      const [nx, ny] = inNormal([from.x, from.y], [to.x, to.y]);
      const mid = { x: (from.x + to.x) / 2 + nx * 10, y: (from.y + to.y) / 2 + ny * 10 };
      expect(signedDistanceToLine(mid, { from, to })).toBeGreaterThan(9.99);
    }
    // docs/config.md: a line drawn left to right counts downward movement as "in".
    expect(inNormal([0, 0], [100, 0])).toEqual([-0, 1]);
  });

  it('converts clicks to fractions of the frame, clamped and rounded', async () => {
    const { toFraction, toPx, nearestPoint, nextId, boxRect } = await load('geometry.js');
    expect(toFraction([320, 90], 640, 360)).toEqual([0.5, 0.25]);
    expect(toFraction([-5, 400], 640, 360)).toEqual([0, 1]);
    expect(toPx([0.5, 0.25], 640, 360)).toEqual([320, 90]);
    expect(nearestPoint([[0, 0], [10, 10], [12, 12]], [11, 11.6], 5)).toBe(2);
    expect(nearestPoint([[0, 0]], [50, 50], 5)).toBe(-1);
    expect(nextId('zone', ['zone-1', 'zone-2'])).toBe('zone-3');
    expect(boxRect([0.1, 0.2, 0.3, 0.6], 100, 50)).toEqual({ x: 10, y: 10, w: 20, h: 20 });
    expect(boxRect({ x: 5, y: 6, width: 10, height: 20 }, 100, 50)).toEqual({ x: 5, y: 6, w: 10, h: 20 });
  });
});

describe('console page: editor model', () => {
  it('maps the server error paths to the shape or rule field they name', async () => {
    const { parseErrorPath } = await load('editor-model.js');
    expect(parseErrorPath('cameras[0].rules[1].zone')).toEqual({ scope: 'rules', index: 1, field: 'zone' });
    expect(parseErrorPath('rules.2.schedule.0.from')).toEqual({ scope: 'rules', index: 2, field: 'schedule.0.from' });
    expect(parseErrorPath('/zones/0/points')).toEqual({ scope: 'zones', index: 0, field: 'points' });
    expect(parseErrorPath('analysis.fps')).toEqual({ scope: '', index: undefined, field: 'analysis.fps' });
  });

  it('renaming a zone renames the rules and masks that name it', async () => {
    const m = await load('editor-model.js');
    let s = m.editable({ zones: [], lines: [], rules: [] });
    [s] = m.addZone(s, [[0, 0], [1, 0], [1, 1]]);
    s = m.addRule(s, 'zone_intrusion', { zone: 'zone-1' });
    s = { ...s, rules: [...s.rules, { id: 'stop', type: 'illegal_stop', zone: 'x', maskZones: ['zone-1'] }] };
    s = m.updateShape(s, 'zone', 0, { id: 'gate', name: 'Cổng' });
    expect(s.zones[0]).toEqual({ id: 'gate', name: 'Cổng', points: [[0, 0], [1, 0], [1, 1]] });
    expect(s.rules[0]).toEqual({ id: 'rule-1', type: 'zone_intrusion', zone: 'gate' });
    expect(s.rules[1].maskZones).toEqual(['gate']);
    s = m.movePoint(s, 'zone', 0, 2, [0.5, 0.5]);
    expect(s.zones[0].points[2]).toEqual([0.5, 0.5]);
    [s] = m.addLine(s, [0, 0.5], [1, 0.5]);
    s = m.reverseLine(s, 0);
    expect(s.lines[0]).toEqual({ id: 'line-1', from: [1, 0.5], to: [0, 0.5] });
  });

  it('sends only the lists that changed', async () => {
    const m = await load('editor-model.js');
    const answer = { camera: { id: 'c', zones: [], lines: [{ id: 'l', units: 'normalized', from: [0, 0], to: [1, 1] }], rules: [] } };
    const loaded = m.editable(answer);
    const [s] = m.addZone(loaded, [[0, 0], [1, 0], [1, 1]]);
    expect(Object.keys(m.changedFields(loaded, m.addRule(s, 'zone_intrusion', { zone: 'zone-1' })))).toEqual(['zones', 'rules']);
    expect(m.changedFields(loaded, m.editable(answer))).toEqual({ zones: [] });
  });
});

describe('console page: rule forms from the config schema', () => {
  it('finds one form per rule type of docs/camwatch.schema.json, with its fields', async () => {
    const { ruleVariants, fieldOrder } = await load('schema-form.js');
    const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, 'docs', 'camwatch.schema.json'), 'utf8'));
    const variants = ruleVariants(schema) as Array<{ type: string; schema: { properties: Record<string, unknown> } }>;
    const types = variants.map((v) => v.type);
    for (const t of ['zone_intrusion', 'line_crossing', 'illegal_stop', 'congestion', 'camera_tamper']) expect(types).toContain(t);
    const intrusion = variants.find((v) => v.type === 'zone_intrusion')!;
    expect(fieldOrder(intrusion.schema).slice(0, 4)).toEqual(['id', 'name', 'zone', 'classes']);
    expect(fieldOrder(intrusion.schema)).toContain('schedule');
    expect(fieldOrder(intrusion.schema)).not.toContain('type');
  });

  it('labels every rule field in Vietnamese and English', async () => {
    const { ruleVariants, fieldOrder } = await load('schema-form.js');
    const { DICTIONARIES } = await load('i18n.js');
    const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, 'docs', 'camwatch.schema.json'), 'utf8'));
    const fields = new Set<string>();
    for (const v of ruleVariants(schema) as Array<{ schema: unknown }>) for (const f of fieldOrder(v.schema) as string[]) fields.add(f);
    const missing = [...fields].filter((f) => !DICTIONARIES.vi[`field.${f}`] || !DICTIONARIES.en[`field.${f}`]);
    expect(missing, 'add field.<name> to both dictionaries in console-ui/assets/app/i18n.js').toEqual([]);
  });
});

describe('console page: live counts and count series', () => {
  it('adds up a line\'s crossings over classes', async () => {
    const { lineTotals } = await load('pages/live.js');
    expect(lineTotals({ l1: { car: { in: 3, out: 1 }, motorcycle: { in: 2, out: 0 } } }, 'l1')).toEqual({ in: 5, out: 1 });
    expect(lineTotals({ l1: { in: 4, out: 2 } }, 'l1')).toEqual({ in: 4, out: 2 });
    expect(lineTotals([{ lineId: 'l2', direction: 'in', count: 9 }, { lineId: 'l1', direction: 'in', count: 2 }], 'l1')).toEqual({ in: 2, out: 0 });
    expect(lineTotals([{ ruleId: 'r1', lineId: 'l1', counts: { car: { in: 1, out: 2 }, bus: { in: 1, out: 0 } } }], 'l1')).toEqual({ in: 2, out: 2 });
    expect(lineTotals(undefined, 'l1')).toBeUndefined();
  });

  it('turns count bins into one series per line, class and direction', async () => {
    const { toSeries } = await load('pages/counts.js');
    const s = toSeries([
      { start: '2026-12-07T06:00:00Z', lineId: 'l1', className: 'car', direction: 'in', count: 2 },
      { start: '2026-12-07T06:01:00Z', lineId: 'l1', className: 'car', direction: 'in', count: 1 },
      { start: '2026-12-07T06:01:00Z', lineId: 'l1', className: 'car', in: 0, out: 4 },
    ]);
    expect(s.xs).toEqual([Date.parse('2026-12-07T06:00:00Z') / 1000, Date.parse('2026-12-07T06:01:00Z') / 1000]);
    expect(s.keys).toEqual(['l1 · car · in', 'l1 · car · out']);
    expect(s.ys).toEqual([[2, 1], [0, 4]]);
    // The API's rows (store count-reader): line rows of the shortest period only; zone occupancy left out.
    const rows = toSeries([
      { kind: 'line', id: 'exit', className: 'motorcycle', periodSeconds: 60, start: '2026-12-07T06:00:00Z', in: 3, out: 1 },
      { kind: 'line', id: 'exit', className: 'motorcycle', periodSeconds: 900, start: '2026-12-07T06:00:00Z', in: 30, out: 10 },
      { kind: 'zone', id: 'yard', className: 'person', periodSeconds: 60, start: '2026-12-07T06:00:00Z', mean: 2, max: 3 },
    ]);
    expect(rows.keys).toEqual(['exit · motorcycle · in', 'exit · motorcycle · out']);
    expect(rows.ys).toEqual([[3], [1]]);
  });
});

describe('console page: token', () => {
  it('takes the token from the fragment as the CLI prints it, a + kept', async () => {
    const { tokenFromFragment } = await load('api.js');
    expect(tokenFromFragment('#token=AbC-_09')).toBe('AbC-_09');
    expect(tokenFromFragment('#token=a+b%2Bc')).toBe('a+b+c');
    expect(tokenFromFragment('#x=1&token=t0k')).toBe('t0k');
    expect(tokenFromFragment('#/cameras')).toBe('');
    expect(tokenFromFragment('#token=')).toBe('');
  });
});

describe('console page: languages', () => {
  it('has every string in Vietnamese and English, and every key the pages use', async () => {
    const { DICTIONARIES, translator, initialLanguage } = await load('i18n.js');
    const vi = Object.keys(DICTIONARIES.vi).sort();
    expect(Object.keys(DICTIONARIES.en).sort()).toEqual(vi);
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (f.endsWith('.js')) files.push(p);
      }
    };
    walk(APP);
    const used = new Set<string>();
    for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/\bt\('([a-z]+\.[A-Za-z]+)'/g)) used.add(m[1]!);
    expect(used.size).toBeGreaterThan(40);
    expect([...used].filter((k) => !vi.includes(k))).toEqual([]);
    expect(translator('vi')('nav.live')).toBe('Trực tiếp');
    expect(translator('en')('nav.live')).toBe('Live');
    expect(initialLanguage(null, 'en-US')).toBe('en');
    expect(initialLanguage(null, 'vi-VN')).toBe('vi');
    expect(initialLanguage(null, 'fr-FR')).toBe('vi');
    expect(initialLanguage('en', 'vi-VN')).toBe('en');
  });
});
