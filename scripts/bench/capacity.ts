/**
 * Capacity: how many 720p 20 fps cameras (the Saigon clip, 1018x720 ~20 fps, played in real time) the box
 * analyses at 5 fps each with YOLOX-nano without falling behind. A step passes when every camera keeps
 * ≥ 90 % of its analysis fps and p95 frame-to-decision latency stays under 1 s. The newest-frame-wins slot
 * means an overloaded agent never builds a queue: it drops frames, so "falling behind" shows as lost fps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Agent } from '../../agent/ops/agent.js';
import { quantile } from '../../agent/ops/camera-pipeline.js';
import { benchConfig, cpuPercent, dataFile, MB, progress, sampleProcesses, sleep } from './common.js';

export const TARGET_FPS = 5;
const PASS_FPS_SHARE = 0.9;
const PASS_P95_MS = 1_000;

export interface CapacityStep {
  cameras: number;
  pass: boolean;
  minFps: number;
  meanFps: number;
  p50LatencyMs: number;
  p95LatencyMs: number;
  /** % of one core: agent process (detection, tracking, rules, store, uplink). */
  agentCpuPercent: number;
  /** % of one core: all ffmpeg decoders together. */
  decodeCpuPercent: number;
  agentRssMb: number;
  /** Sum of the decoders' PSS: their shared libraries counted once, not once per camera. */
  decodersPssMb: number;
  /** Agent + decoders (PSS), per camera: compare with the 150 MB + 15 MB per camera target. */
  totalPssMb: number;
}

export interface CapacityResult {
  maxCameras: number;
  steps: CapacityStep[];
}

async function measure(cameras: number, warmupS: number, seconds: number): Promise<CapacityStep> {
  const video = dataFile('video', 'vn_saigon_intersection.mp4');
  const yaml = Array.from(
    { length: cameras },
    (_, i) => `  - id: cam${i}
    source: { file: ${video} }
    analysis: { fps: ${TARGET_FPS}, width: 640 }
    zones: [{ id: z, points: [[0.30, 0.40], [0.98, 0.40], [0.98, 0.58], [0.30, 0.58]] }]
    lines: [{ id: l, from: [0.55, 0.72], to: [1.0, 0.72] }]
    rules:
      - { id: zi, type: zone_intrusion, zone: z, classes: [person, motorcycle] }
      - { id: lc, type: line_crossing, line: l }
`,
  ).join('');
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-bench-'));
  const agent = new Agent({ loaded: benchConfig(yaml, dir), logger: pino({ level: 'warn' }, pino.destination(2)) });
  try {
    await agent.start();
    await sleep(warmupS * 1000);
    const before = agent.status().cameras;
    const p0 = sampleProcesses();
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const dt = (performance.now() - t0) / 1000;
    const p1 = sampleProcesses();
    const after = agent.status().cameras;
    const fps = after.map((c) => (c.framesAnalysed - (before.find((b) => b.id === c.id)?.framesAnalysed ?? 0)) / dt);
    // Latencies of frames analysed inside the window (the ring holds the most recent ones).
    const latencies = after.flatMap((c) => {
      const n = c.framesAnalysed - (before.find((b) => b.id === c.id)?.framesAnalysed ?? 0);
      return agentLatencies(agent, c.id).slice(-Math.max(1, n));
    });
    const minFps = Math.min(...fps);
    const p95 = quantile(latencies, 0.95) ?? Number.POSITIVE_INFINITY;
    return {
      cameras,
      pass: minFps >= TARGET_FPS * PASS_FPS_SHARE && p95 < PASS_P95_MS,
      minFps: round(minFps),
      meanFps: round(fps.reduce((a, b) => a + b, 0) / fps.length),
      p50LatencyMs: Math.round(quantile(latencies, 0.5) ?? 0),
      p95LatencyMs: Math.round(p95),
      agentCpuPercent: cpuPercent(p0.self.cpuTicks, p1.self.cpuTicks, dt),
      decodeCpuPercent: cpuPercent(p0.children.cpuTicks, p1.children.cpuTicks, dt),
      agentRssMb: Math.round(p1.self.rssBytes / MB),
      decodersPssMb: Math.round(p1.children.pssBytes / MB),
      totalPssMb: Math.round((p1.self.pssBytes + p1.children.pssBytes) / MB),
    };
  } finally {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function agentLatencies(agent: Agent, cameraId: string): number[] {
  return agent.pipelineLatencies(cameraId);
}

/** Doubles the camera count until a step fails, then (unless quick) bisects between the last pass and the fail. */
export async function runCapacity(options: { quick: boolean; maxCameras: number; warmupS: number; seconds: number }): Promise<CapacityResult> {
  const steps: CapacityStep[] = [];
  const step = async (n: number) => {
    progress(`capacity: ${n} camera(s), ${options.warmupS + options.seconds} s…`);
    const s = await measure(n, options.warmupS, options.seconds);
    progress(`  ${n} cameras: ${s.pass ? 'PASS' : 'fail'} min ${s.minFps} fps, p95 ${s.p95LatencyMs} ms, agent ${s.agentCpuPercent}% + decode ${s.decodeCpuPercent}% CPU, agent RSS ${s.agentRssMb} MB, decoders PSS ${s.decodersPssMb} MB, total PSS ${s.totalPssMb} MB`);
    steps.push(s);
    return s.pass;
  };
  let pass = 0;
  let fail = 0;
  for (let n = 1; n <= options.maxCameras; n *= 2) {
    if (await step(n)) pass = n;
    else {
      fail = n;
      break;
    }
  }
  if (!options.quick && fail > pass + 1) {
    let lo = pass;
    let hi = fail;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await step(mid)) lo = mid;
      else hi = mid;
    }
    pass = lo;
  }
  return { maxCameras: pass, steps };
}

const round = (x: number) => Math.round(x * 100) / 100;
