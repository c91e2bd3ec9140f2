/**
 * Memory: the agent's RSS and PSS at 1 and 4 cameras under the memory settings in turn, each step in a
 * fresh agent host (compiled, as deployed), so every cut is read as a ratio within one run:
 *   arena     MALLOC_ARENA_MAX=2 only (the systemd unit before the cuts below)
 *   deployed  the unit's environment: + MALLOC_MMAP_THRESHOLD_=65536 (pipe reads, frames and tensors mmap'd,
 *             returned when freed) and NODE_OPTIONS=--max-semi-space-size=4 (a V8 nursery of 8 MB, not 32)
 *   nursery16 deployed without NODE_OPTIONS: V8's own young generation (16 MiB semi-spaces, 32 MB of nursery),
 *             what the unit ran until session 11; kept to go on measuring the smaller nursery's saving and cost
 * Each step carries the breakdown (capacity.ts AgentMemory) and the agent's CPU per frame, so a cut that
 * costs CPU shows beside the memory it saves.
 */
import { compiledAgent, deployedEnvironment, SOURCES } from './build.js';
import { measure, startStreams, type CapacityStep } from './capacity.js';
import { dataFile, progress } from './common.js';

/** One camera count under one setting. */
export interface MemoryStep {
  settings: string;
  env: Record<string, string>;
  cameras: number;
  agentRssMb: number;
  agentPssMb: number;
  agentCpuMsPerFrame: number;
  minFps: number;
  agentMemory: CapacityStep['agentMemory'];
}

export interface MemoryResult {
  steps: MemoryStep[];
  /** deployed / arena RSS at each camera count (below 1: the cuts save memory). */
  rssRatio: Record<string, number>;
  /** deployed / arena agent CPU per frame (above 1: the cuts cost CPU). */
  cpuRatio: Record<string, number>;
}

export interface MemoryOptions {
  cameraCounts: readonly number[];
  /** Names from memorySettings() to run (default all; the smoke run takes only `deployed`). */
  settings?: readonly string[];
  warmupS: number;
  seconds: number;
  compiled: boolean;
}

/** The settings: the old unit, the deployed one (the unit's full environment), and the deployed one with V8's own nursery. */
export function memorySettings(deployed = deployedEnvironment()): { name: string; env: Record<string, string> }[] {
  const { NODE_OPTIONS: _nodeOptions, ...withoutNodeOptions } = deployed;
  const { MALLOC_MMAP_THRESHOLD_: _mmap, ...arena } = withoutNodeOptions;
  return [
    { name: 'arena', env: arena },
    { name: 'deployed', env: deployed },
    { name: 'nursery16', env: withoutNodeOptions },
  ];
}

export async function runMemory(options: MemoryOptions): Promise<MemoryResult> {
  const build = options.compiled ? await compiledAgent() : SOURCES;
  const clip = dataFile('video', 'vn_saigon_intersection.mp4');
  const server = await startStreams([clip]);
  const sources = Array.from({ length: Math.max(...options.cameraCounts) }, () => (server ? `{ url: ${server.url('/clip0')} }` : `{ file: ${clip} }`));
  const streams = { sources, ...(server ? { pid: server.pid } : {}) };
  const steps: MemoryStep[] = [];
  try {
    for (const cameras of options.cameraCounts) {
      for (const s of memorySettings().filter((x) => options.settings?.includes(x.name) ?? true)) {
        const m = await measure(build, cameras, streams, options.warmupS, options.seconds, s.env);
        const step: MemoryStep = { settings: s.name, env: s.env, cameras, agentRssMb: m.agentRssMb, agentPssMb: m.agentPssMb, agentCpuMsPerFrame: m.agentCpuMsPerFrame, minFps: m.minFps, agentMemory: m.agentMemory };
        const a = m.agentMemory;
        progress(
          `memory: ${cameras} camera(s), ${s.name.padEnd(9)} RSS ${m.agentRssMb} MB, PSS ${m.agentPssMb} MB, ${m.agentCpuMsPerFrame} ms CPU/frame` +
            (a ? ` (V8 ${a.v8HeapMb} of which new ${a.v8NewSpaceMb}, malloc heap ${a.mallocHeapMb}, anonymous ${a.anonymousMb}, code node ${a.nodeCodeMb} + ort ${a.onnxruntimeCodeMb} + vips ${a.vipsCodeMb}, buffers ${a.arrayBuffersMb}, GC ${a.gcPerS}/s of which major ${a.majorGcPerS}/s)` : ''),
        );
        steps.push(step);
      }
    }
  } finally {
    await server?.stop();
  }
  const ratio = (key: 'agentRssMb' | 'agentCpuMsPerFrame') =>
    Object.fromEntries(
      options.cameraCounts.map((n) => {
        const a = steps.find((s) => s.cameras === n && s.settings === 'arena')?.[key];
        const d = steps.find((s) => s.cameras === n && s.settings === 'deployed')?.[key];
        return [String(n), a && d !== undefined ? Math.round((d / a) * 100) / 100 : 0];
      }),
    );
  return { steps, rssRatio: ratio('agentRssMb'), cpuRatio: ratio('agentCpuMsPerFrame') };
}
