import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from './data.js';

/**
 * Starts scripts/rtsp-server.py (GStreamer RTSP server) on 127.0.0.1 for integration tests, and plays
 * outages on it: kill (server gone), pause (SIGSTOP: connections stay open, nothing is sent), restart
 * on the same port. Needs Debian's /usr/bin/python3 with python3-gi and gir1.2-gst-rtsp-server-1.0.
 */
export const RTSP_SERVER_PYTHON = process.env.CAMWATCH_RTSP_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(PROJECT_ROOT, 'scripts', 'rtsp-server.py');
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 2_000;

export interface RtspServerOptions {
  /** Mount path → video file, e.g. `{ '/cam1': videoPath('x.mp4') }`. */
  mounts: Record<string, string>;
  user?: string;
  password?: string;
  auth?: 'digest' | 'basic';
  /** 0 (default) lets the server pick a free port. */
  port?: number;
}

export interface TestRtspServer {
  readonly port: number;
  readonly pid: number | undefined;
  /** `rtsp://127.0.0.1:<port><mount>`, with `user:password@` when given. */
  url(mount: string, credentials?: { user: string; password: string }): string;
  /** SIGKILL: the server vanishes (connections reset), like a camera losing power. */
  kill(): Promise<void>;
  /** SIGSTOP: the server hangs with its sockets open. */
  pause(): void;
  resume(): void;
  /** Starts the server again on the same port (after kill/stop). */
  restart(): Promise<void>;
  /** SIGTERM (SIGKILL after a grace delay); idempotent. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startRtspServer(options: RtspServerOptions): Promise<TestRtspServer> {
  let child: ChildProcess | undefined;
  let paused = false;
  let port = options.port ?? 0;

  const launch = async (): Promise<void> => {
    const args = [SCRIPT, '--port', String(port)];
    for (const [mount, file] of Object.entries(options.mounts)) args.push('--mount', `${mount}=${file}`);
    if (options.user !== undefined) {
      args.push('--user', options.user, '--password', options.password ?? '', '--auth', options.auth ?? 'digest');
    }
    const proc = spawn(RTSP_SERVER_PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    child = proc;
    paused = false;
    port = await waitReady(proc);
  };

  const exited = (proc: ChildProcess): Promise<void> =>
    proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((resolve) => proc.once('exit', () => resolve()));

  await launch();

  return {
    get port() {
      return port;
    },
    get pid() {
      return child?.pid;
    },
    url(mount, credentials) {
      const auth = credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@` : '';
      return `rtsp://${auth}127.0.0.1:${port}${mount}`;
    },
    async kill() {
      if (!child) return;
      const proc = child;
      proc.kill('SIGKILL');
      await exited(proc);
    },
    pause() {
      child?.kill('SIGSTOP');
      paused = true;
    },
    resume() {
      child?.kill('SIGCONT');
      paused = false;
    },
    async restart() {
      if (child && child.exitCode === null && child.signalCode === null) throw new Error('rtsp server still running');
      await launch();
    },
    async stop() {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      if (paused) proc.kill('SIGCONT');
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
      await exited(proc);
      clearTimeout(timer);
    },
  };
}

function waitReady(proc: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`rtsp server not ready after ${READY_TIMEOUT_MS} ms: ${stderr.slice(-2000)}`));
    }, READY_TIMEOUT_MS);
    proc.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const m = /READY port=(\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`rtsp server exited before ready (code ${code}, signal ${signal}): ${stderr.slice(-2000)}`));
    });
  });
}
