/**
 * `npm run bench [-- --quick | --smoke] [-- --only a,b]`: the agent's speed and capacity on this machine, as JSON on
 * stdout (a short table and progress on stderr). Ratios are measured within one run: these machines are noisy,
 * so compare `ratio`, not absolute frames per second, across runs.
 *   --quick  a few minutes, same keys;   --smoke  CI's shape check, same keys (never a threshold).
 *   --only   the scenarios to run, by their JSON key (scenarios.ts): `--only workloads,quality`; the others
 *            are null in the JSON (every key stays), and so are the `reached` entries they decide.
 * Scenarios, one per file: workloads.ts (each workload's limit from standalone costs, limit.ts, and its
 * capacity search, capacity.ts; `capacity` is the main-stream workload's), ratio.ts, motion.ts, threads.ts,
 * decode.ts, store-bench.ts, static-objects.ts, privacy.ts, clips.ts, memory.ts (RSS by kind, each memory setting in turn),
 * quality.ts (the eval harness's precision and recall, fast path against full-frame path, quality-score.ts).
 */
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { dataFile, decodeFrames, progress } from './common.js';
import { runClips } from './clips.js';
import { DEPLOYED_DECODE_SKIPPING, runDecode } from './decode.js';
import { runMemory } from './memory.js';
import { runMotion } from './motion.js';
import { runPrivacy } from './privacy.js';
import { runQuality } from './quality.js';
import { runRatio } from './ratio.js';
import { parseOnly, type Scenario } from './scenarios.js';
import { runStaticObjects } from './static-objects.js';
import { runStoreBench, type StoreBenchOptions } from './store-bench.js';
import { runThreads } from './threads.js';
import { runWorkloads } from './workloads.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, smoke: { type: 'boolean', default: false }, only: { type: 'string' } } });
const mode = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full';
let only: Set<Scenario>;
try {
  only = parseOnly(values.only);
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(2);
}
/** Runs a scenario when --only allows it; null (in the JSON too) when not. */
const when = async <T>(scenario: Scenario, run: () => Promise<T>): Promise<T | null> => (only.has(scenario) ? run() : null);
// A capacity step's warm-up is 8 s in quick mode too: at 5 s the 10 s window still held the start (cameras
// connecting, the pool's second worker loading its model after the pool's 3 s settle time). Measured, 11
// sub-stream cameras, two steps each alternating (2026-12-07): p50 168-226 vs 38-39 ms, 29.0-29.5 vs 25.8
// ms of CPU per analysed frame, one step failing at 4.5 fps vs both passing at 5.3-5.4. Up to 32 cameras:
// with inferences at 16-19 ms the mixed workload passed the 16 a quick run stopped at (limit 23.5).
const plan = {
  full: { clipsSeconds: 60, decodeSeconds: undefined as number | undefined, inferenceFramesPerClip: 20, motionSeconds: 30, ratioSeconds: 20, rawFrames: 150, threadsFrames: 100, threadsDecoders: 3, decodeRepeats: 3, store: {} as StoreBenchOptions, capacity: { maxCameras: 64, warmupS: 8, seconds: 20, compiled: true, compareOneWorker: true } },
  quick: { clipsSeconds: 20, decodeSeconds: 10, inferenceFramesPerClip: 8, motionSeconds: 10, ratioSeconds: 10, rawFrames: 80, threadsFrames: 40, threadsDecoders: 3, decodeRepeats: 1, store: { quick: true } as StoreBenchOptions, capacity: { maxCameras: 32, warmupS: 8, seconds: 10, compiled: true, compareOneWorker: true } },
  smoke: { clipsSeconds: 6, decodeSeconds: 3, inferenceFramesPerClip: 2, motionSeconds: 3, ratioSeconds: 3, rawFrames: 16, threadsFrames: 8, threadsDecoders: 1, decodeRepeats: 1, store: { saves: 500, backlog: 500, windows: [16], liveEvents: 5 } as StoreBenchOptions, capacity: { maxCameras: 1, warmupS: 3, seconds: 3, compiled: false } },
}[mode];

const load = () => loadavg().map((l) => Math.round(l * 100) / 100);
const loadAtStart = load();
progress(`mode ${mode} on ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load average ${loadAtStart.join(' ')}; scenarios ${[...only].join(', ')}`);
// Capacity first: the ratio scenario holds decoded frames in memory (the agent host is its own process anyway).
const workloads = await when('workloads', () => runWorkloads({ capacity: plan.capacity, decodeSeconds: plan.decodeSeconds, inferenceFramesPerClip: plan.inferenceFramesPerClip }));
const capacity = workloads?.find((w) => w.name === 'main')!.capacity ?? null;
// Memory: where the agent's RSS goes, under each memory setting in turn (1 and 4 cameras, same run).
const memory = await when('memory', () => runMemory({ cameraCounts: mode === 'smoke' ? [1] : [1, 4], ...(mode === 'smoke' ? { settings: ['deployed'] } : {}), warmupS: plan.capacity.warmupS, seconds: plan.capacity.seconds, compiled: plan.capacity.compiled }));
const ratio = await when('ratio', () => runRatio({ seconds: plan.ratioSeconds, rawFrames: plan.rawFrames }));
const motionGating = await when('motionGating', () => runMotion({ seconds: plan.motionSeconds }));
const threads = await when('threads', async () => runThreads({ frames: await decodeFrames(dataFile('video', 'vn_saigon_intersection.mp4'), 640, plan.threadsFrames), decoders: plan.threadsDecoders }));
const decode = await when('decode', () => runDecode({ repeats: plan.decodeRepeats }));
const store = await when('store', () => runStoreBench({ ...plan.store, progress }));
const staticObjects = await when('staticObjects', () => runStaticObjects({ frames: mode === 'smoke' ? 20 : 200 }));
// Privacy: the still's face / plate detectors and masks, once per picture (never per frame).
const privacy = await when('privacy', () => runPrivacy({ runs: mode === 'smoke' ? 2 : mode === 'quick' ? 5 : 15 }));
const clips = await when('clips', () => runClips({ seconds: plan.clipsSeconds }));
// Quality: the eval harness on the labelled clips, fast path (deployed defaults) against every frame inferred.
const quality = await when('quality', () => runQuality({ mode }));

const top = capacity?.steps.find((s) => s.cameras === capacity.maxCameras);
const result = {
  schema: 'camwatch.bench/1',
  mode,
  /** The scenarios run (--only); the others are null below. */
  scenarios: [...only],
  machine: { cores: availableParallelism(), cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), loadAverageAtStart: loadAtStart, loadAverageAtEnd: load() },
  model: 'yolox_nano_416',
  ratio: ratio?.ratio ?? null,
  raw: ratio,
  capacity,
  // Per workload: limit (cameras the cores carry from the standalone costs), cameras (sustained), limitRatio.
  workloads,
  memory,
  motionGating,
  threads,
  decode,
  store,
  staticObjects,
  privacy,
  clips,
  quality,
  targets: { ratio: 0.9, limitRatio: 0.85, limitGainMixed: 1.5, cameras: 32, p95LatencyMs: 1000, rssMb: '150 + 15 per camera', qualityDeltaPoints: 1 },
  // null: the scenario deciding it was not run (--only).
  reached: {
    ratio: ratio ? ratio.ratio >= 0.9 : null,
    limitRatio: workloads ? workloads.every((w) => w.limitRatio >= 0.85) : null,
    // Cutting work (motion gate, coasting, fastDecode) raised the mixed workload's limit over the full-frame path's.
    limitGainMixed: workloads ? (workloads.find((w) => w.name === 'mixed')?.limitGain ?? 0) >= 1.5 : null,
    quality: quality ? quality.withinOnePoint : null,
    cameras: capacity ? capacity.maxCameras >= 32 : null,
    p95LatencyMs: capacity ? (top ? top.p95LatencyMs < 1000 : false) : null,
    memory: capacity ? (top ? top.agentRssMb <= top.memoryTargetMb : false) : null,
  },
};
// The decode scenario's clip is a 720p 20 fps stream analysed at 5 fps: the agent skips its non-reference frames (skip-nonref.ts).
const ffmpegDefaults = decode?.[0];
const agentOptions = decode?.find((d) => d.variant === DEPLOYED_DECODE_SKIPPING.name);
const pr = (p: { precision: number | null; recall: number | null }) => `P ${p.precision ?? '–'} R ${p.recall ?? '–'}`;
process.stderr.write(
  [
    '',
    ...(ratio ? [`ratio (agent / raw model, 1 camera): ${ratio.ratio}   (${ratio.agentFps} vs ${ratio.rawFps} frames/s, ${ratio.inferenceRatio} counting inferences only, ${ratio.threads} thread(s))`] : []),
    ...(capacity
      ? [
          `capacity (720p 20 fps → 5 fps, ${capacity.source}, ${capacity.agentBuild}): ${capacity.maxCameras} camera(s)${top ? `, p95 ${top.p95LatencyMs} ms, detector ${Math.round(top.detectorBusy * 100)}% busy, CPU ${top.agentCpuPercent}% agent + ${top.decodeCpuPercent}% decode, agent RSS ${top.agentRssMb} MB (target ${top.memoryTargetMb}), total PSS ${top.totalPssMb} MB` : ''}`,
        ]
      : []),
    ...(workloads ?? []).map(
      (w) =>
        `workload ${w.name.padEnd(5)} limit ${w.limit} camera(s) (decode ${w.decodeCorePercentPerCamera} %/camera, ${w.cpuMsPerInference} ms CPU/inference × ${w.inferenceShare} inferred; full-frame path ${w.fullFrameLimit}, gain ${w.limitGain}), ` +
        `sustained ${w.cameras}, ratio ${w.limitRatio} (${w.coresLeft} cores left by others: ratio ${w.limitRatioOnCoresLeft}; limit counts ${w.cpuShareCounted} of the CPU per frame); agent RSS ${w.memory.agentRssBaseMb ?? '?'} MB + ${w.memory.agentRssPerCameraMb ?? '?'} MB/camera`,
    ),
    ...(memory?.steps ?? []).map((m) => `memory ${m.cameras} camera(s), ${m.settings.padEnd(9)}: agent RSS ${m.agentRssMb} MB, PSS ${m.agentPssMb} MB, ${m.agentCpuMsPerFrame} ms CPU/frame`),
    ...(memory
      ? [`memory deployed / arena: RSS ${Object.entries(memory.rssRatio).map(([n, r]) => `${r} at ${n} camera(s)`).join(', ')}; CPU per frame ${Object.entries(memory.cpuRatio).map(([n, r]) => `${r} at ${n}`).join(', ')}`]
      : []),
    ...(motionGating ?? []).map((m) => `motion gating ${m.video.padEnd(42)} ${m.inferencesRun}/${m.framesAnalysed} frames inferred (${Math.round(m.inferenceShare * 100)} %)`),
    ...(threads ?? []).map((t) => `threads ${t.threads}, ${t.decoders} decoder(s) beside: ${t.msPerInference} ms/inference, ${t.cpuMsPerInference} ms CPU`),
    ...(store ? [`store: ${store.saveOneByOnePerS} saves/s one by one, ${store.saveBatchedPerS} grouped; backlog drain ${store.drainPerS_w16} events/s (in-flight window 16)`] : []),
    ...(staticObjects
      ? [`static objects (dumping/object_left from pixels), 640x${staticObjects.height}: ${staticObjects.totalMsPerFrame} ms/frame, of which ${staticObjects.greyMsPerFrame} ms the grey copy shared with the health rules`]
      : []),
    ...(clips
      ? [
          `clips: pre-roll ring ${clips.ringCorePercentPerCamera} % of a core per camera (${clips.source}, ${clips.ringKbps} kbit/s); cutting a ${clips.cutClipSeconds} s clip ${clips.cutWallMs} ms (${clips.cutCpuMs} ms CPU), with masks burned in ${clips.maskedCutWallMs} ms (${clips.maskedCutCpuMs} ms CPU) at ${clips.clipWidth}x${clips.clipHeight}`,
        ]
      : []),
    ...(decode ? [`decode per 720p camera: ${agentOptions?.corePercentPerCamera} % of a core with the agent's options ("${agentOptions?.variant}"), ${ffmpegDefaults?.corePercentPerCamera} % with "${ffmpegDefaults?.variant}"`] : []),
    ...(privacy ?? []).map((p) => `privacy ${p.step.padEnd(24)} on ${p.still}: ${p.cpuMs} ms CPU per still (${p.wallMs} ms wall)`),
    ...(quality
      ? [
          `quality on ${quality.clips.length} labelled clip(s): fast path ${pr(quality.fast.overall)} (${quality.fast.inferencesRun}/${quality.fast.framesAnalysed} frames inferred, ${quality.fast.cpuSeconds.total} s CPU), ` +
            `full-frame ${pr(quality.fullFrame.overall)} (${quality.fullFrame.inferencesRun}/${quality.fullFrame.framesAnalysed}, ${quality.fullFrame.cpuSeconds.total} s CPU)`,
          `quality fast − full: precision ${quality.delta.overall.precisionPoints ?? '–'} points, recall ${quality.delta.overall.recallPoints ?? '–'} points (within one point: ${quality.withinOnePoint}), ` +
            `count |error| motorcycle ${quality.delta.countAbsError.motorcycle >= 0 ? '+' : ''}${quality.delta.countAbsError.motorcycle}, vehicle ${quality.delta.countAbsError.vehicle >= 0 ? '+' : ''}${quality.delta.countAbsError.vehicle}; CPU ratio ${quality.delta.cpuRatio.total}` +
            (quality.delta.clipsChanged.length ? `; changed: ${quality.delta.clipsChanged.join(', ')}` : ''),
        ]
      : []),
    '',
  ].join('\n'),
);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
