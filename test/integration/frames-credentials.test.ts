/**
 * Camera passwords must not be readable by other local users. Before, ffmpeg got the RTSP URL with its
 * credentials as an argument, so `ps` or /proc/<pid>/cmdline showed it to everyone, wrong passwords during
 * retries included. Real ffmpeg, the real RTSP test server with digest auth, and the child's /proc files
 * read as user `nobody` (tests run as root). test/fixtures/ffmpeg-argv-as-nobody.sh records, as `nobody`,
 * the command line of every ffmpeg the code under test starts (retries included), then execs ffmpeg.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { probeStream } from '../../agent/cli/stream-probe.js';
import { cameraSchema, sourceSchema } from '../../agent/config/schema.js';
import { createFrameSource, type SourceStateChange } from '../../agent/frames/index.js';
import type { CameraSource } from '../../agent/frames/camera-source.js';
import { createLogger } from '../../agent/core/logger.js';
import { PROJECT_ROOT, videoPath } from '../helpers/data.js';
import { startRtspServer, type TestRtspServer } from '../helpers/rtsp-server.js';

const USER = 'viewer';
// A quote and a space exercise the ffconcat quoting; @ : / the URL's percent-encoding.
const PASSWORD = "pw'S3cr3t@:/x y";
const WRONG = "Wr0ng'Pa55";
const WRAPPER = join(PROJECT_ROOT, 'test', 'fixtures', 'ffmpeg-argv-as-nobody.sh');
const FAST_RESTART = { initialDelayMs: 200, maxDelayMs: 500, jitterRatio: 0 };
const quiet = createLogger({ level: 'silent' });
const tmp = mkdtempSync(join(tmpdir(), 'camwatch-creds-'));
const argvLog = join(tmp, 'argv.log');
let server: TestRtspServer;
const sources: CameraSource[] = [];

/** Runs a command as user nobody: what any other local account could do. */
function asNobody(...command: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('runuser', ['-u', 'nobody', '--', ...command], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The command lines recorded by the wrapper since the last reset, arguments joined by spaces. */
function recordedRuns(): string[] {
  return readFileSync(argvLog, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\0').join(' '));
}

function camera(id: string, url: string, extra: Record<string, unknown> = {}) {
  return cameraSchema.parse({ id, source: { url, ...extra }, analysis: { fps: 5, width: 160, stallSeconds: 10 } });
}

function waitState(changes: SourceStateChange[], test: (c: SourceStateChange) => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      if (changes.some(test)) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`state not reached in ${timeoutMs} ms: ${JSON.stringify(changes)}`));
      }
    }, 50);
  });
}

beforeAll(async () => {
  expect(process.getuid?.(), 'these tests read /proc as another user and need root').toBe(0);
  server = await startRtspServer({ mounts: { '/cam': videoPath('vn_saigon_intersection.mp4') }, user: USER, password: PASSWORD });
  process.env.CAMWATCH_ARGV_LOG = argvLog;
});
beforeEach(() => writeFileSync(argvLog, ''));
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  delete process.env.CAMWATCH_ARGV_LOG;
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('camera credentials and other local users', () => {
  it("a running camera's ffmpeg shows no password in its command line, environment or stdin", async () => {
    const source = createFrameSource(camera('good', server.url('/cam'), { username: USER }), {
      logger: quiet,
      password: PASSWORD,
      ffmpegPath: WRAPPER,
      backoff: FAST_RESTART,
    });
    sources.push(source);
    source.start();
    const frame = await source.next(AbortSignal.timeout(20_000));
    expect(frame?.width).toBe(160);
    const pid = source.decoderPid!;

    const cmdline = asNobody('cat', `/proc/${pid}/cmdline`);
    expect(cmdline.status, cmdline.stderr).toBe(0);
    const args = cmdline.stdout.split('\0');
    expect(args).toContain('pipe:0');
    expect(args.join(' ')).toContain('-f concat -safe 0');
    expect(cmdline.stdout).not.toContain('S3cr3t');
    expect(cmdline.stdout).not.toContain('rtsp://');
    // `ps` reads the same file.
    const ps = asNobody('ps', '-o', 'args=', '-p', String(pid));
    expect(ps.stdout).toContain('pipe:0');
    expect(ps.stdout).not.toContain('S3cr3t');

    // The environment and the stdin channel are closed to other users...
    expect(asNobody('cat', `/proc/${pid}/environ`).status).not.toBe(0);
    const stdin = asNobody('cat', `/proc/${pid}/fd/0`);
    expect(stdin.status).not.toBe(0);
    expect(stdin.stderr).toMatch(/Permission denied/);
    // ...the environment holds no password even for its owner, and nothing lies on disk: stdin is a pipe.
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).not.toContain('S3cr3t');
    expect(readlinkSync(`/proc/${pid}/fd/0`)).toMatch(/^(pipe|socket):\[\d+\]$/);
    const openFiles = readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    });
    expect(openFiles.filter((f) => f.startsWith('/') && !f.startsWith('/dev/'))).toEqual([]);

    const runs = recordedRuns();
    expect(runs.some((r) => r.includes('pipe:0'))).toBe(true);
    for (const run of runs) expect(run).not.toContain('S3cr3t');
  });

  it('shows no wrong password either, in any of the retries', async () => {
    const changes: SourceStateChange[] = [];
    const source = createFrameSource(camera('wrong', server.url('/cam', { user: USER, password: WRONG })), {
      logger: quiet,
      ffmpegPath: WRAPPER,
      backoff: FAST_RESTART,
      onState: (c) => changes.push(c),
    });
    sources.push(source);
    source.start();
    await waitState(changes, (c) => c.state === 'down' && c.reconnects >= 2, 20_000);
    expect(changes.find((c) => c.state === 'down')?.lastError?.code).toBe('CAMERA_UNAUTHORIZED');

    const runs = recordedRuns().filter((r) => r.includes('pipe:0'));
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const run of runs) {
      expect(run).not.toContain('Wr0ng');
      expect(run).not.toContain('rtsp://');
    }
    expect(recordedRuns()).not.toContain('UNREADABLE');
  });

  it('the probe behind doctor and camera test passes the password the same way, right or wrong', async () => {
    const source = sourceSchema.parse({ url: server.url('/cam'), username: USER });
    // As doctor does: a camera that answers 503 (the test server while a previous session winds down) is asked again.
    const probe = async (password: string) => {
      let result = await probeStream(source, { password, ffmpegPath: WRAPPER, seconds: 1 });
      for (let retry = 0; retry < 3 && result.frames === 0 && /\b503\b/.test(result.error?.message ?? ''); retry++) {
        result = await probeStream(source, { password, ffmpegPath: WRAPPER, seconds: 1 });
      }
      return result;
    };
    const good = await probe(PASSWORD);
    expect(good.error).toBeUndefined();
    expect(good.frames).toBeGreaterThan(0);
    expect([good.codec, good.width, good.height]).toEqual(['h264', 1018, 720]);
    const bad = await probe(WRONG);
    expect(bad.error?.code).toBe('CAMERA_UNAUTHORIZED');
    expect(JSON.stringify(bad)).not.toMatch(/Wr0ng|S3cr3t/);

    const runs = recordedRuns().filter((r) => r.includes('pipe:0'));
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (const run of runs) expect(run).not.toMatch(/Wr0ng|S3cr3t|rtsp:\/\//);
  });
});

describe('RTSP over UDP', () => {
  it('accepts RTP only from the camera (sockets connected to its address) and still decodes', async () => {
    const source = createFrameSource(camera('udp', server.url('/cam'), { username: USER, transport: 'udp' }), {
      logger: quiet,
      password: PASSWORD,
      ffmpegPath: WRAPPER,
      backoff: FAST_RESTART,
    });
    sources.push(source);
    source.start();
    const first = await source.next(AbortSignal.timeout(20_000));
    const second = await source.next(AbortSignal.timeout(5_000));
    expect([first?.width, first?.height]).toEqual([160, 114]);
    expect(second!.seq).toBeGreaterThan(first!.seq);

    const pid = source.decoderPid!;
    const inodes = new Set(
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          } catch {
            return undefined;
          }
        })
        .filter((inode): inode is string => inode !== undefined),
    );
    // /proc/net/udp: "sl local_address rem_address st ... inode"; addresses are hex IP:port, 127.0.0.1 = 0100007F.
    const udp = readFileSync(`/proc/${pid}/net/udp`, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols.length > 9 && inodes.has(cols[9]!))
      .map((cols) => ({ local: cols[1]!, remote: cols[2]!, state: cols[3]! }));
    // RTP and RTCP. Without filter_src both are bound to 0.0.0.0 with no peer (remote 00000000:0000, st 07).
    expect(udp.length).toBeGreaterThanOrEqual(2);
    for (const socket of udp) {
      expect(socket.remote).toMatch(/^0100007F:[0-9A-F]{4}$/);
      expect(socket.remote).not.toBe('0100007F:0000');
      expect(socket.state).toBe('01');
    }
  });
});
