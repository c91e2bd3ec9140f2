/**
 * `npm run bench [-- --quick | --smoke]`: the agent's speed and capacity on this machine, as JSON on stdout
 * (a short table and progress on stderr). Ratios are measured within one run: these machines are noisy,
 * so compare `ratio`, not absolute frames per second, across runs.
 *   --quick  a minute or two, same keys;   --smoke  ~20 s, same keys (CI checks the shape, never a threshold).
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { runCapacity } from './capacity.js';
import { progress } from './common.js';
import { runMotion } from './motion.js';
import { runRatio } from './ratio.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, smoke: { type: 'boolean', default: false } } });
const mode = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full';
const plan = {
  full: { motionSeconds: 30, ratioSeconds: 20, rawFrames: 150, capacity: { quick: false, maxCameras: 64, warmupS: 8, seconds: 20 } },
  quick: { motionSeconds: 12, ratioSeconds: 10, rawFrames: 80, capacity: { quick: true, maxCameras: 16, warmupS: 5, seconds: 10 } },
  smoke: { motionSeconds: 4, ratioSeconds: 4, rawFrames: 20, capacity: { quick: true, maxCameras: 1, warmupS: 3, seconds: 4 } },
}[mode];

progress(`mode ${mode} on ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'})`);
// Capacity first: the ratio scenario holds decoded frames in memory, which would inflate the RSS measured.
const capacity = await runCapacity(plan.capacity);
const ratio = await runRatio({ seconds: plan.ratioSeconds, rawFrames: plan.rawFrames });
const motionGating = await runMotion({ seconds: plan.motionSeconds });

const result = {
  schema: 'camwatch.bench/1',
  mode,
  machine: { cores: availableParallelism(), cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30) },
  model: 'yolox_nano_416',
  ratio: ratio.ratio,
  raw: ratio,
  capacity,
  motionGating,
  targets: { ratio: 0.9, cameras: 32, p95LatencyMs: 1000, rssMb: '150 + 15 per camera' },
};
const top = capacity.steps.find((s) => s.cameras === capacity.maxCameras);
process.stderr.write(
  [
    '',
    `ratio (agent / raw model, 1 camera): ${ratio.ratio}   (${ratio.agentFps} vs ${ratio.rawFps} frames/s, ${ratio.threads} threads)`,
    `capacity (720p 20 fps → 5 fps):      ${capacity.maxCameras} camera(s)${top ? `, p95 ${top.p95LatencyMs} ms, CPU ${top.agentCpuPercent}% + ${top.decodeCpuPercent}% decode, agent RSS ${top.agentRssMb} MB, total PSS ${top.totalPssMb} MB` : ''}`,
    ...motionGating.map((m) => `motion gating ${m.video.padEnd(34)} ${m.inferencesRun}/${m.framesAnalysed} frames inferred (${Math.round(m.inferenceShare * 100)} %)`),
    '',
  ].join('\n'),
);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
