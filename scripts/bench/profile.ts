/**
 * `tsx scripts/bench/profile.ts [--cameras 6] [--warmup 8] [--seconds 20] [--clip path] [--build dist] [--cpu-prof]
 * [--node-arg=--flag]... [--env NAME=value]...`:
 * where one agent's CPU goes at a fixed load, per analysed frame. Same agent host and camera config as the
 * capacity scenario (capacity.ts), the compiled agent from `--build` (default dist/, `npm run build`), cameras
 * served by scripts/rtsp-server.py. Over the window it reads per-thread CPU from /proc/<pid>/task/<tid>/stat
 * (main thread = pid; the detector worker and onnxruntime's threads apart), the ffmpeg children's CPU, and the
 * frames analysed and inferred, and prints CPU ms per analysed frame for each. With --cpu-prof the host runs
 * under `node --cpu-prof`; the main thread's self time over the window (warm-up cut off) is ranked by function.
 * Diagnostic, not part of `npm run bench`: the box is shared, compare runs made back to back.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { startRtspServer } from '../../test/helpers/rtsp-server.js';
import type { AgentStatus } from '../../agent/ops/agent.js';
import { agentHostEnvironment, deployedEnvironment } from './build.js';
import { camerasYaml } from './capacity.js';
import { benchConfigText, dataFile, MB, ROOT, sampleProcesses, sleep } from './common.js';

const { values } = parseArgs({
  options: {
    cameras: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '20' },
    clip: { type: 'string' },
    build: { type: 'string', default: join(ROOT, 'dist') },
    'cpu-prof': { type: 'boolean', default: false },
    top: { type: 'string', default: '30' },
    'node-arg': { type: 'string', multiple: true, default: [] },
    env: { type: 'string', multiple: true, default: [] },
  },
});
const envOverrides = Object.fromEntries(
  values.env.map((kv) => {
    const eq = kv.indexOf('=');
    if (eq < 1) throw new Error(`--env ${kv}: expected NAME=value`);
    return [kv.slice(0, eq), kv.slice(eq + 1)];
  }),
);
const cameras = Number(values.cameras);
const warmupS = Number(values.warmup);
const seconds = Number(values.seconds);
const clip = values.clip ?? dataFile('video', 'vn_saigon_intersection.mp4');
const TICK_MS = 10;

type Reply = { type: 'ready' } | { type: 'failed'; error: string } | { type: 'sample'; status: AgentStatus };

/** CPU ticks of each thread of `pid`, keyed by tid, with the thread's name. */
function threadTicks(pid: number): Map<number, { name: string; ticks: number }> {
  const out = new Map<number, { name: string; ticks: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), { name, ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}

/** CPU ticks of the direct children of `pid` (the ffmpeg decoders). */
function childTicks(pid: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone
    }
  }
  return ticks;
}

/** CPU ticks of a process (the RTSP server standing in for the cameras: it shares the box's cores here). */
function treeTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time (ms) per function of a .cpuprofile, counting only samples from `fromUs` after its start. */
function selfTimes(profile: CpuProfile, fromUs: number, toUs: number): { total: number; byFunction: Map<string, number>; byFile: Map<string, number> } {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let t = 0;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t < fromUs || t > toUs) continue;
    const next = (profile.timeDeltas[i + 1] ?? dt) / 1000;
    const n = nodes.get(profile.samples[i]!)!;
    const { functionName, url, lineNumber } = n.callFrame;
    const file = url ? relative(ROOT, url.replace(/^file:\/\//, '')) : '';
    const key = `${functionName || '(anonymous)'} ${file}${file ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + next);
    const fileKey = file.startsWith('node_modules') ? file.split('/').slice(0, 2).join('/') : file || functionName;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + next);
    total += next;
  }
  return { total, byFunction, byFile };
}

const top = (m: Map<string, number>, n: number, perFrame: number) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, ms]) => ({ what: k, msPerFrame: Math.round((ms / perFrame) * 1000) / 1000 }));

const server = await startRtspServer({ mounts: { '/clip0': clip } });
const dataDir = mkdtempSync(join(tmpdir(), 'camwatch-profile-'));
const profDir = mkdtempSync(join(tmpdir(), 'camwatch-cpuprof-'));
try {
  const yaml = camerasYaml(cameras, [`{ url: ${server.url('/clip0')} }`]);
  const args = { agentRoot: values.build, ext: '.js', configText: benchConfigText(yaml, dataDir), baseDir: ROOT };
  const execArgv = [...(values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []), ...values['node-arg']];
  const forkedAt = performance.now();
  const child = fork(join(ROOT, 'scripts', 'bench', 'agent-host.mjs'), [JSON.stringify(args)], {
    execArgv,
    // As deployed (the systemd unit's malloc and V8 settings); --node-arg adds to them, --env K=V overrides them.
    env: agentHostEnvironment({ ...deployedEnvironment(), ...envOverrides }),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () => new Promise<Reply>((resolve, reject) => {
    child.once('message', (m: Reply) => resolve(m));
    child.once('exit', (code) => reject(new Error(`agent host exited ${code}`)));
  });
  const ready = await next();
  if (ready.type !== 'ready') throw new Error(`agent host: ${JSON.stringify(ready)}`);
  await sleep(warmupS * 1000);
  const pid = child.pid!;
  const ask = async () => {
    const r = next();
    child.send({ type: 'sample' });
    const m = await r;
    if (m.type !== 'sample') throw new Error('no sample');
    return m.status;
  };
  const s0 = await ask();
  const th0 = threadTicks(pid);
  const c0 = childTicks(pid);
  const r0 = server.pid ? treeTicks(server.pid) : 0;
  const load0 = loadavg()[0]!;
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const th1 = threadTicks(pid);
  const c1 = childTicks(pid);
  const r1 = server.pid ? treeTicks(server.pid) : 0;
  const t1 = performance.now();
  const s1 = await ask();
  // After the window: sampleProcesses also reads every child's smaps, which can take a while on a busy box.
  const rssMb = Math.round(sampleProcesses(pid).self.rssBytes / MB);
  const dt = (t1 - t0) / 1000;
  const sum = (s: AgentStatus, k: 'framesAnalysed' | 'inferencesRun' | 'framesShed') => s.cameras.reduce((a, c) => a + c[k], 0);
  const analysed = sum(s1, 'framesAnalysed') - sum(s0, 'framesAnalysed');
  const inferred = sum(s1, 'inferencesRun') - sum(s0, 'inferencesRun');
  const shed = sum(s1, 'framesShed') - sum(s0, 'framesShed');
  const threads = [...th1.entries()]
    .map(([tid, t]) => ({ tid, name: t.name, main: tid === pid, ms: (t.ticks - (th0.get(tid)?.ticks ?? 0)) * TICK_MS }))
    .filter((t) => t.ms > 0)
    .sort((a, b) => b.ms - a.ms);
  const perFrame = (ms: number) => Math.round((ms / Math.max(1, analysed)) * 100) / 100;
  const mainMs = threads.find((t) => t.main)?.ms ?? 0;
  const otherMs = threads.filter((t) => !t.main).reduce((a, t) => a + t.ms, 0);
  const decodeMs = (c1 - c0) * TICK_MS;
  const report: Record<string, unknown> = {
    cameras,
    seconds: Math.round(dt * 10) / 10,
    analysedFps: Math.round((analysed / dt) * 100) / 100,
    inferenceShare: Math.round((inferred / Math.max(1, analysed)) * 100) / 100,
    framesShed: shed,
    lowestTargetFps: Math.min(...s1.cameras.map((c) => c.targetFps ?? 5)),
    detectorBusy: s1.detector.busyFraction,
    cpuMsPerAnalysedFrame: { decode: perFrame(decodeMs), mainThread: perFrame(mainMs), otherThreads: perFrame(otherMs), total: perFrame(decodeMs + mainMs + otherMs) },
    coresUsed: { decode: Math.round(decodeMs / dt) / 1000, mainThread: Math.round(mainMs / dt) / 1000, otherThreads: Math.round(otherMs / dt) / 1000, rtspServer: Math.round(((r1 - r0) * TICK_MS) / dt) / 1000 },
    /** Other tenants of the box: the 1-minute load average at the start and end of the window. */
    loadAverage: [Math.round(load0 * 10) / 10, Math.round(loadavg()[0]! * 10) / 10],
    /** How late the main thread ran and where the frames waited, at the end of the window. */
    eventLoop: s1.eventLoop,
    detector: s1.detector,
    perCamera: s1.cameras.map((c) => ({ targetFps: c.targetFps, avgLatencyMs: c.avgLatencyMs, lagMsLast: c.pipeline.lagMsLast, lagMsMax: c.pipeline.lagMsMax, latencyMsMax: c.pipeline.latencyMsMax })),
    /** The agent process's resident memory at the end of the window (MB; its ffmpeg children apart). */
    rssMb,
    threads: threads.slice(0, 12).map((t) => ({ ...t, msPerFrame: perFrame(t.ms) })),
  };
  const stopped = new Promise((r) => child.once('exit', r));
  child.send({ type: 'stop' });
  await stopped;
  if (values['cpu-prof']) {
    // The main thread's profile is the one named after the pid with the lowest thread id (0).
    const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
    const mainFile = files.find((f) => new RegExp(`^CPU\\.[^.]+\\.[^.]+\\.${pid}\\.0\\.`).test(f)) ?? files[0];
    if (mainFile) {
      const profile = JSON.parse(readFileSync(join(profDir, mainFile), 'utf8')) as CpuProfile;
      // The profile starts as the process does: skip the time from fork to the end of the warm-up.
      const fromUs = (t0 - forkedAt) * 1000;
      const toUs = (t1 - forkedAt) * 1000;
      const self = selfTimes(profile, fromUs, toUs);
      report.mainThreadProfile = {
        file: mainFile,
        sampledMsPerFrame: perFrame(self.total),
        byFile: top(self.byFile, Number(values.top), analysed),
        byFunction: top(self.byFunction, Number(values.top), analysed),
      };
    }
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (!process.env.KEEP_PROF) rmSync(profDir, { recursive: true, force: true });
  else process.stderr.write(`profiles kept in ${profDir}\n`);
}
