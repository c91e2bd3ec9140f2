/**
 * Quality of the fast path against the full-frame path (issue #15: every speed-up keeps precision and recall
 * on the labelled set within one point of the full-frame pipeline). Runs the eval harness (`camwatch eval`,
 * agent/eval) twice in this process on the same labelled clips:
 *   fast       the deployed defaults, as `npm run eval` runs them (config/camwatch.example.yaml): the motion
 *              gate (keep-alive re-checks, empty-scene sweep, idle-motion learning), analysis.fastDecode and
 *              analysis.skipNonReferenceFrames auto;
 *   fullFrame  camera.motion.enabled=false (no gate: every analysed frame goes to the detector,
 *              agent/ops/camera-runner.ts), camera.analysis.fastDecode=false and skipNonReferenceFrames=false
 *              (the decoder's full options, every frame decoded).
 * Prints both paths' precision, recall, TP/FP/misses (overall and per split), count errors, inferences per
 * frame and CPU seconds, and fast − full in points (quality-score.ts). Quality does not depend on machine
 * load (the harness feeds frames in lockstep); CPU seconds do a little, wall time a lot.
 * Alone: `npm run bench -- --quick --only quality`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { createLogger, type Logger } from '../../agent/core/index.js';
import { DEFAULT_EVAL_CONFIG, runEval, type EvalProgress } from '../../agent/eval/index.js';
import { ROOT, progress } from './common.js';
import { compareQuality, qualityPath, type CpuSeconds, type QualityDelta, type QualityPath } from './quality-score.js';

/** What turns the fast path off: no motion gate (every frame inferred) and full decoding of every frame. */
export const FULL_FRAME_OVERRIDES = ['camera.motion.enabled=false', 'camera.analysis.fastDecode=false', 'camera.analysis.skipNonReferenceFrames=false'] as const;

const CLIPS_DIR = join(ROOT, 'eval', 'clips');

/**
 * Clips per mode. quick: a busy street with 8 wrong-way incidents and car counts (residential_street_ahmetozlu,
 * holdout), an indoor scene with labelled empty spans and a bag left standing, where the gate skips most frames and
 * keep-alive re-checks hold the bag's track (lobby_abandoned_bag, tune), and motorbikes counted at a busy Saigon
 * intersection (vn_saigon_intersection, holdout): 445 frames per path. smoke: the Saigon clip alone (51 frames).
 */
export const QUALITY_CLIPS = {
  quick: ['residential_street_ahmetozlu.yaml', 'lobby_abandoned_bag.yaml', 'vn_saigon_intersection.yaml'],
  smoke: ['vn_saigon_intersection.yaml'],
} as const;

export type QualityMode = 'full' | 'quick' | 'smoke';

/** The scenario's JSON (`quality` in the bench report). */
export interface QualityResult {
  config: string;
  /** Clip files, relative to the project. */
  clips: string[];
  /** How count errors are summed (documented here so a reader of the JSON alone knows). */
  countError: 'sum of |counted - expected| over labelled (line, class, direction) rows';
  fast: QualityPath;
  fullFrame: QualityPath;
  /** fast − fullFrame. */
  delta: QualityDelta;
  /** |Δprecision| ≤ 1 point and |Δrecall| ≤ 1 point over all the clips run (delta.overall.withinOnePoint). */
  withinOnePoint: boolean;
}

/** Clip files for a mode: every eval/clips/*.yaml in full mode. */
export function qualityClips(mode: QualityMode): string[] {
  const names = mode === 'full' ? readdirSync(CLIPS_DIR).filter((f) => f.endsWith('.yaml')).sort() : [...QUALITY_CLIPS[mode]];
  return names.map((f) => join('eval', 'clips', f));
}

const CLOCK_TICKS_PER_S = 100;

/** CPU seconds of this process's children that have exited and been reaped (the eval's ffmpeg decoders): cutime + cstime. */
function reapedChildrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / CLOCK_TICKS_PER_S;
}

/**
 * One eval run. CPU and wall time are taken from the first clip's start (after the clips are read, derived
 * videos rendered and the model loaded: the same for both paths, and the render happens once per machine) to
 * the end of the run.
 */
async function runPath(label: string, clips: string[], sets: readonly string[], logger: Logger): Promise<QualityPath> {
  let start: { cpu: NodeJS.CpuUsage; children: number; wallMs: number } | undefined;
  const evalProgress: EvalProgress = {
    note: (text) => progress(`quality ${label}: ${text}`),
    clipStarted(index, total, clip) {
      start ??= { cpu: process.cpuUsage(), children: reapedChildrenCpuSeconds(), wallMs: performance.now() };
      progress(`quality ${label}: [${index + 1}/${total}] ${clip.file}`);
    },
    frames: () => undefined,
    clipDone: (clip, r) => progress(`quality ${label}: ${clip.file}: ${r.inferencesRun}/${r.framesAnalysed} frames inferred, ${r.incidents.matches.length} TP, ${r.incidents.falsePositives.length} FP, ${r.incidents.misses.length} missed`),
  };
  const report = await runEval({ clips, configPath: DEFAULT_EVAL_CONFIG, sets, cwd: ROOT, env: process.env, logger, progress: evalProgress });
  const cpu = process.cpuUsage(start?.cpu);
  const harness = Math.round((cpu.user + cpu.system) / 1e4) / 100;
  const decoders = Math.round((reapedChildrenCpuSeconds() - (start?.children ?? 0)) * 100) / 100;
  const cpuSeconds: CpuSeconds = { harness, decoders, total: Math.round((harness + decoders) * 100) / 100 };
  return qualityPath(report, cpuSeconds, start === undefined ? 0 : (performance.now() - start.wallMs) / 1000);
}

/** Runs the harness on the mode's clips with the deployed defaults, then with the full-frame overrides. */
export async function runQuality(options: { mode: QualityMode }): Promise<QualityResult> {
  const clips = qualityClips(options.mode);
  const logger = createLogger({ level: 'warn', destination: pino.destination({ fd: 2, sync: true }) });
  // Fast first: any warm-up (JIT, page cache) is charged to the fast path, so the CPU ratio errs against it.
  const fast = await runPath('fast', clips, [], logger);
  const fullFrame = await runPath('full-frame', clips, FULL_FRAME_OVERRIDES, logger);
  const delta = compareQuality(fast, fullFrame);
  progress(
    `quality: fast P ${fast.overall.precision} R ${fast.overall.recall} vs full-frame P ${fullFrame.overall.precision} R ${fullFrame.overall.recall} ` +
      `(Δ ${delta.overall.precisionPoints} / ${delta.overall.recallPoints} points), CPU ratio ${delta.cpuRatio.total}`,
  );
  return {
    config: DEFAULT_EVAL_CONFIG,
    clips,
    countError: 'sum of |counted - expected| over labelled (line, class, direction) rows',
    fast,
    fullFrame,
    delta,
    withinOnePoint: delta.overall.withinOnePoint,
  };
}
