import type { DetectorScheduler, Detector } from '../detection/index.js';
import { ReplaySource } from '../frames/index.js';
import type { IncidentRecord } from '../incidents/index.js';
import { startCamera } from '../ops/index.js';
import { VideoClock, type Logger } from '../core/index.js';
import type { LoadedClip } from './clip.js';
import { countingRule } from './clip.js';
import { compareCounts, emptySpanShare, matchIncidents, round3, type CountedLines, type ProducedIncident } from './match.js';
import type { ClipReport } from './report.js';

/**
 * Epoch ms of every clip's first frame (2026-01-01 10:00 in Vietnam, UTC+7, a Thursday): incident times
 * are this plus the video time. Fixed, so scheduled rules and results never depend on when eval runs.
 */
export const EVAL_EPOCH_MS = Date.UTC(2026, 0, 1, 3, 0, 0);

export interface RunClipDeps {
  detector: Detector;
  scheduler: DetectorScheduler;
  logger: Logger;
  /** Frames analysed so far in this clip (called per frame). */
  onProgress?: (framesAnalysed: number, videoS: number) => void;
}

/**
 * Runs one clip through the camera exactly as `camwatch run` builds it (startCamera), with a lossless
 * replay of its video as the source, the video's clock as time, no snapshots, and incidents kept in memory.
 * Frames go one at a time (lockstep): each sees the tracks of the one before, whatever the load.
 */
export async function runClip(clip: LoadedClip, deps: RunClipDeps): Promise<ClipReport> {
  const startedAt = performance.now();
  const clock = new VideoClock(EVAL_EPOCH_MS);
  const frames: Array<{ tS: number; inferenceRun: boolean }> = [];
  const records: IncidentRecord[] = [];
  let source: ReplaySource | undefined;
  const camera = startCamera(clip.camera, {
    loaded: clip.loaded,
    detector: deps.detector,
    scheduler: deps.scheduler,
    logger: deps.logger,
    sinks: { onIncident: (r) => records.push(r), onState: () => undefined },
    clock,
    snapshots: false,
    createSource: (onState, decoded) =>
      (source = new ReplaySource({
        camera: decoded,
        filePath: clip.videoPath,
        startMs: EVAL_EPOCH_MS,
        logger: deps.logger.child({ component: 'frames', camera: clip.camera.id }),
        onState,
        lockstep: true,
        // Timers due by this frame's time run before it is analysed, as the wall-clock timer would have.
        onFrameOut: (frame) => clock.advanceTo(frame.capturedAtMs),
      })),
    onAnalysed: (frame, outcome) => {
      const tS = (frame.capturedAtMs - EVAL_EPOCH_MS) / 1000;
      frames.push({ tS, inferenceRun: outcome.inferenceRun });
      deps.onProgress?.(frames.length, tS);
      source?.frameDone();
    },
  });
  const { error } = await camera.ended;
  const lines = camera.lineCounts();
  await camera.stop();
  if (error !== undefined) throw error;

  const produced = producedIncidents(records, clip.ruleTypes);
  const scored = produced.filter((p) => p.ruleType !== 'line_crossing');
  const matching = matchIncidents(clip.truth.incidents, scored);
  const counted: CountedLines = {};
  for (const line of new Set(clip.truth.counts.map((c) => c.line))) {
    counted[line] = {};
    for (const report of lines.filter((l) => l.lineId === line)) {
      for (const [cls, c] of Object.entries(report.counts)) {
        // A class counted by two rules of one line is taken from the first rule that counts it (clip.ts: countingRule).
        if (countingRule(clip.camera, line, cls) === report.ruleId) counted[line][cls] = { in: c.in, out: c.out };
      }
    }
  }
  const elapsedS = (performance.now() - startedAt) / 1000;
  const pipeline = camera.pipeline.stats;
  return {
    file: clip.file,
    name: clip.name,
    split: clip.split,
    video: clip.videoLabel,
    analysis: { fps: clip.camera.analysis.fps, width: clip.camera.analysis.width },
    durationS: round3(frames.length / clip.camera.analysis.fps),
    framesAnalysed: pipeline.framesAnalysed,
    inferencesRun: pipeline.inferencesRun,
    inferencesSkipped: pipeline.inferencesSkipped,
    inferencesCoasted: pipeline.inferencesCoasted,
    detectorRuns: pipeline.detectorRuns,
    emptySpans: { spans: clip.truth.empty.length, ...emptySpanShare(frames, clip.truth.empty) },
    incidents: {
      expected: clip.truth.incidents.map((e) => ({ ...e, ruleType: clip.ruleTypes[e.rule]! })),
      produced: scored,
      ...matching,
      lineCrossings: produced.length - scored.length,
    },
    counts: compareCounts(clip.truth.counts, counted),
    elapsedS: round3(elapsedS),
    framesPerSecond: elapsedS > 0 ? round3(pipeline.framesAnalysed / elapsedS) : 0,
  };
}

/** One entry per incident id: its `new` record's start, class and track, and its `end` time if it ended. */
export function producedIncidents(records: readonly IncidentRecord[], ruleTypes: Record<string, string>): ProducedIncident[] {
  const byId = new Map<string, ProducedIncident>();
  for (const { incident } of records) {
    if (incident.status === 'new') {
      byId.set(incident.id, {
        id: incident.id,
        rule: incident.ruleId,
        ruleType: ruleTypes[incident.ruleId] ?? incident.type,
        class: incident.className,
        startS: round3((Date.parse(incident.startedAt) - EVAL_EPOCH_MS) / 1000),
        trackId: incident.trackId,
      });
    } else if (incident.status === 'end' && incident.endedAt !== undefined) {
      const p = byId.get(incident.id);
      if (p) p.endS = round3((Date.parse(incident.endedAt) - EVAL_EPOCH_MS) / 1000);
    }
  }
  return [...byId.values()].sort((a, b) => a.startS - b.startS || a.rule.localeCompare(b.rule));
}
