import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FfmpegProcess } from '../../agent/frames/index.js';
import type { FfmpegExit } from '../../agent/frames/ffmpeg-process.js';
import { listFfmpegDecoders, probeFfmpeg, resolveFfmpegPath, runFfmpeg } from '../../agent/frames/ffmpeg-run.js';
import { PROJECT_ROOT } from '../helpers/data.js';

// The one owner of ffmpeg processes, with stand-ins from test/fixtures where ffmpeg itself cannot be made
// to misbehave on purpose, and the real ffmpeg for the one-shot queries.
const ECHO_STDIN = join(PROJECT_ROOT, 'test', 'fixtures', 'ffmpeg-echo-stdin.mjs');
const IGNORES_SIGTERM = join(PROJECT_ROOT, 'test', 'fixtures', 'ffmpeg-ignores-sigterm.mjs');
const FFMPEG = resolveFfmpegPath();

function isDead(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

describe('FfmpegProcess', () => {
  it('writes the secret on stdin (not argv), redacts stderr lines, keeps a bounded ring and splits stdout lines', async () => {
    const stderrLines: string[] = [];
    const stdoutLines: string[] = [];
    const proc = new FfmpegProcess({
      ffmpegPath: ECHO_STDIN,
      args: ['-i', 'pipe:0'],
      stdin: "ffconcat version 1.0\nfile 'rtsp://admin:s3cr3t%40pw@10.0.0.5/live'\n",
      secrets: ['s3cr3t@pw', 's3cr3t%40pw'],
      stderrTailLines: 4,
      onStderrLine: (line) => stderrLines.push(line),
      onStdoutLine: (line) => stdoutLines.push(line),
    });
    proc.start();
    expect(proc.pid).toBeGreaterThan(0);
    const exit = await proc.done;

    expect(exit).toMatchObject({ code: 3, signal: null, requestedStop: false, timedOut: false });
    expect(exit.spawnError).toBeUndefined();
    expect(stderrLines).toEqual([
      'argv -i pipe:0',
      'ffconcat version 1.0',
      "file 'rtsp://admin:***@10.0.0.5/live'",
      'frame=  1 fps=0.0',
      'frame=  2 fps=0.0',
      'last line without a break',
    ]);
    expect(stderrLines.join('\n')).not.toContain('s3cr3t');
    expect(exit.stderrTail).toEqual(stderrLines.slice(-4));
    expect(stdoutLines).toEqual(['frame=1', 'out_time_us=40000', 'progress=end']);
  });

  it('stops with SIGTERM, then SIGKILL after the grace delay for a process that ignores SIGTERM', async () => {
    let sawOutput!: () => void;
    const output = new Promise<void>((resolve) => (sawOutput = resolve));
    const proc = new FfmpegProcess({ ffmpegPath: IGNORES_SIGTERM, args: [], killGraceMs: 400, onStdout: () => (sawOutput(), undefined) });
    proc.start();
    await output;
    const pid = proc.pid!;
    const t0 = Date.now();
    await proc.stop();
    const exit = await proc.done;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    expect(exit).toMatchObject({ signal: 'SIGKILL', requestedStop: true, timedOut: false });
    expect(exit.stderrTail).toContain('ignoring SIGTERM');
    expect(isDead(pid)).toBe(true);
    await proc.stop(); // idempotent once gone
  });

  it('kills a process at its deadline and says so', async () => {
    let exit: FfmpegExit | undefined;
    const proc = new FfmpegProcess({ ffmpegPath: IGNORES_SIGTERM, args: [], timeoutMs: 300, onStdout: () => undefined, onExit: (e) => (exit = e) });
    proc.start();
    await proc.done;
    expect(exit).toMatchObject({ signal: 'SIGKILL', timedOut: true, requestedStop: false });
  });

  it('reports a missing binary as FFMPEG_MISSING without throwing', async () => {
    const proc = new FfmpegProcess({ ffmpegPath: join(PROJECT_ROOT, 'no-such-ffmpeg'), args: ['-version'] });
    proc.start();
    const exit = await proc.done;
    expect(exit.spawnError).toMatchObject({ code: 'FFMPEG_MISSING' });
    expect(exit.spawnError!.message).toContain('ENOENT');
    expect(exit.code).toBeNull();
  });
});

describe('one-shot ffmpeg runs (real ffmpeg)', () => {
  it('reads the version and the decoder list', async () => {
    const version = await probeFfmpeg(FFMPEG);
    expect(version.major).toBeGreaterThanOrEqual(4);
    expect(await listFfmpegDecoders(FFMPEG)).toMatch(/^\s*V\S*\s+h264\s/m);
  });

  it('rejects a failed render with the end of its stderr, and a missing binary with FFMPEG_MISSING', async () => {
    await expect(runFfmpeg(FFMPEG, ['-i', '/nonexistent/clip.mp4', '-f', 'null', '-'])).rejects.toThrow(/ffmpeg failed \(exit code \d+\): .*No such file or directory/);
    await expect(probeFfmpeg(join(PROJECT_ROOT, 'no-such-ffmpeg'))).rejects.toMatchObject({ code: 'FFMPEG_MISSING' });
  });
});
