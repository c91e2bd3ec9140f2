/**
 * The agent as systemd and Docker run it: compiled JavaScript (`npm run build`), not the TypeScript
 * sources through tsx, whose loader alone adds ~38 MB of RSS to every thread that loads agent code
 * (measured: 94 MB for node + the agent's dependencies, 132 MB with tsx). The capacity scenario runs
 * this build; it goes to tmp/bench-build (git-ignored), rebuilt on every run.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { progress, ROOT } from './common.js';

export interface AgentBuild {
  /** Folder holding agent/ (compiled .js, or the sources). */
  root: string;
  ext: '.js' | '.ts';
}

export const SOURCES: AgentBuild = { root: ROOT, ext: '.ts' };

/** Compiles agent/ with tsconfig.build.json; on failure the sources (through tsx) are used, and said so. */
export async function compiledAgent(): Promise<AgentBuild> {
  const outDir = join(ROOT, 'tmp', 'bench-build');
  rmSync(outDir, { recursive: true, force: true });
  progress('building the agent (tsc, as `npm run build`) for the capacity scenario…');
  const code = await new Promise<number | null>((resolve) => {
    const tsc = spawn(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir, '--sourceMap', 'false'], { stdio: 'ignore' });
    tsc.on('error', () => resolve(null));
    tsc.on('close', resolve);
  });
  // tsc emits despite type errors elsewhere in a work tree; what matters is that the agent is there.
  if (existsSync(join(outDir, 'agent', 'ops', 'agent.js'))) {
    if (code !== 0) progress('  tsc reported type errors; using what it emitted');
    return { root: outDir, ext: '.js' };
  }
  progress('  build failed: the capacity scenario runs the TypeScript sources through tsx (more memory than a deployment)');
  return SOURCES;
}

/**
 * The environment the systemd unit gives the agent (its `Environment=` lines: NODE_OPTIONS with the V8
 * young-generation size, the glibc malloc settings), so the bench measures the memory a box sees. The
 * Dockerfile sets the same (a test keeps them equal).
 */
export function deployedEnvironment(unitText = readFileSync(join(ROOT, 'scripts', 'systemd', 'camwatch.service'), 'utf8')): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of unitText.matchAll(/^Environment=([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm)) env[m[1]!] = m[2]!.trim();
  return env;
}

/** Settings of the bench's own process that must not leak into an agent it starts: only `env`'s apply. */
const HOST_ONLY_SETTINGS = ['NODE_OPTIONS', 'MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_'];

/** The environment for an agent host: this process's, without its own V8 and malloc settings, then `env` (default the unit's). */
export function agentHostEnvironment(env: Record<string, string> = deployedEnvironment(), base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...base };
  for (const k of HOST_ONLY_SETTINGS) delete out[k];
  return { ...out, ...env };
}
