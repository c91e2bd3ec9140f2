import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * A real mosquitto for integration tests: its own free 127.0.0.1 port, its own temp directory, and a
 * leak check. Typical use:
 *
 *   const broker = await startMosquitto({ persistence: true });
 *   ...; await broker.stop(); await broker.restart(); ...
 *   afterEach(() => broker.dispose());   afterAll(() => assertNoMosquittoLeaks());
 */

export const MOSQUITTO_BIN = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
/** How long start()/restart() wait for the port to accept connections (ms). */
export const DEFAULT_MOSQUITTO_READY_TIMEOUT_MS = 5_000;
/** SIGTERM grace before stop() escalates to SIGKILL (ms); mosquitto saves persistence in this window. */
export const DEFAULT_MOSQUITTO_STOP_TIMEOUT_MS = 5_000;
/** Last stderr lines kept, shown when the broker fails to start. */
const LOG_LINES_KEPT = 200;

export interface MosquittoOptions {
  /** Keep sessions and queued QoS>0 messages across stop()/restart() (persistence file in the temp dir). */
  persistence?: boolean;
  /** Users for a password file; with any user, anonymous access is refused unless allowAnonymous is set. */
  users?: Record<string, string>;
  /** Default: true without users, false with users. */
  allowAnonymous?: boolean;
  /** Extra mosquitto.conf lines (e.g. `max_inflight_messages 5`). */
  extraConfig?: string[];
  /** The listener speaks TLS only (url becomes mqtts://); files must be readable by the current user. */
  tls?: MosquittoTls;
  /** ACL file contents (mosquitto `acl_file` syntax: `user NAME` then `topic write PATTERN`...). */
  acl?: string;
}

export interface MosquittoTls {
  cafile: string;
  certfile: string;
  keyfile: string;
  /** Clients must present a certificate signed by cafile (mTLS). */
  requireCertificate?: boolean;
}

export interface Mosquitto {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** mqtt://127.0.0.1:PORT, or mqtts://127.0.0.1:PORT with the tls option */
  readonly url: string;
  /** Temp directory holding mosquitto.conf, the password file and the persistence file. */
  readonly dir: string;
  /** True while the process is alive. */
  readonly running: boolean;
  readonly pid: number | undefined;
  /** Graceful: SIGTERM (mosquitto writes its persistence file), waits for exit; SIGKILL after the timeout. */
  stop(): Promise<void>;
  /** SIGKILL, waits for exit: a broker crash (nothing saved since the last autosave). */
  kill(): Promise<void>;
  /** Starts again on the same port with the same config and persistence. */
  restart(): Promise<void>;
  /** mosquitto's own log (stderr), most recent lines. */
  logs(): string;
  /** stop() and delete the temp directory. Idempotent. */
  dispose(): Promise<void>;
}

const live = new Set<MosquittoProcess>();

/** Starts mosquitto on a free port and resolves once it accepts TCP connections. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-mosquitto-'));
  // A port found free can be taken by a parallel test before mosquitto binds it: try a few.
  let lastErr: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    writeConfig(dir, port, options);
    const broker = new MosquittoProcess(dir, port, options.tls === undefined ? 'mqtt' : 'mqtts');
    try {
      await broker.launch();
      return broker;
    } catch (err) {
      lastErr = err;
      await broker.stop();
      live.delete(broker);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastErr;
}

/**
 * Teardown check: throws if any broker started by this test file is still running, after killing it, so a
 * test that forgets dispose() fails instead of leaving a process behind on a shared box.
 */
export async function assertNoMosquittoLeaks(): Promise<void> {
  const leaked = [...live].filter((b) => b.running);
  for (const b of live) await b.dispose();
  live.clear();
  if (leaked.length > 0) {
    throw new Error(`mosquitto leaked: ${leaked.map((b) => `pid ${b.pid} port ${b.port}`).join(', ')} (call dispose())`);
  }
}

// A crashed test worker must not leave brokers behind.
process.once('exit', () => {
  for (const b of live) b.killSync();
});

class MosquittoProcess implements Mosquitto {
  readonly host = '127.0.0.1' as const;
  readonly url: string;
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private logLines: string[] = [];
  private disposed = false;

  constructor(
    readonly dir: string,
    readonly port: number,
    scheme: 'mqtt' | 'mqtts' = 'mqtt',
  ) {
    this.url = `${scheme}://127.0.0.1:${port}`;
    live.add(this);
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async launch(): Promise<void> {
    if (this.running) throw new Error(`mosquitto on port ${this.port} is already running`);
    const child = spawn(MOSQUITTO_BIN, ['-c', join(this.dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.logLines.push(...chunk.split('\n').filter((l) => l.length > 0));
      if (this.logLines.length > LOG_LINES_KEPT) this.logLines.splice(0, this.logLines.length - LOG_LINES_KEPT);
    });
    const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
    const deadline = Date.now() + DEFAULT_MOSQUITTO_READY_TIMEOUT_MS;
    while (true) {
      if (!this.running) {
        await Promise.race([this.exited, spawnError]);
        throw new Error(`mosquitto exited during start on port ${this.port}:\n${this.logs()}`);
      }
      if (await canConnect(this.port)) return;
      if (Date.now() > deadline) throw new Error(`mosquitto did not accept connections on port ${this.port}:\n${this.logs()}`);
      await sleep(25);
    }
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM', DEFAULT_MOSQUITTO_STOP_TIMEOUT_MS);
  }

  async kill(): Promise<void> {
    await this.signal('SIGKILL', DEFAULT_MOSQUITTO_STOP_TIMEOUT_MS);
  }

  async restart(): Promise<void> {
    if (this.disposed) throw new Error('mosquitto was disposed');
    await this.stop();
    await this.launch();
  }

  logs(): string {
    return this.logLines.join('\n');
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (!this.disposed) {
      this.disposed = true;
      rmSync(this.dir, { recursive: true, force: true });
    }
    live.delete(this);
  }

  killSync(): void {
    if (this.running) this.child?.kill('SIGKILL');
  }

  private async signal(sig: NodeJS.Signals, timeoutMs: number): Promise<void> {
    if (!this.running || this.child === undefined) return;
    this.child.kill(sig);
    const timedOut = await Promise.race([this.exited!.then(() => false), sleep(timeoutMs).then(() => true)]);
    if (timedOut) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

function writeConfig(dir: string, port: number, options: MosquittoOptions): void {
  const users = Object.entries(options.users ?? {});
  const lines = [
    `listener ${port} 127.0.0.1`,
    `allow_anonymous ${options.allowAnonymous ?? users.length === 0}`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    // Started as root, mosquitto 2 switches to user "mosquitto", who cannot write our temp dir.
    `user ${userInfo().username}`,
  ];
  if (options.persistence === true) {
    lines.push('persistence true', `persistence_location ${dir}/`, 'persistence_file mosquitto.db', 'autosave_interval 1');
  }
  if (users.length > 0) {
    const file = join(dir, 'passwd');
    writeFileSync(file, '', { mode: 0o600 });
    for (const [user, password] of users) {
      const r = spawnSync('mosquitto_passwd', ['-b', file, user, password], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr || r.error?.message}`);
    }
    lines.push(`password_file ${file}`);
  }
  if (options.tls !== undefined) {
    // Right after `listener`: these options apply to the listener above them.
    const tls = [`cafile ${options.tls.cafile}`, `certfile ${options.tls.certfile}`, `keyfile ${options.tls.keyfile}`];
    if (options.tls.requireCertificate === true) tls.push('require_certificate true');
    lines.splice(1, 0, ...tls);
  }
  if (options.acl !== undefined) {
    const file = join(dir, 'acl');
    writeFileSync(file, options.acl, { mode: 0o600 });
    lines.push(`acl_file ${file}`);
  }
  lines.push(...(options.extraConfig ?? []));
  writeFileSync(join(dir, 'mosquitto.conf'), `${lines.join('\n')}\n`);
}

/** A port the kernel just handed out on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
