/** editCamera on files written in the styles technicians use: one-line items, a last list, missing keys. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../agent/config/index.js';
import { editCamera } from '../../../agent/console/camera-edit.js';
import { PROJECT_ROOT } from '../../helpers/data.js';
import { fuzz } from '../../helpers/seeded-fuzz.js';

const HEAD = `version: 1
agent: { id: edge-test, dataDir: /tmp/camwatch-edit-test }
models: { manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
`;

/** The file's camera as the API sends it to the page (schema defaults filled in), and the edit's result. */
function edit(text: string, change: (camera: Record<string, any>) => Record<string, unknown>, baseDir = '/tmp') {
  const loaded = parseConfigText(text, join(baseDir, 'camwatch.yaml'), { baseDir });
  const shown = structuredClone(loaded.config.cameras[0]) as unknown as Record<string, any>;
  const sent = change(structuredClone(shown));
  const result = editCamera(text, loaded, shown.id, sent, [])!;
  return { ...result, shown, sent, saved: () => parseConfigText(result.text, join(baseDir, 'camwatch.yaml'), { baseDir }).config.cameras[0]! };
}

/** zones/lines/rules of the camera in a text, as written (no defaults). */
function rawCamera(text: string): Record<string, any> {
  return parseDocument(text).toJS().cameras[0];
}

const ONE_LINE = `${HEAD}cameras:
  - id: cam   # gate
    source: { url: rtsp://10.0.0.5/live }
    zones:
      - { id: a, points: [[0, 0], [1, 0], [1, 1]] }   # the yard
    lines:
      - { id: l1, from: [0, 0.5], to: [1, 0.5] }
    rules:
      - { id: r1, type: line_crossing, line: l1 }
      - { id: r2, type: zone_intrusion, zone: a }
`;

describe('editCamera: one-line items get no schema defaults', () => {
  it('items the page sends back unchanged stay byte-identical', () => {
    const r = edit(ONE_LINE, (c) => ({ zones: c.zones, lines: c.lines, rules: c.rules }));
    expect(r.errors).toEqual([]);
    expect(r.text).toBe(ONE_LINE);
  });

  it('an edited one-line item gets only the change, no default-valued keys that were absent', () => {
    const r = edit(ONE_LINE, (c) => ({ rules: [{ ...c.rules[0], classes: ['car'] }, c.rules[1]], lines: [{ ...c.lines[0], to: [1, 0.6] }] }));
    expect(r.errors).toEqual([]);
    expect(r.text).toBe(ONE_LINE
      .replace('{ id: r1, type: line_crossing, line: l1 }', '{ id: r1, type: line_crossing, line: l1, classes: [car] }')
      .replace('to: [1, 0.5] }', 'to: [1, 0.6] }'));
  });

  it('a default value the user typed over an absent key is kept when it differs from the default', () => {
    const r = edit(ONE_LINE, (c) => ({ rules: [c.rules[0], { ...c.rules[1], cooldownSeconds: c.rules[1].cooldownSeconds + 42 }] }));
    expect(r.errors).toEqual([]);
    expect(rawCamera(r.text).rules[1]).toEqual({ id: 'r2', type: 'zone_intrusion', zone: 'a', cooldownSeconds: r.shown.rules[1].cooldownSeconds + 42 });
  });
});

const newZone = { id: 'b', points: [[0, 0], [0.5, 0], [0.5, 0.5]] };
const newRule = { id: 'r9', type: 'zone_intrusion', zone: 'b' };

describe('editCamera: appends to the last list and new keys land at their place', () => {
  const cases: Record<string, string> = {
    'last key rules with one-line items': ONE_LINE,
    'no trailing newline': ONE_LINE.replace(/\n$/, ''),
    'comment after the last item': `${ONE_LINE}      # more rules later\n`,
    'no zones key at all': ONE_LINE.replace('    zones:\n      - { id: a, points: [[0, 0], [1, 0], [1, 1]] }   # the yard\n', '').replace(', zone: a }', ', line: l1 }').replace('zone_intrusion', 'line_crossing'),
    'block items': `${HEAD}cameras:
  - id: cam
    source:
      url: rtsp://10.0.0.5/live
    zones:
    - id: a
      points: [[0, 0], [1, 0], [1, 1]]
    rules:
    - id: r1
      type: zone_intrusion
      zone: a   # trailing
`,
    'rules: []': `${HEAD}cameras:
  - id: cam
    source: { url: rtsp://10.0.0.5/live }
    rules: []
`,
    'second camera after': `${HEAD}cameras:
  - id: cam
    source: { url: rtsp://10.0.0.5/live }
    rules:
      - { id: r1, type: zone_intrusion, zone: a }
    zones:
      - { id: a, points: [[0, 0], [1, 0], [1, 1]] }
  # the other one
  - id: cam2
    source: { url: rtsp://10.0.0.6/live }
`,
  };
  for (const [name, text] of Object.entries(cases)) {
    it(name, () => {
      const r = edit(text, (c) => ({ zones: [...(c.zones ?? []), newZone], rules: [...(c.rules ?? []), newRule] }));
      expect(r.errors).toEqual([]);
      const raw = rawCamera(r.text);
      expect(raw.zones.at(-1)).toEqual(newZone);
      expect(raw.rules.at(-1)).toEqual(newRule);
      expect(raw.zones.length).toBe((rawCamera(text).zones?.length ?? 0) + 1);
      expect(raw.rules.length).toBe((rawCamera(text).rules?.length ?? 0) + 1);
      for (const comment of text.match(/#.*$/gm) ?? []) expect(r.text).toContain(comment);
    });
  }
});

const noZones = `${HEAD}cameras:
  - id: cam   # gate
    source: { url: rtsp://10.0.0.5/live }
    lines:
      - { id: l1, from: [0, 0.5], to: [1, 0.5] }
    rules:
      - { id: r1, type: line_crossing, line: l1 }   # the tripwire
`;

describe('editCamera: the list style of the file', () => {
  it('an item appended after one-line items is on one line; a new key after the last list gets its block', () => {
    const r = edit(noZones, (c) => ({ zones: [newZone], rules: [...c.rules, newRule] }));
    expect(r.errors).toEqual([]);
    expect(r.text).toBe(`${noZones}      - { id: r9, type: zone_intrusion, zone: b }\n    zones:\n      - id: b\n        points: [[0, 0], [0.5, 0], [0.5, 0.5]]\n`);
  });
});

describe('editCamera property: random edits of what the page shows save as that edit, untouched items byte-identical', () => {
  const example = readFileSync(join(PROJECT_ROOT, 'config', 'camwatch.example.yaml'), 'utf8');
  const files: Array<[string, string, string]> = [['one-line items', ONE_LINE, '/tmp'], ['config/camwatch.example.yaml', example, join(PROJECT_ROOT, 'config')]];
  for (const [name, text, baseDir] of files) {
    it(name, () => {
      let serial = 0;
      fuzz(4_000, 25, (rng) => {
        const changedIds = new Set<string>();
        const r = edit(text, (shown) => {
          const c = structuredClone(shown);
          for (let op = 1 + rng.int(3); op > 0; op--) {
            const pick = rng.int(4);
            if (pick === 0) {
              const id = `z${serial++}`;
              c.zones.push({ id, points: [[0.1, 0.1], [0.2 + rng.int(5) / 10, 0.1], [0.2, 0.9]] });
              c.rules.push({ id: `r-${id}`, type: 'zone_intrusion', zone: id, classes: [rng.pick(['person', 'car'])] });
            } else if (pick === 1 && c.lines.length > 0) {
              const line = rng.pick(c.lines as Array<{ id: string; to: number[] }>);
              line.to = [1, rng.int(10) / 10];
              changedIds.add(line.id);
            } else if (pick === 2) {
              const rule = rng.pick(c.rules as Array<{ id: string; severity: string }>);
              rule.severity = rng.pick(['info', 'low', 'high', 'critical']);
              changedIds.add(rule.id);
            } else {
              const zone = rng.pick(c.zones as Array<{ id: string; name?: string }>);
              zone.name = `Zone ${rng.int(100)}`;
              changedIds.add(zone.id);
            }
          }
          return { zones: c.zones, lines: c.lines, rules: c.rules };
        }, baseDir);
        const label = `${name}\n--- out ---\n${r.text}`;
        expect(r.errors, label).toEqual([]);
        // The saved file reads back as what was sent (new items get their defaults filled in by the schema).
        const saved = r.saved();
        for (const list of ['zones', 'lines', 'rules'] as const) expect(saved[list], label).toMatchObject(r.sent[list] as object[]);
        // One-line items the edit did not touch are the same bytes.
        for (const line of text.split('\n').filter((l) => /^\s*- \{ id: /.test(l))) {
          if (!changedIds.has(/id: ([\w-]+)/.exec(line)![1]!)) expect(r.text, label).toContain(`${line}\n`);
        }
        // Nothing the file did not have and the user did not set appears: no echoed default key.
        for (const key of ['direction:', 'cooldownSeconds:', 'units:', 'incident:']) expect(r.text.split(key).length, `${label}\n${key}`).toBe(text.split(key).length);
        return label;
      });
    });
  }
});

describe('editCamera: reordered list items', () => {
  it('a key the file writes out stays written when its item moves, even if it equals the default', () => {
    const text = `${HEAD}cameras:
  - id: cam
    source: { url: rtsp://10.0.0.5/live }
    zones:
      - id: a
        points: [[0, 0], [1, 0], [1, 1]]
      - id: b
        units: normalized
        points: [[0, 0], [0.5, 0], [0.5, 0.5]]
`;
    const r = edit(text, (c) => ({ zones: [c.zones[1], c.zones[0]] }));
    expect(r.errors).toEqual([]);
    expect(rawCamera(r.text).zones).toEqual([
      { id: 'b', units: 'normalized', points: [[0, 0], [0.5, 0], [0.5, 0.5]] },
      { id: 'a', points: [[0, 0], [1, 0], [1, 1]] },
    ]);
  });
});
