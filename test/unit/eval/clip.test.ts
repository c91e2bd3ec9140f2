import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadClip, type ClipPaths } from '../../../agent/eval/clip.js';
import { loadEvalSettings } from '../../../agent/eval/settings.js';
import { isCamwatchError } from '../../../agent/core/errors.js';
import { rmSync } from 'node:fs';
import { DATA_DIR, PROJECT_ROOT, videoPath } from '../../helpers/data.js';

const dir = mkdtempSync(join(tmpdir(), 'camwatch-clip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const paths: ClipPaths = { dataDir: DATA_DIR, cacheDir: join(dir, 'cache') };
const settings = (sets: string[] = []) => loadEvalSettings({ configPath: 'config/camwatch.example.yaml', cwd: PROJECT_ROOT, sets });

const GOOD = `# labelled by a test
video: residential_street_ahmetozlu.mp4
split: tune
labels:
  method: written by the unit test
  by: test
camera:
  id: res
  analysis: { fps: 5, width: 640 }
  zones:
    - id: street
      points: [[0.3, 0.42], [0.55, 0.33], [1.0, 0.5], [1.0, 1.0], [0.42, 1.0]]
  lines:
    - id: count-line
      from: [0.33, 0.6]
      to: [0.95, 0.6]
  rules:
    - id: count
      type: line_crossing
      line: count-line
      classes: [car, truck]
    - id: stop
      type: illegal_stop
      zone: street
      classes: [car]
truth:
  incidents:
    - { rule: stop, class: car, startS: 3.0 }
  counts:
    - { line: count-line, class: car, in: 7, out: 0 }
  empty:
    - { fromS: 31.5, toS: 37.5 }
`;

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isCamwatchError(err, 'EVAL_CLIP_INVALID')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected EVAL_CLIP_INVALID');
}

describe('loadClip', () => {
  it('reads a clip: the camera validated by the config schema, its source the named video, defaults filled', () => {
    const clip = loadClip(write('good.yaml', GOOD), dir, settings(), paths);
    expect(clip.name).toBe('good');
    expect(clip.camera.source).toEqual({ file: videoPath('residential_street_ahmetozlu.mp4'), loop: false, speed: 0 });
    expect(clip.camera.motion.enabled).toBe(true);
    expect(clip.ruleTypes).toEqual({ count: 'line_crossing', stop: 'illegal_stop' });
    expect(clip.truth.incidents[0]!.toleranceS).toBe(2);
    expect(clip.labels.by).toBe('test');
    expect(clip.loaded.config.cameras).toHaveLength(1);
  });

  it('names file:line:col and the clip path for a bad camera field, as camwatch.yaml errors do', () => {
    const msg = errorOf(() => loadClip(write('badcam.yaml', GOOD.replace('zone: street', 'zone: stret')), dir, settings(), paths));
    expect(msg).toMatch(/badcam\.yaml:\d+:\d+ camera\.rules\[1\]\.zone: .*stret/);
  });

  it('rejects truth that cannot be compared: unknown rule, a crossing as incident, a class no rule counts, bad spans', () => {
    const text = GOOD.replace('- { rule: stop, class: car, startS: 3.0 }', '- { rule: nope, startS: 1 }\n    - { rule: count, startS: 2 }\n    - { rule: stop, class: bus, startS: 2 }')
      .replace('class: car, in: 7', 'class: person, in: 7')
      .replace('{ fromS: 31.5, toS: 37.5 }', '{ fromS: 31.5, toS: 30 }');
    const msg = errorOf(() => loadClip(write('badtruth.yaml', text), dir, settings(), paths));
    expect(msg).toMatch(/truth\.incidents\[0\]\.rule: no rule "nope"/);
    expect(msg).toMatch(/truth\.incidents\[1\]\.rule: .*line_crossing rule: crossings are compared as counts/);
    expect(msg).toMatch(/truth\.incidents\[2\]\.class: rule "stop" never raises class "bus"/);
    expect(msg).toMatch(/truth\.counts\[0\]\.class: no line_crossing rule counts class "person"/);
    expect(msg).toMatch(/truth\.empty\[0\]\.toS: must be after fromS/);
  });

  it('needs labels.method and a known split, and rejects unknown keys in the truth', () => {
    const text = GOOD.replace('  method: written by the unit test\n', '').replace('split: tune', 'split: train').replace('startS: 3.0', 'start: 3.0');
    const msg = errorOf(() => loadClip(write('badkeys.yaml', text), dir, settings(), paths));
    expect(msg).toMatch(/labels\.method/);
    expect(msg).toMatch(/split/);
    expect(msg).toMatch(/truth\.incidents\[0\]\.start: unknown key/);
  });

  it('names a missing video with where it was looked for, and refuses a camera source', () => {
    const msg = errorOf(() => loadClip(write('novideo.yaml', GOOD.replace('residential_street_ahmetozlu.mp4', 'nope.mp4').replace('  id: res\n', '  id: res\n  source: { file: x.mp4 }\n')), dir, settings(), paths));
    expect(msg).toMatch(/novideo\.yaml:2:\d+ video: no such video: .*video\/nope\.mp4/);
    expect(msg).toMatch(/camera\.source: leave it out/);
  });

  it('a derived clip goes to the cache under a hash of its spec', () => {
    const derived = GOOD.replace('video: residential_street_ahmetozlu.mp4', 'video:\n  inputs: [residential_street_ahmetozlu.mp4]\n  filterComplex: "[0:v]trim=0:4,setpts=PTS-STARTPTS[out]"');
    const a = loadClip(write('d1.yaml', derived), dir, settings(), paths);
    const b = loadClip(write('d2.yaml', derived.replace('trim=0:4', 'trim=0:5')), dir, settings(), paths);
    expect(a.videoPath).toMatch(new RegExp(`^${paths.cacheDir}/[0-9a-f]{16}\\.mp4$`));
    expect(a.videoPath).not.toBe(b.videoPath);
    expect(loadClip(write('d3.yaml', derived), dir, settings(), paths).videoPath).toBe(a.videoPath);
    expect(a.videoLabel).toBe('residential_street_ahmetozlu.mp4');
  });

  it('applies --set camera.… to every clip and names the override when it is what is wrong', () => {
    expect(loadClip(write('s1.yaml', GOOD), dir, settings(['camera.motion.enabled=false']), paths).camera.motion.enabled).toBe(false);
    const msg = errorOf(() => loadClip(write('s2.yaml', GOOD), dir, settings(['camera.motion.pixelThreshold=many']), paths));
    expect(msg).toMatch(/--set camera\.motion\.pixelThreshold=many → camera\.motion\.pixelThreshold/);
  });
});

describe('loadEvalSettings', () => {
  it('takes models, detection and tracking from the config and --set overrides on top', () => {
    const s = settings(['detection.scoreThreshold=0.3', 'detection.classThresholds={motorcycle: 0.2}']);
    expect(s.loaded.config.detection.scoreThreshold).toBe(0.3);
    expect(s.loaded.config.detection.classThresholds).toEqual({ motorcycle: 0.2 });
    expect(s.loaded.config.cameras).toEqual([]);
  });

  it('rejects a bad override naming it, and a malformed one', () => {
    expect(() => settings(['detection.scoreThreshold=2'])).toThrow(/--set detection\.scoreThreshold=2 → detection\.scoreThreshold/);
    expect(() => settings(['detection.scoreThreshold'])).toThrow(/expected key=value/);
    expect(() => loadEvalSettings({ configPath: 'config/camwatch.example.yaml', cwd: PROJECT_ROOT, sets: [], model: 'no_such_model' })).toThrow(/detection\.model/);
  });
});
