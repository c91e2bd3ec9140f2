import { parseDocument, type YAMLMap } from 'yaml';
import { describe, expect, it } from 'vitest';
import { withoutEchoedDefaults } from '../../../agent/console/echoed-defaults.js';
import { applyEdits, spliceMap, type SpliceContext } from '../../../agent/console/yaml-splice.js';

/**
 * The text after making the map at `path` (of the YAML) hold `next`, as camera-edit.ts does it: with `parsed`
 * (the value the agent read), echoed defaults are taken out of `next` first. Refusals of *** listed.
 */
function splice(text: string, next: Record<string, unknown>, parsed?: Record<string, unknown>, path: Array<string | number> = [], readsBack = true): { text: string; refused: string[] } {
  const doc = parseDocument(text);
  const node = (path.length === 0 ? doc.contents : doc.getIn(path, true)) as YAMLMap;
  const ctx: SpliceContext = { text, edits: [], marker: '***', redactedWrites: [], redact: (v) => JSON.parse(JSON.stringify(v).replace(/:\/\/([^:/@"]+):[^@"]*@/g, '://$1:***@')) };
  const sent = parsed === undefined ? next : (withoutEchoedDefaults(next, node.toJSON(), parsed) as Record<string, unknown>);
  spliceMap(ctx, node, sent, path);
  const out = applyEdits(text, ctx.edits);
  // Whatever was spliced, the result is YAML that reads back as `next`.
  if (readsBack && ctx.redactedWrites.length === 0) expect(JSON.parse(JSON.stringify((path.length === 0 ? parseDocument(out).toJS() : parseDocument(out).getIn(path))))).toEqual(JSON.parse(JSON.stringify(next)));
  return { text: out, refused: ctx.redactedWrites.map((w) => w.path.join('.')) };
}

const CAMERA = `cameras:
  - id: cam   # the camera
    analysis: { fps: 5, width: 640 }
    zones:
    - id: a          # first
      points: [[0, 0], [1, 0], [1, 1]]
    - id: b
      points: [[0, 0], [0.5, 0], [0.5, 0.5]]
    rules: []
    source:
      url: rtsp://u:pw@h/live
`;
const cam = parseDocument(CAMERA).toJS().cameras[0];

describe('YAML splice: only the changed values are rewritten', () => {
  it('unchanged input gives the same bytes', () => {
    expect(splice(CAMERA, cam, undefined, ['cameras', 0]).text).toBe(CAMERA);
  });

  it('a flow mapping stays on one line; trailing comments of other lines stay', () => {
    const { text } = splice(CAMERA, { ...cam, analysis: { fps: 2, width: 640 } }, undefined, ['cameras', 0]);
    expect(text).toBe(CAMERA.replace('analysis: { fps: 5, width: 640 }', 'analysis: { fps: 2, width: 640 }'));
  });

  it('a removed list item goes with its lines; the other item and its comment stay (un-indented list style kept)', () => {
    const { text } = splice(CAMERA, { ...cam, zones: [cam.zones[0]] }, undefined, ['cameras', 0]);
    expect(text).toBe(CAMERA.replace('    - id: b\n      points: [[0, 0], [0.5, 0], [0.5, 0.5]]\n', ''));
  });

  it('an added item follows the list style of the file', () => {
    const { text } = splice(CAMERA, { ...cam, zones: [...cam.zones, { id: 'c', points: [[0.1, 0.1], [0.2, 0.1], [0.2, 0.2]] }] }, undefined, ['cameras', 0]);
    expect(text).toContain('      points: [[0, 0], [0.5, 0], [0.5, 0.5]]\n    - id: c\n      points: [[0.1, 0.1], [0.2, 0.1], [0.2, 0.2]]\n    rules: []');
  });

  it("an empty flow list becomes a block list; a new key is appended at the camera's indent; a removed key goes", () => {
    const rule = { id: 'r', type: 'zone_intrusion', zone: 'a' };
    const { source: _s, ...withoutSource } = cam;
    const { text } = splice(CAMERA, { ...withoutSource, rules: [rule], lines: [{ id: 'l', from: [0, 0.5], to: [1, 0.5] }] }, undefined, ['cameras', 0]);
    expect(text).toContain('    rules:\n      - id: r\n        type: zone_intrusion\n        zone: a\n');
    expect(text).toContain('\n    lines:\n      - id: l\n        from: [0, 0.5]\n        to: [1, 0.5]');
    expect(text).not.toContain('source:');
    expect(text).toContain('  - id: cam   # the camera\n');
  });

  it('a default the page sent back is not written; a value the page got redacted and sent back keeps the secret', () => {
    const parsed = { ...cam, enabled: true, zones: cam.zones.map((z: object) => ({ ...z, units: 'normalized' })) };
    const sentBack = { ...parsed, source: { url: 'rtsp://u:***@h/live' } };
    expect(splice(CAMERA, sentBack, parsed, ['cameras', 0], false)).toEqual({ text: CAMERA, refused: [] });
  });

  it('*** in a changed value is refused and not written', () => {
    const { text, refused } = splice(CAMERA, { ...cam, source: { url: 'rtsp://other:***@h2/live' } }, undefined, ['cameras', 0]);
    expect(refused).toEqual(['cameras.0.source.url']);
    expect(text).toBe(CAMERA);
  });

  it('removing the first key of a list item keeps the item (the next key moves behind the dash)', () => {
    const text = 'zones:\n  - name: Yard   # shown at the IOC\n    id: a\n    points: [[0, 0], [1, 0], [1, 1]]\n';
    const { text: out } = splice(text, { zones: [{ id: 'a', points: [[0, 0], [1, 0], [1, 1]] }] });
    expect(out).toBe('zones:\n  - id: a\n    points: [[0, 0], [1, 0], [1, 1]]\n');
  });

  it('a list item written on one line stays on one line', () => {
    const text = 'zones:\n  - { id: a, points: [[0, 0], [1, 0], [1, 1]] }   # yard\n  - { id: b, points: [[0, 0], [1, 0], [0, 1]] }\n';
    const { text: out } = splice(text, { zones: [{ id: 'a', points: [[0, 0], [0.5, 0], [0.5, 0.5]] }, { id: 'b', points: [[0, 0], [1, 0], [0, 1]] }] });
    expect(out).toBe('zones:\n  - { id: a, points: [[0, 0], [0.5, 0], [0.5, 0.5]] }   # yard\n  - { id: b, points: [[0, 0], [1, 0], [0, 1]] }\n');
  });

  it('removing the first of three items by id removes only its lines: the others keep their comments in place', () => {
    const text = 'zones:\n  - { id: a, points: [[0, 0], [1, 0], [1, 1]] }   # yard\n  - { id: b, points: [[0, 0], [1, 0], [0, 1]] }   # gate\n  - id: c   # road\n    points: [[0, 0], [0.5, 0], [0, 0.5]]\n';
    const z = parseDocument(text).toJS().zones;
    expect(splice(text, { zones: [z[1], z[2]] }).text).toBe(text.replace('  - { id: a, points: [[0, 0], [1, 0], [1, 1]] }   # yard\n', ''));
  });

  it('an empty `[]` list given one block item with one key writes it under its key, not on the key line', () => {
    const { text } = splice('zones: []\nrules: []\n', { zones: [{ id: 'a' }], rules: [] });
    expect(text).toBe('zones:\n  - id: a\nrules: []\n');
  });

  it("comment lines after a list's last item stay where they are when the list grows, shrinks or goes, and a new key goes before them", () => {
    const text = 'cameras:\n  - id: cam\n    lines:\n      - id: l1\n        from: [0, 0.5]\n        to: [1, 0.5]\n      # more lines later\n  # the street camera\n  - id: street\n';
    const cams = parseDocument(text).toJS().cameras;
    const grown = splice(text, { ...cams[0], lines: [...cams[0].lines, { id: 'l2', from: [0, 0], to: [1, 1] }], rules: [{ id: 'r', type: 'line_crossing', line: 'l2' }] }, undefined, ['cameras', 0]).text;
    expect(grown).toContain('        to: [1, 0.5]\n      - id: l2\n        from: [0, 0]\n        to: [1, 1]\n    rules:\n      - id: r\n');
    expect(grown).toContain('      # more lines later\n  # the street camera\n  - id: street\n');
    const gone = splice(text, { id: 'cam' }, undefined, ['cameras', 0]).text;
    expect(gone).toBe('cameras:\n  - id: cam\n      # more lines later\n  # the street camera\n  - id: street\n');
  });
});
