import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../agent/config/load.js';
import { ID_RULE } from '../../../agent/config/ids.js';
import { PROJECT_ROOT } from '../../helpers/data.js';
import { issueLines, yaml } from './helpers.js';

/**
 * Every id that reaches an MQTT topic, a payload or a file name (agent, camera, zone, line, rule) is held to
 * one documented character set and length (docs/config.md, "Ids"): the error names the field and the rule.
 */

/** A config whose `where` id is `id`, every other id valid; line numbers: agent 2, camera 4, zone 8, line 11, rule 15. */
function configWith(where: 'agent' | 'camera' | 'zone' | 'line' | 'rule', id: string): string {
  const v = (w: typeof where, fallback: string) => JSON.stringify(w === where ? id : fallback);
  return yaml(
    'agent:',
    `  id: ${v('agent', 'box-01')}`,
    'cameras:',
    `  - id: ${v('camera', 'cam-01')}`,
    '    source:',
    '      file: video.mp4',
    '    zones:',
    `      - id: ${v('zone', 'yard')}`,
    '        points: [[0, 0], [1, 0], [1, 1]]',
    '    lines:',
    `      - id: ${v('line', 'gate')}`,
    '        from: [0, 0.5]',
    '        to: [1, 0.5]',
    '    rules:',
    `      - id: ${v('rule', 'r1')}`,
    '        type: zone_intrusion',
    `        zone: ${where === 'zone' ? JSON.stringify(id) : 'yard'}`,
  );
}

const FIELDS = {
  agent: { line: 2, col: 3, path: 'agent.id' },
  camera: { line: 4, col: 5, path: 'cameras[0].id' },
  zone: { line: 8, col: 9, path: 'cameras[0].zones[0].id' },
  line: { line: 11, col: 9, path: 'cameras[0].lines[0].id' },
  rule: { line: 15, col: 9, path: 'cameras[0].rules[0].id' },
} as const;

const REFUSED: Record<string, string> = {
  'a topic separator': 'north/gate',
  'an MQTT wildcard #': 'gate#',
  'an MQTT wildcard +': 'a+b',
  'a NUL': 'gate\u0000x',
  'an emoji': 'gate🚗',
  'a space': 'north gate',
  'a leading "-"': '-gate',
  'a leading "."': '..',
  '65 characters': 'a'.repeat(65),
  'an empty id': '',
};

describe('ids that reach topics, payloads and file names', () => {
  for (const [where, field] of Object.entries(FIELDS) as Array<[keyof typeof FIELDS, (typeof FIELDS)[keyof typeof FIELDS]]>) {
    for (const [what, id] of Object.entries(REFUSED)) {
      it(`${field.path} with ${what} is refused, naming the field and what is allowed`, () => {
        const { code, lines } = issueLines(configWith(where, id));
        expect(code).toBe('CONFIG_INVALID');
        const head = `camwatch.yaml:${field.line}:${field.col} ${field.path}: ${ID_RULE}; got `;
        // Long values are shown cut short (zod-issues), so the 65-character id is matched by its start.
        const shown = id.length > 40 ? JSON.stringify(id).slice(0, 41) : JSON.stringify(id);
        expect(lines.filter((l) => l.startsWith(head + shown))).toHaveLength(1);
      });
    }
  }

  it('accepts ids of letters, digits, "_", "-" and "." up to 64 characters, in every field', () => {
    for (const id of ['a', 'cam-01', 'North_Gate.2', 'Z9', 'x'.repeat(64), '1st-lane']) {
      for (const where of Object.keys(FIELDS) as Array<keyof typeof FIELDS>) {
        expect(() => parseConfigText(configWith(where, id), 'camwatch.yaml', { baseDir: PROJECT_ROOT, env: {} }), `${where} ${id}`).not.toThrow();
      }
    }
  });

  it('mqtt.topicPrefix: levels of the same characters; wildcards, empty levels and NUL are refused', () => {
    const prefix = (p: string) => yaml('mqtt:', '  url: mqtt://broker:1883', `  topicPrefix: ${JSON.stringify(p)}`);
    for (const ok of ['camwatch', 'city/hcm/camwatch', 'camwatch/']) expect(() => parseConfigText(prefix(ok), 'c.yaml', { env: {} }), ok).not.toThrow();
    for (const bad of ['city/#', 'a/+/b', 'a//b', '/camwatch', 'cam\u0000watch', 'ca mwatch']) {
      expect(issueLines(prefix(bad)).lines, bad).toEqual([expect.stringMatching(/^camwatch\.yaml:3:3 mqtt\.topicPrefix: must not contain MQTT wildcards \(\+ #\) or empty levels: /)]);
    }
  });
});
