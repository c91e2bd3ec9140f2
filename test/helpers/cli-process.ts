import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from './data.js';

/** `camwatch …` as a technician runs it: the real bin script in a child process. */
export const CAMWATCH_BIN = join(PROJECT_ROOT, 'bin', 'camwatch.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill (SIGKILL) after this long and fail the run (ms). */
  timeoutMs?: number;
}

const live = new Set<ChildProcess>();
// A crashed test must not leave commands (tail waits forever) behind on a shared box.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Runs `camwatch <args>` to completion. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const cli = startCli(args, options);
  return cli.exited.then((code) => ({ code, stdout: cli.stdout(), stderr: cli.stderr() }));
}

/** A long-running `camwatch` (tail): output so far, a wait for a pattern, and signals. */
export interface RunningCli {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout or stderr (as named) matches; rejects on timeout or exit. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** SIGKILL if still running; for afterEach. */
  kill(): Promise<void>;
}

export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [CAMWATCH_BIN, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: { ...process.env, CAMWATCH_LOG_LEVEL: 'silent', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const out = { stdout: '', stderr: '' };
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    out.stdout += d.toString();
    for (const l of listeners) l();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out.stderr += d.toString();
    for (const l of listeners) l();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      live.delete(child);
      for (const l of listeners) l();
      resolve(code);
    }),
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
  void exited.then(() => clearTimeout(timer));
  return {
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    exited,
    waitFor(stream, pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = pattern.exec(out[stream]);
          if (m) {
            done();
            resolve(m[0]);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`camwatch ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before ${stream} matched ${pattern}\nstdout: ${out.stdout}\nstderr: ${out.stderr}`));
          }
        };
        const t = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for ${stream} to match ${pattern}\nstdout: ${out.stdout}\nstderr: ${out.stderr}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(t);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
