/**
 * Workloads with the box's own limit: for each, the standalone decode cost per camera and inference cost per
 * analysed frame (limit.ts), the capacity search (capacity.ts) on the same clips, and the ratio of the cameras
 * sustained to the limit computed from those costs, all in one run.
 *   main   720p 20 fps main streams (the Saigon intersection, busy: every frame moves);
 *   sub    640x360 10 fps sub-streams (what onboarding picks): the Saigon clip re-encoded so;
 *   mixed  a busy, a quiet and a mostly empty scene in turn (eval/clips: the gate skips 0 %, ~26 % and ~56 %).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCapacity, TARGET_FPS, type CapacityOptions, type CapacityResult } from './capacity.js';
import { dataFile, progress } from './common.js';
import { PLAIN_DECODE } from './decode.js';
import { cameraLimit, contentionView, decodeCorePercentPerCamera, inferenceCost, limitCpuMsPerAnalysedFrame, memoryFit, sceneInferenceShare, type MemoryFit } from './limit.js';

export interface WorkloadResult {
  name: 'main' | 'sub' | 'mixed';
  description: string;
  clips: string[];
  analysisFps: number;
  /** Cameras the cores carry from the standalone costs (limit.ts, cameraLimit). */
  limit: number;
  /** Cameras sustained by the capacity search. */
  cameras: number;
  /** cameras / limit. */
  limitRatio: number;
  /**
   * The limit of the full-frame path from the same run's costs: every analysed frame inferred (no motion
   * gate, no coasting) and the decoder without the cheap options (PLAIN_DECODE). limitGain = limit / that:
   * how far cutting work raised the limit (issue #15 asks ≥ 1.5 on the mixed workload).
   */
  fullFrameLimit: number;
  limitGain: number;
  plainDecodeCorePercentPerCamera: number;
  /** Cores the RTSP server and other tenants left to the agent, the limit on them, cameras / that (limit.ts, contentionView). */
  coresLeft: number | null;
  limitOnCoresLeft: number | null;
  limitRatioOnCoresLeft: number | null;
  /** What the limit assumes an analysed frame costs (CPU ms), and that / the agent's measured cost (limit.ts). */
  limitCpuMsPerAnalysedFrame: number;
  cpuShareCounted: number | null;
  /** Standalone costs, measured in this run. */
  decodeCorePercentPerCamera: number;
  cpuMsPerInference: number;
  /** CPU ms per inference of each pass over the frames; cpuMsPerInference is their median (limit.ts, inferenceCost). */
  inferencePassesCpuMs: number[];
  msPerInference: number;
  /** The motion gate's inferences / frames analysed on these scenes, each clip weighing the same (limit.ts, sceneInferenceShare). */
  inferenceShare: number;
  cores: number;
  memory: MemoryFit;
  capacity: CapacityResult;
}

/** The Saigon clip as a camera's sub-stream: 640x360, 10 fps, H.264 with a 2 s GOP. */
function subStream(dir: string): Promise<string> {
  const out = join(dir, 'saigon-640x360-10fps.mp4');
  const args = ['-v', 'error', '-i', dataFile('video', 'vn_saigon_intersection.mp4'), '-an', '-vf', 'fps=10,scale=640:360,setsar=1', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '20', '-pix_fmt', 'yuv420p', '-y', out];
  return new Promise((resolve, reject) => {
    const ff = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    ff.stderr.on('data', (b: Buffer) => (err += b.toString()));
    ff.on('error', reject);
    ff.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`ffmpeg could not make the sub-stream clip (exit ${code}): ${err.slice(-300)}`))));
  });
}

export interface WorkloadOptions {
  capacity: Omit<CapacityOptions, 'clips'>;
  /** Seconds of each clip the decode cost is measured on (undefined: the whole clip). */
  decodeSeconds?: number;
  /** Frames per clip (one per second of video) the inference cost is measured on. */
  inferenceFramesPerClip: number;
  /** Only these workloads (all by default). */
  only?: ReadonlyArray<WorkloadResult['name']>;
}

export async function runWorkloads(options: WorkloadOptions): Promise<WorkloadResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-workloads-'));
  try {
    const saigon = dataFile('video', 'vn_saigon_intersection.mp4');
    const all: Array<{ name: WorkloadResult['name']; description: string; clips: () => Promise<string[]> }> = [
      { name: 'main', description: '720p 20 fps main streams (Saigon intersection)', clips: async () => [saigon] },
      { name: 'sub', description: '640x360 10 fps sub-streams (Saigon intersection re-encoded)', clips: async () => [await subStream(dir)] },
      {
        name: 'mixed',
        description: 'busy, quiet and mostly empty scenes in turn (Saigon intersection, lobby, car-park lane)',
        clips: async () => [saigon, dataFile('video', 'lobby_abandoned_bag.mp4'), dataFile('video', 'intel_car_lane_topdown.mp4')],
      },
    ];
    const out: WorkloadResult[] = [];
    for (const w of all.filter((x) => !options.only || options.only.includes(x.name))) {
      const clips = await w.clips();
      const cores = availableParallelism();
      const decode = await decodeCorePercentPerCamera(clips, TARGET_FPS, options.decodeSeconds);
      const plainDecode = await decodeCorePercentPerCamera(clips, TARGET_FPS, options.decodeSeconds, PLAIN_DECODE);
      const inference = await inferenceCost(clips, options.inferenceFramesPerClip);
      progress(`workload ${w.name}: alone, decoding costs ${decode} % of a core per camera (${plainDecode} % without fastDecode), an inference ${inference.cpuMsPerInference} ms CPU (${inference.msPerInference} ms wall; median of passes at ${inference.passesCpuMs.join(', ')} ms CPU)`);
      const capacity = await runCapacity({ ...options.capacity, clips });
      const inferenceShare = sceneInferenceShare(capacity.steps, clips.length) ?? 1;
      const costs = { decodeCorePercentPerCamera: decode, analysisFps: TARGET_FPS, inferenceShare, cpuMsPerInference: inference.cpuMsPerInference };
      const limit = cameraLimit({ cores, ...costs });
      const fullFrameLimit = cameraLimit({ cores, ...costs, decodeCorePercentPerCamera: plainDecode, inferenceShare: 1 });
      const perFrameMs = limitCpuMsPerAnalysedFrame(costs);
      const shared = contentionView(capacity.steps, { cores, limit, limitCpuMsPerAnalysedFrame: perFrameMs });
      const r: WorkloadResult = {
        name: w.name,
        description: w.description,
        clips: clips.map((c) => c.split('/').pop()!),
        analysisFps: TARGET_FPS,
        limit,
        cameras: capacity.maxCameras,
        limitRatio: limit > 0 ? Math.round((capacity.maxCameras / limit) * 100) / 100 : 0,
        fullFrameLimit,
        limitGain: fullFrameLimit > 0 ? Math.round((limit / fullFrameLimit) * 100) / 100 : 0,
        plainDecodeCorePercentPerCamera: plainDecode,
        coresLeft: shared?.coresLeft ?? null,
        limitOnCoresLeft: shared?.limitOnCoresLeft ?? null,
        limitRatioOnCoresLeft: shared && shared.limitOnCoresLeft > 0 ? Math.round((capacity.maxCameras / shared.limitOnCoresLeft) * 100) / 100 : null,
        limitCpuMsPerAnalysedFrame: perFrameMs,
        cpuShareCounted: shared?.cpuShareCounted ?? null,
        decodeCorePercentPerCamera: decode,
        cpuMsPerInference: inference.cpuMsPerInference,
        inferencePassesCpuMs: inference.passesCpuMs,
        msPerInference: inference.msPerInference,
        inferenceShare,
        cores,
        memory: memoryFit(capacity.steps),
        capacity,
      };
      progress(
        `workload ${w.name}: limit ${r.limit} cameras (inference share ${inferenceShare}; full-frame path ${fullFrameLimit}, gain ${r.limitGain}), sustained ${r.cameras}, ratio ${r.limitRatio}; ` +
          `${r.coresLeft} of ${cores} cores left by the RTSP server and other tenants (limit on them ${r.limitOnCoresLeft}, ratio ${r.limitRatioOnCoresLeft}); ` +
          `the limit counts ${r.cpuShareCounted} of the agent's CPU per analysed frame (${perFrameMs} ms assumed)` +
          (capacity.oneWorker ? `; ${capacity.maxCameras} cameras with one detector worker: ${capacity.oneWorker.pass ? 'pass' : 'fail'} (min ${capacity.oneWorker.minFps} fps, p95 ${capacity.oneWorker.p95LatencyMs} ms)` : ''),
      );
      out.push(r);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
