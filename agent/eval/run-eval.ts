import { join, relative } from 'node:path';
import { DetectorScheduler } from '../detection/index.js';
import { createAgentDetector, detectorWorkersFor } from '../ops/index.js';
import { type Logger, agentVersion } from '../core/index.js';
import { defaultDataDir, loadClip, projectRootOf, type ClipPaths, type LoadedClip } from './clip.js';
import { round3 } from './match.js';
import { EVAL_REPORT_SCHEMA, summariseSplits, type ClipReport, type EvalReport } from './report.js';
import { runClip } from './run-clip.js';
import { loadEvalSettings } from './settings.js';
import { ensureClipVideo } from './video-cache.js';

export interface EvalOptions {
  clips: readonly string[];
  configPath: string;
  sets: readonly string[];
  model?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Progress lines for a human (stderr). */
  progress: EvalProgress;
}

/** Where a long run says how far it is. */
export interface EvalProgress {
  note(text: string): void;
  clipStarted(index: number, total: number, clip: LoadedClip): void;
  frames(clip: LoadedClip, framesAnalysed: number, videoS: number): void;
  clipDone(clip: LoadedClip, report: ClipReport): void;
}

/**
 * `camwatch eval`: reads every clip first (so a typo in the last file fails before minutes of video),
 * renders derived clips, loads the detector once, runs the clips (side by side, one per detector worker) and
 * scores them.
 * Throws on errors (bad config, clip file or video); scores never throw.
 */
export async function runEval(options: EvalOptions): Promise<EvalReport> {
  const startedAt = performance.now();
  const settings = loadEvalSettings({ configPath: options.configPath, cwd: options.cwd, sets: options.sets, ...(options.model !== undefined && { model: options.model }) });
  const root = projectRootOf(options.clips[0] === undefined ? options.cwd : join(options.cwd, options.clips[0]), options.cwd);
  const paths: ClipPaths = { dataDir: defaultDataDir(root, options.env), cacheDir: join(root, 'var', 'eval-cache') };
  const clips = options.clips.map((file) => loadClip(file, options.cwd, settings, paths));
  for (const clip of clips) {
    if (clip.derived && (await ensureClipVideo(clip, paths))) options.progress.note(`rendered ${clip.file}'s video into ${relative(options.cwd, clip.videoPath)}`);
  }
  // Clips run side by side, as many as the detector may have workers (detection.workers: 2 on a 2-core box):
  // each clip feeds one frame at a time, so one clip alone leaves a second worker idle. Every clip has its own
  // pipeline and the model gives the same boxes on any worker, so the scores do not depend on this.
  const concurrency = Math.max(1, Math.min(clips.length, detectorWorkersFor(settings.loaded)));
  const detector = await createAgentDetector(settings.loaded, options.logger, undefined, { maxWorkers: concurrency });
  const reports: ClipReport[] = new Array(clips.length);
  try {
    // Lockstep frames leave one inference in flight per clip; the scheduler is the one `run` uses.
    const scheduler = new DetectorScheduler({ maxInFlight: 2 });
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < clips.length; i = next++) {
        const clip = clips[i]!;
        options.progress.clipStarted(i, clips.length, clip);
        const report = await runClip(clip, {
          detector,
          scheduler,
          logger: options.logger,
          onProgress: (n, tS) => options.progress.frames(clip, n, tS),
        });
        options.progress.clipDone(clip, report);
        reports[i] = report;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  } finally {
    await detector.close();
  }
  const elapsedS = (performance.now() - startedAt) / 1000;
  const frames = reports.reduce((s, r) => s + r.framesAnalysed, 0);
  const { config } = settings.loaded;
  const { model } = detector;
  return {
    schema: EVAL_REPORT_SCHEMA,
    createdAt: new Date().toISOString(),
    camwatchVersion: agentVersion(),
    settings: {
      config: relative(options.cwd, settings.loaded.path) || settings.loaded.path,
      overrides: settings.overrides.map((o) => o.text),
      model: { name: model.name, layout: model.layout, inputWidth: model.inputWidth, inputHeight: model.inputHeight },
      detection: { ...config.detection },
      tracking: { ...config.tracking },
      snapshots: false,
    },
    clips: reports,
    summary: summariseSplits(reports),
    elapsedS: round3(elapsedS),
    framesAnalysed: frames,
    framesPerSecond: elapsedS > 0 ? round3(frames / elapsedS) : 0,
  };
}
