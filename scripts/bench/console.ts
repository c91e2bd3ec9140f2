/**
 * `npx tsx scripts/bench/console.ts [--quick]`: what a live viewer of the web console costs the agent. A real
 * `camwatch run` process analyses one real street video (640 px, 5 fps); the agent's own CPU (ffmpeg decoders
 * excluded: viewers do not change decoding) is sampled over alternating phases with 0, 1 and 2 live viewers
 * connected to /api/cameras/:id/live, so the box's background load hits every phase alike. JSON on stdout.
 */
import { spawn } from 'node:child_process';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchConfigText, cpuPercent, dataFile, progress, ROOT, sampleProcesses, sleep } from './common.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const phaseSeconds = values.quick ? 5 : 10;
const rounds = values.quick ? 1 : 2;
const VIEWER_COUNTS = [0, 1, 2];

const dir = mkdtempSync(join(tmpdir(), 'camwatch-bench-console-'));
const configPath = join(dir, 'camwatch.yaml');
const camera = `  - id: cam-01
    source: { file: ${dataFile('video', 'vn_saigon_intersection.mp4')} }
    analysis: { fps: 5, width: 640 }
`;
writeFileSync(configPath, `${benchConfigText(camera, join(dir, 'var')).replace('logLevel: warn', 'logLevel: info')}console: { port: 0, liveFps: 4 }\n`);

const agent = spawn(process.execPath, [join(ROOT, 'bin', 'camwatch.js'), 'run', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
let consoleUrl: string | undefined;
let out = '';
agent.stdout!.on('data', (chunk: Buffer) => {
  out += chunk.toString();
  const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/"[^\n]*console listening/.exec(out) ?? /console listening[^\n]*"url":"(http:\/\/127\.0\.0\.1:\d+)\/"/.exec(out);
  if (m) consoleUrl ??= m[1];
  if (out.length > 1e6) out = out.slice(-1e5);
});
agent.stderr!.resume();

interface Viewer {
  res?: IncomingMessage;
  events: number;
  bytes: number;
  close(): void;
}

function connectViewer(url: string): Viewer {
  const viewer: Viewer = { events: 0, bytes: 0, close: () => undefined };
  const req = httpGet(url, (res) => {
    viewer.res = res;
    res.on('data', (chunk: Buffer) => {
      viewer.bytes += chunk.length;
      viewer.events += chunk.toString('latin1').split('event: frame').length - 1;
    });
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  viewer.close = () => req.destroy();
  return viewer;
}

async function status(): Promise<{ framesAnalysed: number; analysisFps: number; viewers: number }> {
  const body = (await (await fetch(`${consoleUrl}/api/status`)).json()) as { cameras: Array<{ framesAnalysed: number; fps: { analysed: number } }>; console: { viewers: number } };
  return { framesAnalysed: body.cameras[0]!.framesAnalysed, analysisFps: body.cameras[0]!.fps.analysed, viewers: body.console.viewers };
}

try {
  const t0 = Date.now();
  while (consoleUrl === undefined) {
    if (agent.exitCode !== null) throw new Error(`agent exited with ${agent.exitCode}:\n${out.slice(-2000)}`);
    if (Date.now() - t0 > 120_000) throw new Error('the console did not start within 120 s');
    await sleep(200);
  }
  while ((await status()).framesAnalysed < 10) await sleep(500);
  progress(`console at ${consoleUrl}; warming up`);
  await sleep(5_000);
  const phases: Array<{ viewers: number; agentCpuPercent: number; analysisFps: number; eventsPerSPerViewer: number; kbPerSPerViewer: number }> = [];
  for (let r = 0; r < rounds; r++) {
    for (const n of VIEWER_COUNTS) {
      const viewers = Array.from({ length: n }, () => connectViewer(`${consoleUrl}/api/cameras/cam-01/live`));
      await sleep(1_000); // connected and streaming before the window opens
      const before = sampleProcesses(agent.pid!);
      const e0 = viewers.map((v) => [v.events, v.bytes] as const);
      await sleep(phaseSeconds * 1000);
      const after = sampleProcesses(agent.pid!);
      const s = await status();
      const events = viewers.reduce((sum, v, i) => sum + v.events - e0[i]![0], 0);
      const bytes = viewers.reduce((sum, v, i) => sum + v.bytes - e0[i]![1], 0);
      for (const v of viewers) v.close();
      phases.push({
        viewers: n,
        agentCpuPercent: cpuPercent(before.self.cpuTicks, after.self.cpuTicks, phaseSeconds),
        analysisFps: s.analysisFps,
        eventsPerSPerViewer: n === 0 ? 0 : Math.round((events / n / phaseSeconds) * 10) / 10,
        kbPerSPerViewer: n === 0 ? 0 : Math.round(bytes / n / phaseSeconds / 1024),
      });
      progress(`${n} viewer(s): agent ${phases.at(-1)!.agentCpuPercent} % CPU, ${phases.at(-1)!.eventsPerSPerViewer} events/s, ${phases.at(-1)!.kbPerSPerViewer} KiB/s per viewer`);
      await sleep(1_000); // disconnected before the next window
    }
  }
  const mean = (n: number) => {
    const p = phases.filter((x) => x.viewers === n);
    return Math.round((p.reduce((s, x) => s + x.agentCpuPercent, 0) / p.length) * 10) / 10;
  };
  const result = {
    schema: 'camwatch.bench.console/1',
    mode: values.quick ? 'quick' : 'full',
    video: 'vn_saigon_intersection.mp4 at 640 px, 5 fps analysed; live view at 4 fps',
    phaseSeconds,
    phases,
    agentCpuPercent: { viewers0: mean(0), viewers1: mean(1), viewers2: mean(2) },
    // Percent of ONE core: the first viewer pays the JPEG encoding, further viewers of the same camera share it.
    perViewer: { firstCpuPercent: Math.round((mean(1) - mean(0)) * 10) / 10, secondCpuPercent: Math.round((mean(2) - mean(1)) * 10) / 10 },
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
