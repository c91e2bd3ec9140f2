import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './data.js';

/** A real `camwatch` process, as a technician starts it; its JSON log lines are kept for assertions. */
export interface AgentProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Resolves with the first parsed log line matching the predicate. */
  waitForLog(match: (entry: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>>;
  /** SIGTERM and wait; resolves the exit code (null when it had to be SIGKILLed after 20 s). */
  stop(): Promise<number | null>;
  /** SIGKILL and wait: a power cut as the process sees it. */
  kill(): Promise<void>;
  /** Pid of the agent itself (under a `wrap`, the wrapper's child). */
  agentPid(): number;
}

export interface AgentProcessOptions {
  /** A command the agent runs under, e.g. ['strace', '-f', '-o', FILE, '--']: signals go to the agent itself. */
  wrap?: string[];
}

const live = new Set<ChildProcess>();

export function startAgent(args: string[], env: NodeJS.ProcessEnv = {}, options: AgentProcessOptions = {}): AgentProcess {
  const command = [...(options.wrap ?? []), process.execPath, join(PROJECT_ROOT, 'bin', 'camwatch.js'), ...args];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A wrapper (strace) killed by a signal takes the agent down with SIGKILL: signal the agent, let the wrapper follow.
  const agentPid = (): number => {
    if (options.wrap === undefined) return child.pid!;
    const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    if (children.length !== 1) throw new Error(`expected one child of ${options.wrap[0]} (pid ${child.pid}), found ${children.length}`);
    return Number(children[0]);
  };
  const signal = (name: NodeJS.Signals) => {
    if (options.wrap === undefined) child.kill(name);
    else process.kill(agentPid(), name);
  };
  live.add(child);
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let buffer = '';
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { live.delete(child); resolve(code); }));

  const parse = (line: string): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };

  return {
    child,
    lines,
    waitForLog(match, timeoutMs) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for a log line; last lines:\n${lines.slice(-15).join('\n')}`)), timeoutMs);
        const check = () => {
          for (; seen < lines.length; seen++) {
            const entry = parse(lines[seen]!);
            if (entry && match(entry)) {
              clearTimeout(timer);
              resolve(entry);
              return;
            }
          }
          if (child.exitCode !== null) {
            clearTimeout(timer);
            reject(new Error(`agent exited with ${child.exitCode}; last lines:\n${lines.slice(-15).join('\n')}`));
            return;
          }
          waiters.push(check);
        };
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) signal('SIGTERM');
      const timer = setTimeout(() => {
        lines.push('[test] agent ignored SIGTERM for 20 s: SIGKILL');
        child.kill('SIGKILL');
      }, 20_000);
      const code = await exited;
      clearTimeout(timer);
      if (code !== 0) lines.push(`[test] agent exit code ${code} signal ${child.signalCode}`);
      return code;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) signal('SIGKILL');
      await exited;
    },
    agentPid,
  };
}

/** Teardown: kills any agent a test left running, and fails that test. */
export function assertNoAgentLeaks(): void {
  const leaked = [...live];
  for (const c of leaked) c.kill('SIGKILL');
  live.clear();
  if (leaked.length) throw new Error(`agent process leaked: pids ${leaked.map((c) => c.pid).join(', ')}`);
}
