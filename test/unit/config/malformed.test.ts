import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../../agent/core/errors.js';
import { PROJECT_ROOT } from '../../helpers/data.js';
import { CAMERA_HEADER, KNOWN_RULE_TYPES, errorOf, issueLines, yaml } from './helpers.js';

// Each case is a file a technician could plausibly save; the expected line is exactly what they will read.
// CAMERA_HEADER is lines 1-4: cameras: / - id: cam-01 / source: / file: video.mp4

describe('malformed configs: every message names file:line:col, the path and the fix', () => {
  it('YAML syntax error → CONFIG_PARSE with line:col', () => {
    const text = yaml('agent:', '  id: demo', ' logLevel: info');
    expect(issueLines(text)).toEqual({
      code: 'CONFIG_PARSE',
      lines: ['camwatch.yaml:3:1 All mapping items must start at the same column; check the indentation of this line against the lines above'],
    });
  });

  it('YAML errors never quote the file: a password with a quote in a stray token, a block header, a tag, a directive, an alias', () => {
    // yaml puts the offending text in some messages (JSON-quoted tokens, escaped quotes included); the issue
    // (16) asks that parse errors never echo the file: the line:col finds the place.
    const cases = [
      yaml('cameras: []', '}pass: Hunter2"secret'),
      yaml('cameras: []', '}pass: "Hunter2\\"secret"'),
      yaml('a: |Hunter2secret', '  text'),
      yaml('a: !Hunter2secret x'),
      yaml('%Hunter2secret', '---', 'a: 1'),
      yaml('a: *Hunter2secret'),
    ];
    for (const text of cases) {
      const err = errorOf(text);
      expect(err.code, text).toMatch(/^CONFIG_(PARSE|INVALID)$/); // an unknown tag is only a warning: then the key is unknown
      expect(err.message, text).toMatch(/camwatch\.yaml:\d+:\d+ /);
      expect(err.message, text).not.toContain('Hunter2');
    }
    expect(issueLines(yaml('cameras: []', '}pass: "Hunter2\\"secret"')).lines).toContain('camwatch.yaml:2:8 Unexpected double-quoted-scalar token in YAML stream');
  });

  it('a tab used as indentation → CONFIG_PARSE saying to indent with spaces', () => {
    expect(issueLines(yaml('agent:', '\tid: demo'))).toEqual({
      code: 'CONFIG_PARSE',
      lines: ['camwatch.yaml:2:1 Tabs are not allowed as indentation; indent with spaces (in vi: :set expandtab, then :retab)'],
    });
  });

  it('a zone with fewer than 3 points → the cameras[0].zones[1].points path', () => {
    const text = yaml(
      ...CAMERA_HEADER,
      '    zones:',
      '      - id: a',
      '        points: [[0, 0], [1, 0], [0, 1]]',
      '      - id: b',
      '        points: [[0, 0], [1, 1]]',
    );
    expect(issueLines(text)).toEqual({
      code: 'CONFIG_INVALID',
      lines: ['camwatch.yaml:9:9 cameras[0].zones[1].points: expected at least 3 points'],
    });
  });

  it('an unknown key → did you mean the allowed key', () => {
    const text = yaml(...CAMERA_HEADER, '    analysis:', '      fsp: 5');
    expect(issueLines(text).lines).toEqual(['camwatch.yaml:6:7 cameras[0].analysis.fsp: unknown key; did you mean "fps"?']);
  });

  it('an unknown key in snake_case for a camelCase field → did you mean', () => {
    const text = yaml('mqtt:', '  url: mqtt://broker:1883', '  password_file: /etc/camwatch/mqtt.password');
    expect(issueLines(text).lines).toEqual(['camwatch.yaml:3:3 mqtt.password_file: unknown key; did you mean "passwordFile"?']);
  });

  it('an unknown key with no close match lists the allowed keys', () => {
    const text = yaml('tracking:', '  colour: red');
    expect(issueLines(text).lines).toEqual(['camwatch.yaml:2:3 tracking.colour: unknown key; allowed here: kind, iouThreshold, maxLostSeconds, minHits, highScoreThreshold, lowScoreThreshold, riders']);
  });

  it('an unknown rule type → did you mean "line_crossing"', () => {
    const text = yaml(
      ...CAMERA_HEADER,
      '    lines:',
      '      - id: l',
      '        from: [0.1, 0.5]',
      '        to: [0.9, 0.5]',
      '    rules:',
      '      - id: r1',
      '        type: line_crosing',
      '        line: l',
    );
    expect(issueLines(text).lines).toEqual([
      `camwatch.yaml:11:9 cameras[0].rules[0].type: unknown rule type "line_crosing"; did you mean "line_crossing"? (known: ${KNOWN_RULE_TYPES})`,
    ]);
  });

  it('a bad enum value → did you mean, with the allowed values', () => {
    expect(issueLines(yaml('agent:', '  logLevel: warning')).lines).toEqual([
      'camwatch.yaml:2:3 agent.logLevel: unknown value "warning"; did you mean "warn"? (allowed: fatal, error, warn, info, debug, trace)',
    ]);
  });

  it('a rule referencing a missing zone → names the zones the camera has', () => {
    const text = yaml(
      ...CAMERA_HEADER,
      '    zones:',
      '      - { id: a, points: [[0, 0], [1, 0], [0, 1]] }',
      '      - { id: b, points: [[0, 0], [1, 0], [1, 1]] }',
      '    rules:',
      '      - { id: r1, type: zone_intrusion, zone: a }',
      '      - { id: r2, type: zone_intrusion, zone: b }',
      '      - { id: r3, type: zone_intrusion, zone: gate }',
    );
    expect(issueLines(text).lines).toEqual(['camwatch.yaml:11:41 cameras[0].rules[2].zone: no zone "gate" on camera "cam-01" (zones: a, b)']);
  });

  it('a rule naming a line as its zone → says it is a line', () => {
    const text = yaml(
      ...CAMERA_HEADER,
      '    lines:',
      '      - { id: stop, from: [0.1, 0.5], to: [0.9, 0.5] }',
      '    rules:',
      '      - { id: r1, type: zone_intrusion, zone: stop }',
    );
    expect(issueLines(text).lines).toEqual([
      'camwatch.yaml:8:41 cameras[0].rules[0].zone: no zone "stop" on camera "cam-01" (no zones defined); "stop" is a line, not a zone',
    ]);
  });

  it('a self-intersecting polygon → names the crossing edges', () => {
    const text = yaml(
      ...CAMERA_HEADER,
      '    zones:',
      '      - id: ok',
      '        points: [[0, 0], [1, 0], [0, 1]]',
      '      - id: bowtie',
      '        points: [[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]]',
    );
    expect(issueLines(text).lines).toEqual([
      'camwatch.yaml:9:9 cameras[0].zones[1].points: polygon edges 1-2 and 3-4 cross; list the corners in order around the area',
    ]);
  });

  it('a zero-length line', () => {
    const text = yaml(...CAMERA_HEADER, '    lines:', '      - id: l', '        from: [0.5, 0.5]', '        to: [0.5, 0.5]');
    expect(issueLines(text).lines).toEqual([
      'camwatch.yaml:8:9 cameras[0].lines[0].to: zero-length line: "to" is the same point as "from"; a line needs two different points',
    ]);
  });

  it('normalized coordinates outside 0..1', () => {
    const text = yaml(...CAMERA_HEADER, '    zones:', '      - id: a', '        points:', '          - [0, 0]', '          - [1.2, 0]', '          - [0, 1]');
    expect(issueLines(text).lines).toEqual([
      'camwatch.yaml:9:13 cameras[0].zones[0].points[1]: [1.2, 0] is outside the frame: normalized coordinates run from 0 to 1 (fractions of width and height); for pixel coordinates set units: pixels',
    ]);
  });

  it('a missing secret file → SECRET_UNREADABLE naming the field and the file', () => {
    const text = yaml('mqtt:', '  url: mqtt://broker:1883', '  passwordFile: secrets/nope.txt');
    expect(issueLines(text)).toEqual({
      code: 'SECRET_UNREADABLE',
      lines: [`camwatch.yaml:3:3 mqtt.passwordFile: cannot read ${join(PROJECT_ROOT, 'secrets/nope.txt')}: no such file`],
    });
  });

  it('a duplicate camera id', () => {
    const text = yaml(...CAMERA_HEADER, '  - id: cam-01', '    source: { file: other.mp4 }');
    expect(issueLines(text).lines).toEqual(['camwatch.yaml:5:5 cameras[1].id: duplicate camera id "cam-01" (also cameras[0]); camera ids must be unique']);
  });

  it('duplicate zone ids within a camera', () => {
    const text = yaml(
      ...CAMERA_HEADER,
      '    zones:',
      '      - { id: a, points: [[0, 0], [1, 0], [0, 1]] }',
      '      - { id: a, points: [[0, 0], [1, 0], [1, 1]] }',
    );
    expect(issueLines(text).lines).toEqual(['camwatch.yaml:7:11 cameras[0].zones[1].id: duplicate zone id "a" (also zones[0]); zone ids must be unique']);
  });

  it('a non-numeric fps', () => {
    const text = yaml(...CAMERA_HEADER, '    analysis:', '      fps: five');
    expect(issueLines(text).lines).toEqual(['camwatch.yaml:6:7 cameras[0].analysis.fps: expected a number, got "five"']);
  });

  it('a quoted number → says to remove the quotes', () => {
    const text = yaml(...CAMERA_HEADER, '    analysis:', '      width: "640"');
    expect(issueLines(text).lines).toEqual(['camwatch.yaml:6:7 cameras[0].analysis.width: expected a number, got "640"; remove the quotes']);
  });

  it('a number out of bounds', () => {
    const text = yaml(...CAMERA_HEADER, '    analysis:', '      fps: 60');
    expect(issueLines(text).lines).toEqual(['camwatch.yaml:6:7 cameras[0].analysis.fps: must be at most 30, got 60']);
  });

  it('a source with neither url nor file → says which keys select a source, and suggests for the typo', () => {
    const text = yaml('cameras:', '  - id: cam-01', '    source:', '      fil: video.mp4');
    expect(issueLines(text).lines).toEqual([
      'camwatch.yaml:3:5 cameras[0].source: needs "url" or "file"',
      'camwatch.yaml:4:7 cameras[0].source.fil: unknown key; did you mean "file"?',
    ]);
  });

  it('a clear-text password next to passwordFile → asks to remove the clear one', () => {
    const text = yaml(
      'cameras:',
      '  - id: cam-01',
      '    source:',
      '      url: rtsp://10.0.0.5/live',
      '      password: hunter22',
      '      passwordFile: /etc/camwatch/cam-01.password',
    );
    expect(issueLines(text).lines).toEqual([
      'camwatch.yaml:5:7 cameras[0].source.password: a clear-text password and passwordFile are both given; remove password (the secret belongs in passwordFile)',
    ]);
  });

  it('a password inside the URL next to passwordEnv → asks to remove it from the URL', () => {
    const text = yaml('cameras:', '  - id: cam-01', '    source:', '      url: rtsp://admin:hunter22@10.0.0.5/live', '      passwordEnv: CAM_PW');
    const err = errorOf(text);
    expect(err.message.split('\n').slice(1)).toEqual([
      '  camwatch.yaml:4:7 cameras[0].source.url: the URL holds a password and passwordEnv is also given; remove the password from the URL (keep scheme://user@host/…)',
    ]);
    expect(err.message).not.toContain('hunter22');
  });

  it('a username both in the URL and as a field is accepted', () => {
    const text = yaml('cameras:', '  - id: cam-01', '    source:', '      url: rtsp://admin@10.0.0.5/live', '      username: admin', '      passwordEnv: CAM_PW');
    expect(() => issueLines(text, { env: { CAM_PW: 'pw' } })).toThrow('expected the config to be rejected');
  });

  it('a rule class the model cannot detect → did you mean, from the model class list', () => {
    const text = yaml(
      ...CAMERA_HEADER,
      '    zones: [{ id: a, points: [[0, 0], [1, 0], [0, 1]] }]',
      '    rules:',
      '      - { id: r1, type: zone_intrusion, zone: a, classes: [person, preson] }',
    );
    expect(issueLines(text).lines).toEqual([
      'camwatch.yaml:7:68 cameras[0].rules[0].classes[1]: unknown class "preson" for model yolox_nano_416; did you mean "person"?',
    ]);
  });

  it('with a class remap, rules name the remapped classes: a model class name is then unknown', () => {
    const text = yaml(
      'detection:',
      '  classRemap: { map: { car: vehicle, truck: vehicle, person: person } }',
      ...CAMERA_HEADER,
      '    zones: [{ id: a, points: [[0, 0], [1, 0], [0, 1]] }]',
      '    rules:',
      '      - { id: r1, type: zone_intrusion, zone: a, classes: [vehicle, car] }',
    );
    expect(issueLines(text).lines).toEqual([
      'camwatch.yaml:9:69 cameras[0].rules[0].classes[1]: unknown class "car" for model yolox_nano_416 (remapped classes: vehicle, person)',
    ]);
  });

  it('lists every error of a file in one run, top to bottom, schema and cross-field checks together', () => {
    const text = yaml(
      'agent:',
      '  logLevel: inf',
      ...CAMERA_HEADER,
      '    analysis: { fps: five }',
      '    zones:',
      '      - { id: a, points: [[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]] }',
      '    rules:',
      '      - { id: r1, type: zone_intrusion, zone: gate }',
      '  - id: cam-01',
      '    source: { file: b.mp4 }',
    );
    const err = errorOf(text);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message.split('\n')).toEqual([
      'camwatch.yaml has 5 errors:',
      '  camwatch.yaml:2:3 agent.logLevel: unknown value "inf"; did you mean "info"? (allowed: fatal, error, warn, info, debug, trace)',
      '  camwatch.yaml:7:17 cameras[0].analysis.fps: expected a number, got "five"',
      '  camwatch.yaml:9:18 cameras[0].zones[0].points: polygon edges 1-2 and 3-4 cross; list the corners in order around the area',
      '  camwatch.yaml:11:41 cameras[0].rules[0].zone: no zone "gate" on camera "cam-01" (zones: a)',
      '  camwatch.yaml:12:5 cameras[1].id: duplicate camera id "cam-01" (also cameras[0]); camera ids must be unique',
    ]);
    expect(err.hint).toBe(ERROR_CATALOGUE.CONFIG_INVALID);
    expect(err.details.issues).toContainEqual({ path: 'cameras[0].analysis.fps', message: 'expected a number, got "five"', line: 7, col: 17 });
    expect(err.details.issues).toHaveLength(5);
  });

  it('an empty file is rejected rather than run with no cameras', () => {
    expect(issueLines('# only a comment\n')).toEqual({
      code: 'CONFIG_INVALID',
      lines: ['camwatch.yaml:1:1 (root): the file is empty; start from config/camwatch.example.yaml'],
    });
  });

  it('a broker URL with a scheme mqtt.js cannot use, reported alongside a schema error elsewhere', () => {
    expect(issueLines(yaml('mqtt:', '  url: http://broker.example', '  topicPrefix: city/#')).lines).toEqual([
      'camwatch.yaml:2:3 mqtt.url: unsupported scheme "http://"; use one of mqtt://, mqtts://, tcp://, tls://, ssl://, ws://, wss://',
      'camwatch.yaml:3:3 mqtt.topicPrefix: must not contain MQTT wildcards (+ #) or empty levels: use up to 8 levels of 1 to 64 letters, digits, "_", "-" or "." separated by "/"; got "city/#"',
    ]);
  });

  it('a duplicated key → CONFIG_PARSE at the second occurrence', () => {
    expect(issueLines(yaml('agent:', '  id: a', '  id: b'))).toEqual({
      code: 'CONFIG_PARSE',
      lines: ['camwatch.yaml:3:3 Map keys must be unique: this key appears twice in the same mapping; keep one'],
    });
  });
});
