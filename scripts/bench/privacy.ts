/**
 * Privacy scenario: the cost per still of the privacy step in-process, as the agent runs it — each face / plate
 * model on a real Saigon still at analysis size (640 px) and at the stream's full resolution (1018x720), and
 * masks alone. Process CPU ms (onnxruntime's threads included) and wall ms, median of `runs` after a warm-up.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RgbImage } from '../../agent/core/index.js';
import { createStillPrivacy, loadPrivacyModels, openRegionDetector, privacyDetectors, privacyModelFile } from '../../agent/privacy/index.js';
import { dataFile, decodeFrames, progress, ROOT } from './common.js';

export interface PrivacyBenchRow {
  step: string;
  still: string;
  cpuMs: number;
  wallMs: number;
}

/** Median process CPU ms and wall ms of `runs` calls of `fn`, after one warm-up call. */
export async function timeMedian(runs: number, fn: () => Promise<unknown>): Promise<{ cpuMs: number; wallMs: number }> {
  await fn();
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (xs: number[]) => Math.round(xs.sort((a, b) => a - b)[xs.length >> 1]! * 10) / 10;
  return { cpuMs: median(cpu), wallMs: median(wall) };
}

/** A still the privacy step is timed on. */
export interface PrivacyBenchStill {
  name: string;
  image: RgbImage;
}

/**
 * Rows per model and still, then masks only; with `wholeStep`, also the whole step as the agent runs it (masks,
 * faces and plates: detect + blur + masks). `runs` timed calls each; default stills: one Saigon frame at analysis
 * size and at the stream's size.
 */
export async function runPrivacy(options: { runs: number; stills?: PrivacyBenchStill[]; wholeStep?: boolean }): Promise<PrivacyBenchRow[]> {
  const stills = options.stills ?? (await defaultStills());
  const manifest = join(ROOT, 'models', 'manifest.json');
  const modelsDir = join(ROOT, 'models');
  const rows: PrivacyBenchRow[] = [];
  for (const model of await loadPrivacyModels(manifest)) {
    progress(`privacy: ${model.name}`);
    const detector = await openRegionDetector(model, await privacyModelFile(model, modelsDir));
    for (const s of stills) rows.push({ step: model.name, still: s.name, ...(await timeMedian(options.runs, () => detector.detect(s.image))) });
    await detector.close();
  }
  const masks = [{ points: [[0, 0], [0.35, 0], [0.35, 0.3], [0, 0.3]] as Array<[number, number]> }];
  const masksOnly = createStillPrivacy({ masks, blurFaces: false, blurPlates: false });
  for (const s of stills) rows.push({ step: 'masks', still: s.name, ...(await timeMedian(options.runs, () => masksOnly.apply(s.image))) });
  if (options.wholeStep) {
    const detectors = privacyDetectors(manifest, modelsDir);
    const whole = createStillPrivacy({ masks, blurFaces: true, blurPlates: true }, detectors);
    // A fresh frame object per call: the step remembers its finds per frame (one detection for several pictures).
    for (const s of stills) rows.push({ step: 'masks + faces + plates', still: s.name, ...(await timeMedian(options.runs, () => whole.apply({ ...s.image }))) });
    await detectors.close();
  }
  return rows;
}

async function defaultStills(): Promise<PrivacyBenchStill[]> {
  const video = dataFile('video', 'vn_saigon_intersection.mp4');
  return [
    { name: 'analysis 640x452', image: (await decodeFrames(video, 640, 1))[0]! },
    { name: 'full 1018x720', image: (await decodeFrames(video, 1018, 1))[0]! },
  ];
}
