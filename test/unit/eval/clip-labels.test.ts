import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfigData } from '../../../agent/config/index.js';
import { DATA_DIR, PROJECT_ROOT } from '../../helpers/data.js';

/**
 * The labelled clips (eval/clips/*.yaml, format in the eval harness docs) are ground truth: each must
 * parse, hold a camera block the config schema accepts, refer only to its own rules and lines, and say
 * how its labels were made. The harness loads them too; this catches a bad label file on its own.
 */

const CLIPS_DIR = join(PROJECT_ROOT, 'eval', 'clips');
const files = existsSync(CLIPS_DIR) ? readdirSync(CLIPS_DIR).filter((f) => f.endsWith('.yaml')).sort() : [];

interface ClipFile {
  video: string | { inputs: string[]; filterComplex: string };
  split: string;
  labels: { method: string };
  camera: { id: string; rules?: Array<{ id: string; type: string }>; lines?: Array<{ id: string }> };
  truth: {
    incidents?: Array<{ rule: string; class?: string; startS: number; toleranceS?: number; endS?: number; note?: string }>;
    counts?: Array<{ line: string; class: string; in: number; out: number }>;
    empty?: Array<{ fromS: number; toS: number }>;
  };
}

const COUNT_CLASSES = ['person', 'bicycle', 'motorcycle', 'car', 'bus', 'truck'];

describe('labelled evaluation clips', () => {
  it('there are at least 8, a third or so held out', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
    const holdout = files.filter((f) => (parse(readFileSync(join(CLIPS_DIR, f), 'utf8')) as ClipFile).split === 'holdout');
    expect(holdout.length).toBeGreaterThanOrEqual(Math.floor(files.length / 4));
  });

  it.each(files)('%s is a valid labelled clip', (file) => {
    const clip = parse(readFileSync(join(CLIPS_DIR, file), 'utf8')) as ClipFile;
    expect(Object.keys(clip).sort()).toEqual(['camera', 'labels', 'split', 'truth', 'video']);
    expect(['tune', 'holdout']).toContain(clip.split);
    expect(clip.labels.method.length).toBeGreaterThan(80);

    const videos = typeof clip.video === 'string' ? [clip.video] : clip.video.inputs;
    if (typeof clip.video !== 'string') expect(clip.video.filterComplex).toContain('[out]');
    for (const v of videos) expect(existsSync(join(DATA_DIR, 'video', v)), v).toBe(true);

    // The harness fills the source; any file source makes the camera block a complete camwatch.yaml entry.
    const config = { cameras: [{ ...clip.camera, source: { file: 'clip.mp4' } }] };
    const outcome = validateConfigData(config);
    expect(outcome.ok ? [] : outcome.issues, 'camera block').toEqual([]);

    const ruleIds = new Set((clip.camera.rules ?? []).map((r) => r.id));
    const lineIds = new Set((clip.camera.lines ?? []).map((l) => l.id));
    for (const inc of clip.truth.incidents ?? []) {
      expect(ruleIds, `incident rule ${inc.rule}`).toContain(inc.rule);
      expect(inc.startS).toBeGreaterThanOrEqual(0);
      if (inc.endS !== undefined) expect(inc.endS).toBeGreaterThan(inc.startS);
      expect(inc.note?.length ?? 0, 'every incident names the frame that shows it').toBeGreaterThan(10);
    }
    for (const c of clip.truth.counts ?? []) {
      expect(lineIds, `count line ${c.line}`).toContain(c.line);
      expect(COUNT_CLASSES).toContain(c.class);
      expect(Number.isInteger(c.in) && Number.isInteger(c.out) && c.in >= 0 && c.out >= 0).toBe(true);
    }
    for (const e of clip.truth.empty ?? []) expect(e.toS).toBeGreaterThan(e.fromS);
  });
});
