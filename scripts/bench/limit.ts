/**
 * The box's own limit for a workload, from costs measured alone in the same run: one ffmpeg decoding a camera
 * (CPU share of a core, as decode.ts measures it) and one detector inference on the workload's frames (CPU per
 * inference, as ratio.ts's raw model rate but counted in CPU). Decisions (the limit, the memory fit) are pure.
 */
import { join } from 'node:path';
import { createDetector, type RgbImage } from '../../agent/detection/index.js';
import type { CapacityStep } from './capacity.js';
import { DATA_DIR, decodeFrames, ROOT, videoDurationSeconds } from './common.js';
import { fileFps, skipsNonReferenceFrames } from '../../agent/frames/index.js';
import { DEPLOYED_DECODE, DEPLOYED_DECODE_SKIPPING, decodeCpu, type Variant } from './decode.js';

/**
 * The decoder options the agent runs on `clip` by default: fastDecode, plus skip_frame noref when the clip's
 * rate is at least 3x the analysis fps (`skipNonReferenceFrames: auto`, decided by the agent's own rule).
 */
export async function deployedDecodeFor(clip: string, analysisFps: number): Promise<Variant> {
  return skipsNonReferenceFrames('auto', await fileFps('ffmpeg', clip), analysisFps) ? DEPLOYED_DECODE_SKIPPING : DEPLOYED_DECODE;
}

/**
 * Mean % of one core one real-time camera's ffmpeg costs, over the clips (each clip one camera in turn), with
 * the decoder options as the agent runs them by default on that clip (or `variant`'s).
 */
export async function decodeCorePercentPerCamera(clips: readonly string[], fps: number, seconds?: number, variant?: Variant): Promise<number> {
  let sum = 0;
  for (const clip of clips) {
    const { cpuS } = await decodeCpu(variant ?? (await deployedDecodeFor(clip, fps)), clip, fps, seconds);
    const whole = await videoDurationSeconds(clip);
    sum += (cpuS / (seconds === undefined ? whole : Math.min(whole, seconds))) * 100;
  }
  return round(sum / clips.length);
}

/** Passes over the frames for the inference cost; the median pass is kept. */
const INFERENCE_PASSES = 3;

/**
 * The detector alone, back to back on `framesPerClip` frames of each clip (640 px, one per second of video):
 * the median of INFERENCE_PASSES passes by CPU per inference. One pass is at the mercy of the box: run
 * right after the test suite (load average 1.8), one measured 33.8 ms of CPU at 24.8 ms of wall time per
 * inference where the next two workloads of the same run measured 19.9 and 19.8 (at 1 thread, CPU ≈ wall).
 */
export async function inferenceCost(clips: readonly string[], framesPerClip: number): Promise<{ cpuMsPerInference: number; msPerInference: number; frames: number; passesCpuMs: number[] }> {
  const frames: RgbImage[] = [];
  for (const clip of clips) frames.push(...(await decodeFrames(clip, 640, framesPerClip, 1)));
  const detector = await createDetector({ manifestPath: join(ROOT, 'models', 'manifest.json'), modelsDir: join(DATA_DIR, 'models'), modelName: 'yolox_nano_416' });
  try {
    for (const f of frames.slice(0, 3)) await detector.detect(f); // first runs allocate
    const passes: Array<{ cpuMs: number; wallMs: number }> = [];
    for (let p = 0; p < INFERENCE_PASSES; p++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (const f of frames) await detector.detect(f);
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      passes.push({ cpuMs: (cpu.user + cpu.system) / 1000 / frames.length, wallMs: wallMs / frames.length });
    }
    const median = [...passes].sort((a, b) => a.cpuMs - b.cpuMs)[Math.floor(passes.length / 2)]!;
    return { cpuMsPerInference: round(median.cpuMs), msPerInference: round(median.wallMs), frames: frames.length, passesCpuMs: passes.map((x) => round(x.cpuMs)) };
  } finally {
    await detector.close();
  }
}

/**
 * Cameras the box's cores carry at the analysis rate, from the standalone costs:
 *
 *   coresPerCamera = decodeCorePercentPerCamera / 100 + analysisFps × inferenceShare × cpuMsPerInference / 1000
 *   limit          = cores / coresPerCamera
 *
 * inferenceShare is the motion gate's inferences / frames analysed on the workload's scenes, measured by the
 * capacity search with each clip weighing the same (sceneInferenceShare): 1 on a busy street, far less on an
 * empty one. The agent's own work besides the model (motion, tracking, rules, store, uplink) is not in it:
 * that overhead, and the detector's idle gaps, are what limitRatio < 1 shows.
 */
export function cameraLimit(c: { cores: number; decodeCorePercentPerCamera: number; analysisFps: number; inferenceShare: number; cpuMsPerInference: number }): number {
  const coresPerCamera = c.decodeCorePercentPerCamera / 100 + (c.analysisFps * c.inferenceShare * c.cpuMsPerInference) / 1000;
  return coresPerCamera > 0 ? round(c.cores / coresPerCamera) : 0;
}

/**
 * What the limit assumes one analysed frame costs in CPU ms: the decoder's share of a core spread over the
 * analysis rate's frames, plus an inference on the share of frames the gate sends to the detector.
 */
export function limitCpuMsPerAnalysedFrame(c: { decodeCorePercentPerCamera: number; analysisFps: number; inferenceShare: number; cpuMsPerInference: number }): number {
  return round((c.decodeCorePercentPerCamera / 100) * (1000 / c.analysisFps) + c.inferenceShare * c.cpuMsPerInference);
}

/**
 * Reading a capacity search on a box that is not the agent's alone. The limit divides every core among the
 * cameras, but the benchmark's own RTSP server and any other tenant of a shared machine (other jobs, other
 * helpers' tests) take some: the cameras sustained can then only reach limit × coresLeft / cores however
 * cheap the agent is. From the steps (mean over them; each measured its window's machine busy time):
 *   coresLeft          cores − (RTSP server + others) / 100
 *   limitOnCoresLeft   the limit on those cores (cameraLimit's cost per camera)
 *   cpuShareCounted    limitCpuMsPerAnalysedFrame / the agent's measured CPU ms (process + decoders) per
 *                      analysed frame, at the largest passing step (else the smallest step): how much of
 *                      the agent's real CPU the limit counts (1: no overhead beside decode and inference).
 *                      Contention does not cancel out of it either: shed frames are decoded all the same.
 * Undefined without steps.
 */
export function contentionView(
  steps: readonly CapacityStep[],
  c: { cores: number; limit: number; limitCpuMsPerAnalysedFrame: number },
): { coresLeft: number; limitOnCoresLeft: number; cpuShareCounted: number } | undefined {
  if (steps.length === 0) return undefined;
  const taken = steps.reduce((a, s) => a + (s.cameraSideCpuPercent + s.otherCpuPercent) / 100, 0) / steps.length;
  const coresLeft = Math.max(0, c.cores - taken);
  const passed = steps.filter((s) => s.pass).sort((a, b) => b.cameras - a.cameras)[0] ?? [...steps].sort((a, b) => a.cameras - b.cameras)[0]!;
  return {
    coresLeft: round(coresLeft),
    limitOnCoresLeft: c.cores > 0 ? round((c.limit * coresLeft) / c.cores) : 0,
    cpuShareCounted: passed.cpuMsPerAnalysedFrame > 0 ? round(c.limitCpuMsPerAnalysedFrame / passed.cpuMsPerAnalysedFrame) : 0,
  };
}

/**
 * The motion gate's inference share on a workload's scenes, each clip weighing the same (as in the decode cost):
 * read from the passing step with most cameras, or when that step does not play every clip, from the smallest
 * step that does (else the largest step). Per clip: the mean over the cameras playing it (camera i plays clip
 * i mod clipCount). Undefined without steps.
 */
export function sceneInferenceShare(steps: readonly CapacityStep[], clipCount: number): number | undefined {
  const passed = steps.filter((s) => s.pass).sort((a, b) => b.cameras - a.cameras)[0];
  const covering = [...steps].filter((s) => s.cameras >= clipCount).sort((a, b) => a.cameras - b.cameras)[0];
  const largest = [...steps].sort((a, b) => b.cameras - a.cameras)[0];
  const step = passed && passed.cameras >= clipCount ? passed : (covering ?? largest);
  if (!step || step.inferenceSharePerCamera.length === 0) return undefined;
  const perClip = new Map<number, number[]>();
  step.inferenceSharePerCamera.forEach((share, i) => perClip.set(i % clipCount, [...(perClip.get(i % clipCount) ?? []), share]));
  const means = [...perClip.values()].map((v) => v.reduce((a, b) => a + b, 0) / v.length);
  return round(means.reduce((a, b) => a + b, 0) / means.length);
}

/** Memory as base + per camera (MB): a least-squares line through the steps; per camera null with one step. */
export interface MemoryFit {
  agentRssBaseMb: number | null;
  agentRssPerCameraMb: number | null;
  agentPssBaseMb: number | null;
  agentPssPerCameraMb: number | null;
  /** The decoders' PSS per camera (their base is zero: no camera, no ffmpeg). */
  decodersPssPerCameraMb: number | null;
}

export function memoryFit(steps: readonly CapacityStep[]): MemoryFit {
  const line = (y: (s: CapacityStep) => number) => fit(steps.map((s) => [s.cameras, y(s)] as const));
  const rss = line((s) => s.agentRssMb);
  const pss = line((s) => s.agentPssMb);
  const dec = line((s) => s.decodersPssMb);
  return { agentRssBaseMb: rss.base, agentRssPerCameraMb: rss.slope, agentPssBaseMb: pss.base, agentPssPerCameraMb: pss.slope, decodersPssPerCameraMb: dec.slope };
}

function fit(points: ReadonlyArray<readonly [number, number]>): { base: number | null; slope: number | null } {
  const xs = new Set(points.map(([x]) => x));
  if (xs.size < 2) return { base: null, slope: null };
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const slope = sxy / sxx;
  return { base: round(my - slope * mx), slope: round(slope) };
}

const round = (x: number) => Math.round(x * 100) / 100;
