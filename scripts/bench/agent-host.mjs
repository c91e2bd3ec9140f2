/**
 * One Agent in a process of its own, for the capacity benchmark: the parent reads this process's CPU and
 * memory (and its ffmpeg children's) from /proc, as it would for `camwatch run`, with nothing of the
 * benchmark's own in them. Plain JavaScript so that, given the compiled build (as systemd and Docker run
 * it), the process loads no TypeScript loader either. Started with fork(); talks over IPC:
 *   → {type:'mark'}    start of the measuring window
 *   → {type:'sample'}  ← {type:'sample', status, latencies}: latencies of the frames analysed since the mark
 *   → {type:'memory'}  ← {type:'memory', usage, heap, spaces, gc}: process.memoryUsage(), the main isolate's V8 heap
 *                      and its spaces, and its garbage collections since start (count, major, ms)
 *   → {type:'stop'}    stops the agent and exits
 * argv[2]: JSON {agentRoot, ext, configText, baseDir}: the folder holding agent/ (the build, or the
 * sources with ext '.ts' under `--import tsx`) and the config to run.
 * Messages: see HostRequest / HostReply in capacity.ts.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

const { agentRoot, ext, configText, baseDir } = JSON.parse(process.argv[2] ?? '{}');
const load = (path) => import(pathToFileURL(join(agentRoot, `${path}${ext}`)).href);
const [{ Agent }, { tuneHeapGrowth }, { parseConfigText }, { pino }] = await Promise.all([load('agent/ops/agent'), load('agent/ops/heap-growth'), load('agent/config/load'), import('pino')]);
// As `camwatch run` does before it starts the agent (agent/ops/heap-growth.ts).
tuneHeapGrowth();

const agent = new Agent({ loaded: parseConfigText(configText, 'bench.yaml', { baseDir }), logger: pino({ level: 'warn' }, pino.destination(2)) });
const send = (m) => process.send?.(m);
// Garbage collections of the main isolate since start: what a smaller young generation costs.
// major: mark-sweep-compact of the whole heap (what a too-small young generation would multiply).
const gc = { count: 0, major: 0, ms: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.count++;
    gc.ms += e.duration;
    if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.major++;
  }
}).observe({ entryTypes: ['gc'] });
let marks = new Map();

process.on('message', (m) => {
  if (m.type === 'mark') {
    marks = new Map(agent.status().cameras.map((c) => [c.id, c.framesAnalysed]));
  } else if (m.type === 'sample') {
    const status = agent.status();
    const latencies = {};
    for (const c of status.cameras) {
      const n = c.framesAnalysed - (marks.get(c.id) ?? 0);
      latencies[c.id] = n > 0 ? agent.pipelineLatencies(c.id).slice(-n) : [];
    }
    send({ type: 'sample', status, latencies });
  } else if (m.type === 'memory') {
    send({ type: 'memory', usage: process.memoryUsage(), gc, heap: getHeapStatistics(), spaces: getHeapSpaceStatistics().map((s) => ({ space: s.space_name, size: s.space_size, used: s.space_used_size, physical: s.physical_space_size })) });
  } else if (m.type === 'stop') {
    void agent.stop().finally(() => process.exit(0));
  }
});
process.on('disconnect', () => void agent.stop().finally(() => process.exit(0)));

try {
  await agent.start();
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
