/**
 * Raw model rate vs the agent's sustained analysis rate for one camera, measured in ONE run on the same
 * machine with the same ONNX threads, so machine noise cancels in the ratio.
 *  - raw: detector.detect() back to back on frames already decoded in memory (pre- and post-processing
 *    included: the model alone cannot run without them), half before the agent runs and half after;
 *  - agent: the real Agent with one camera whose file source always offers a fresh frame (played faster
 *    than the model can analyse), through decode → detect → track → rules → incidents → store → uplink.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { pino } from 'pino';
import { defaultIntraOpThreads } from '../../agent/detection/session.js';
import { createDetector, type OnnxDetector, type RgbImage } from '../../agent/detection/index.js';
import { Agent } from '../../agent/ops/agent.js';
import { benchConfig, dataFile, decodeFrames, progress, ROOT, sleep, DATA_DIR } from './common.js';

export interface RatioResult {
  rawFps: number;
  /** Frames through the whole pipeline per second (motion-gated frames included). */
  agentFps: number;
  ratio: number;
  /** Of those, frames the detector ran on per second, and that over rawFps: the ratio without the gate's help. */
  agentInferenceFps: number;
  inferenceRatio: number;
  threads: number;
  /** Frames per second the source offered the agent (faster than it can analyse, by design). */
  offeredFps: number;
  framesDropped: number;
  seconds: number;
}

const VIDEO = 'vn_saigon_intersection.mp4';
const NATIVE_FPS = 20;

export async function runRatio(options: { seconds: number; rawFrames: number }): Promise<RatioResult> {
  const frames = await decodeFrames(dataFile('video', VIDEO), 640, options.rawFrames);
  const detector = await createDetector({
    manifestPath: join(ROOT, 'models', 'manifest.json'),
    modelsDir: join(DATA_DIR, 'models'),
    modelName: 'yolox_nano_416',
  });
  for (const f of frames.slice(0, 5)) await detector.detect(f); // warm-up: first runs allocate
  // Half the raw frames before the agent runs and half after: a neighbour's load that comes or goes
  // during the run then weighs on both sides of the ratio.
  const half = Math.ceil(frames.length / 2);
  const before = await rawRun(detector, frames.slice(0, half));
  progress(`raw model: ${(before.frames / before.seconds).toFixed(1)} frames/s over ${before.frames} frames (first half)`);
  const rawFps = before.frames / before.seconds;

  // Every frame of the clip (20 fps) analysed, replayed fast enough to offer 1.25x what the model takes:
  // the agent never waits for a frame, and the decoder does not burn CPU on frames nobody can use.
  const speed = Math.max(1, Math.round(((rawFps * 1.25) / NATIVE_FPS) * 100) / 100);
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-bench-'));
  const loaded = benchConfig(
    `  - id: cam
    source: { file: ${dataFile('video', VIDEO)}, speed: ${speed} }
    analysis: { fps: ${NATIVE_FPS}, width: 640 }
    zones: [{ id: z, points: [[0.30, 0.40], [0.98, 0.40], [0.98, 0.58], [0.30, 0.58]] }]
    lines: [{ id: l, from: [0.55, 0.72], to: [1.0, 0.72] }]
    rules:
      - { id: zi, type: zone_intrusion, zone: z, classes: [person, motorcycle] }
      - { id: lc, type: line_crossing, line: l }
`,
    dir,
  );
  const agent = new Agent({ loaded, logger: pino({ level: 'warn' }, pino.destination(2)) });
  let measured: RatioResult;
  try {
    await agent.start();
    await sleep(3_000);
    const a = agent.status().cameras[0]!;
    const t1 = performance.now();
    await sleep(options.seconds * 1000);
    const b = agent.status().cameras[0]!;
    const seconds = (performance.now() - t1) / 1000;
    const agentFps = (b.framesAnalysed - a.framesAnalysed) / seconds;
    const agentInferenceFps = (b.inferencesRun - a.inferencesRun) / seconds;
    progress(`agent: ${agentFps.toFixed(1)} frames/s analysed (${agentInferenceFps.toFixed(1)} inferred) over ${seconds.toFixed(1)} s (source offered ~${(NATIVE_FPS * speed).toFixed(1)} fps)`);
    measured = {
      rawFps: round(rawFps),
      agentFps: round(agentFps),
      ratio: round(agentFps / rawFps, 3),
      agentInferenceFps: round(agentInferenceFps),
      inferenceRatio: round(agentInferenceFps / rawFps, 3),
      threads: defaultIntraOpThreads(availableParallelism()),
      offeredFps: round(NATIVE_FPS * speed),
      framesDropped: b.framesDropped - a.framesDropped,
      seconds: round(seconds),
    };
  } finally {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const after = await rawRun(detector, frames.slice(half));
  await detector.close();
  const raw = (before.frames + after.frames) / (before.seconds + after.seconds);
  progress(`raw model: ${(after.frames / after.seconds).toFixed(1)} frames/s over ${after.frames} frames (second half); ${raw.toFixed(1)} overall`);
  return { ...measured, rawFps: round(raw), ratio: round(measured.agentFps / raw, 3), inferenceRatio: round(measured.agentInferenceFps / raw, 3) };
}

async function rawRun(detector: OnnxDetector, frames: readonly RgbImage[]): Promise<{ frames: number; seconds: number }> {
  const t0 = performance.now();
  for (const f of frames) await detector.detect(f);
  return { frames: frames.length, seconds: (performance.now() - t0) / 1000 };
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
