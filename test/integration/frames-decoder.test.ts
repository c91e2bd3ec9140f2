import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFfmpegArgs } from '../../agent/frames/ffmpeg-args.js';
import { FfmpegDecoder, type DecoderExit, type RawFrame } from '../../agent/frames/ffmpeg-decoder.js';
import { createLogger } from '../../agent/core/logger.js';
import { PROJECT_ROOT, videoPath } from '../helpers/data.js';

// Process hygiene of the decoder over the one module that spawns ffmpeg (ffmpeg-process.ts), with
// misbehaving stand-ins from test/fixtures.
const FAKE_FFMPEG = join(PROJECT_ROOT, 'test', 'fixtures', 'ffmpeg-ignores-sigterm.mjs');
const EXIT_CHILD = join(PROJECT_ROOT, 'test', 'fixtures', 'frames-exit-child.ts');
const quiet = createLogger({ level: 'silent' });
const V5 = { major: 5, minor: 1, raw: 'fake' };

function isDead(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

describe('FfmpegDecoder process handling', () => {
  it('escalates to SIGKILL when ffmpeg ignores SIGTERM', async () => {
    const frames: RawFrame[] = [];
    let exit: DecoderExit | undefined;
    let firstFrame!: () => void;
    const gotFrame = new Promise<void>((resolve) => (firstFrame = resolve));
    const args = buildFfmpegArgs({ source: { file: 'x.mp4', loop: true, speed: 1 }, filePath: '/dev/null', fps: 5, width: 160, version: V5 });
    const decoder = new FfmpegDecoder({
      cameraId: 'fake',
      args,
      ffmpegPath: FAKE_FFMPEG,
      logger: quiet,
      secrets: [],
      killGraceMs: 600,
      onFrame: (f) => {
        frames.push(f);
        firstFrame();
      },
      onExit: (e) => (exit = e),
    });
    try {
      decoder.start();
      await Promise.race([gotFrame, new Promise((_, reject) => setTimeout(() => reject(new Error(`no frame; exit ${JSON.stringify(exit)}`)), 10_000))]);
      const pid = decoder.pid!;
      expect(frames[0]).toMatchObject({ width: 16, height: 8 });
      expect(frames[0]!.data.length).toBe(16 * 8 * 3);

      const t0 = Date.now();
      await decoder.stop();
      const elapsed = Date.now() - t0;
      expect(elapsed).toBeGreaterThanOrEqual(550);
      expect(exit).toMatchObject({ signal: 'SIGKILL', requestedStop: true });
      expect(exit!.frames).toBe(frames.length);
      expect(exit!.stderrTail).toContain('ignoring SIGTERM');
      expect(isDead(pid)).toBe(true);
    } finally {
      decoder.killNow();
    }
  });

  it('kills ffmpeg children when the agent process exits', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', EXIT_CHILD, videoPath('residential_street_ahmetozlu.mp4')], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    try {
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(err).toBe('');
      expect(code).toBe(0);
      const m = /PID (\d+) FRAME 160x88/.exec(out);
      expect(m, out).not.toBeNull();
      const pid = Number(m![1]);
      const deadline = Date.now() + 2_000;
      while (!isDead(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(isDead(pid)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
