import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { formatIssueList, type RawIssue, type LoadedConfig, resolveConfigPath, type CameraConfig, readModelCatalogue, validateConfigData, parseYamlSource, type YamlSource, parseWithIssues } from '../config/index.js';
import { CamwatchError } from '../core/index.js';
import { clipSchema, type ClipFile, type ClipSplit, type EmptySpan, type ExpectedCount, type ExpectedIncident } from './clip-schema.js';
import { placeIssues, setAt, type EvalSettings } from './settings.js';

/** Where the harness finds videos and keeps rendered derived clips. */
export interface ClipPaths {
  /** Holds video/ (CAMWATCH_DATA_DIR, default ../shared/data beside the project). */
  dataDir: string;
  /** Derived clips rendered by ffmpeg (var/eval-cache/ in the project). */
  cacheDir: string;
}

/** A derived clip still to render (or already in the cache). */
export interface DerivedVideo {
  inputs: string[];
  filterComplex: string;
  /** sha256 of the spec and the encoder settings: the cache file's name. */
  key: string;
}

/** A clip file read and checked: ready to run. */
export interface LoadedClip {
  /** The path as given on the command line. */
  file: string;
  /** File name without .yaml. */
  name: string;
  split: ClipSplit;
  labels: ClipFile['labels'];
  /** What `video:` says, for the report: the file name, or the derived spec's inputs joined by +. */
  videoLabel: string;
  /** The video the camera plays (for a derived clip: its cache file, rendered by ensureVideo). */
  videoPath: string;
  derived?: DerivedVideo;
  /** The clip's camera, validated, with `source` filled in. */
  camera: CameraConfig;
  /** The global settings with this camera as its only one. */
  loaded: LoadedConfig;
  /** Rule id → rule type, for grouping. */
  ruleTypes: Record<string, string>;
  truth: { incidents: ExpectedIncident[]; counts: ExpectedCount[]; empty: EmptySpan[] };
}

/** ffmpeg output settings of derived clips (part of the cache key, so changing them re-renders). */
export const DERIVED_ENCODE_ARGS = ['-map', '[out]', '-an', '-c:v', 'libx264', '-crf', '23', '-pix_fmt', 'yuv420p'] as const;

/** The project folder holding `from` (the nearest parent with package.json), else `fallback`. */
export function projectRootOf(from: string, fallback: string): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return fallback;
    dir = up;
  }
}

/** The data folder: CAMWATCH_DATA_DIR, else ../shared/data beside the project. */
export function defaultDataDir(projectRoot: string, env: NodeJS.ProcessEnv): string {
  return resolve(env.CAMWATCH_DATA_DIR ?? join(projectRoot, '..', 'shared', 'data'));
}

/** Reads, validates and cross-checks one clip file; throws EVAL_CLIP_INVALID listing every problem at file:line:col. */
export function loadClip(file: string, cwd: string, settings: EvalSettings, paths: ClipPaths): LoadedClip {
  const absolute = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    throw new CamwatchError('EVAL_CLIP_INVALID', `cannot read clip ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`, { cause: err, details: { file } });
  }
  const parsed = parseYamlSource(text);
  if (!parsed.ok) throw new CamwatchError('EVAL_CLIP_INVALID', formatIssueList(`${file} is not valid YAML:`, parsed.issues, file), { details: { file } });
  const source = parsed.source;
  const fail = (issues: RawIssue[], mapPath?: (p: readonly (string | number)[]) => (string | number)[]): never => {
    const placed = placeIssues(issues, { name: file, source, ...(mapPath && { mapPath }) }, settings.cameraOverrides, ['camera']);
    throw new CamwatchError('EVAL_CLIP_INVALID', formatIssueList(`${file} has ${placed.length} error${placed.length === 1 ? '' : 's'}:`, placed), {
      details: { file, issues: placed },
    });
  };

  const clip = parseWithIssues(clipSchema, source.data);
  if (!clip.ok) return fail(clip.issues);
  const { video, truth } = clip.data;

  const issues: RawIssue[] = [];
  const resolved = resolveVideo(video, paths, issues);
  if ('source' in clip.data.camera) issues.push({ path: ['camera', 'source'], message: 'leave it out: the harness plays `video` as the source' });
  if (issues.length) return fail(issues);

  const cameraRaw: Record<string, unknown> = structuredClone(clip.data.camera);
  for (const o of settings.cameraOverrides) setAt(cameraRaw, o.path, o.value);
  cameraRaw.source = { file: resolved.path, loop: false, speed: 0 };
  const validated = validateConfigData(
    { ...settings.raw, cameras: [cameraRaw] },
    { catalogueFor: (c) => readModelCatalogue(resolveConfigPath(settings.loaded, c.models.manifest)) },
  );
  if (!validated.ok) return fail(validated.issues, (p) => (p[0] === 'cameras' && p[1] === 0 ? ['camera', ...p.slice(2)] : [...p]));
  const camera = validated.data.cameras[0]!;

  issues.push(...checkTruth(camera, truth));
  if (issues.length) return fail(issues);

  return {
    file,
    name: basename(file).replace(/\.ya?ml$/i, ''),
    split: clip.data.split,
    labels: clip.data.labels,
    videoLabel: typeof video === 'string' ? video : video.inputs.join('+'),
    videoPath: resolved.path,
    ...(resolved.derived && { derived: resolved.derived }),
    camera,
    loaded: { ...settings.loaded, config: validated.data },
    ruleTypes: Object.fromEntries(camera.rules.map((r) => [r.id, r.type])),
    truth,
  };
}

function resolveVideo(video: ClipFile['video'], paths: ClipPaths, issues: RawIssue[]): { path: string; derived?: DerivedVideo } {
  const inVideoDir = (name: string, path: (string | number)[]): string => {
    const p = resolve(paths.dataDir, 'video', name);
    let ok = false;
    try {
      ok = statSync(p).isFile();
    } catch {
      // reported below
    }
    if (!ok) issues.push({ path, message: `no such video: ${p} (videos are named under <data>/video/; set CAMWATCH_DATA_DIR to the data folder)` });
    return p;
  };
  if (typeof video === 'string') return { path: inVideoDir(video, ['video']) };
  const inputs = video.inputs.map((name, i) => inVideoDir(name, ['video', 'inputs', i]));
  if (!/\[out\]\s*$/.test(video.filterComplex)) issues.push({ path: ['video', 'filterComplex'], message: 'the graph must end in the output label [out]' });
  const key = createHash('sha256')
    .update(JSON.stringify({ inputs: video.inputs, filterComplex: video.filterComplex, encode: DERIVED_ENCODE_ARGS }))
    .digest('hex')
    .slice(0, 16);
  return { path: join(paths.cacheDir, `${key}.mp4`), derived: { inputs, filterComplex: video.filterComplex, key } };
}

/** Truth that cannot be compared with what the camera's rules produce: named rule, line and class must exist. */
export function checkTruth(camera: CameraConfig, truth: LoadedClip['truth']): RawIssue[] {
  const issues: RawIssue[] = [];
  const ruleIds = camera.rules.map((r) => r.id);
  truth.incidents.forEach((e, i) => {
    const rule = camera.rules.find((r) => r.id === e.rule);
    if (!rule) {
      issues.push({ path: ['truth', 'incidents', i, 'rule'], message: `no rule "${e.rule}" in camera.rules (there: ${ruleIds.join(', ') || 'none'})` });
      return;
    }
    if (rule.type === 'line_crossing') {
      issues.push({ path: ['truth', 'incidents', i, 'rule'], message: `"${e.rule}" is a line_crossing rule: crossings are compared as counts (truth.counts), never as incidents` });
    }
    const classes = 'classes' in rule ? rule.classes : undefined;
    if (e.class !== undefined && classes !== undefined && !classes.includes(e.class)) {
      issues.push({ path: ['truth', 'incidents', i, 'class'], message: `rule "${e.rule}" never raises class "${e.class}" (its classes: ${classes.join(', ')})` });
    }
    if (e.endS !== undefined && e.endS < e.startS) issues.push({ path: ['truth', 'incidents', i, 'endS'], message: `ends (${e.endS}) before it starts (${e.startS})` });
  });
  const seen = new Set<string>();
  truth.counts.forEach((c, i) => {
    const key = `${c.line}\u0000${c.class}`;
    if (seen.has(key)) issues.push({ path: ['truth', 'counts', i], message: `line "${c.line}", class "${c.class}" is counted twice; give it once` });
    seen.add(key);
    if (!camera.lines.some((l) => l.id === c.line)) {
      issues.push({ path: ['truth', 'counts', i, 'line'], message: `no line "${c.line}" in camera.lines (there: ${camera.lines.map((l) => l.id).join(', ') || 'none'})` });
      return;
    }
    if (countingRule(camera, c.line, c.class) === undefined) {
      issues.push({ path: ['truth', 'counts', i, 'class'], message: `no line_crossing rule counts class "${c.class}" on line "${c.line}": add one to camera.rules (or the class to its classes)` });
    }
  });
  truth.empty.forEach((s, i) => {
    if (s.toS <= s.fromS) issues.push({ path: ['truth', 'empty', i, 'toS'], message: `must be after fromS (${s.fromS})` });
  });
  return issues;
}

/** The line_crossing rule whose count of `className` on `lineId` is compared: the first that counts that class there. */
export function countingRule(camera: CameraConfig, lineId: string, className: string): string | undefined {
  for (const r of camera.rules) {
    if (r.type !== 'line_crossing' || r.line !== lineId) continue;
    if (r.classes === undefined || r.classes.includes(className)) return r.id;
  }
  return undefined;
}
