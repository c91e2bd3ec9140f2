import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cameraSchema } from '../../../agent/config/schema.js';
import { describeExit } from '../../../agent/frames/camera-source.js';
import { createFrameSource, formatSourceError, validateSource } from '../../../agent/frames/index.js';
import { CamwatchError } from '../../../agent/core/errors.js';
import { createLogger } from '../../../agent/core/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'camwatch-frames-'));
writeFileSync(join(dir, 'clip.mp4'), 'not really a video; only its existence is checked here');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const logger = createLogger({ level: 'silent' });
const camera = (source: unknown) => cameraSchema.parse({ id: 'gate-1', source });

function thrown(fn: () => unknown): CamwatchError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CamwatchError) return err;
    throw err;
  }
  throw new Error('expected a CamwatchError');
}

describe('createFrameSource validation', () => {
  it('rejects a missing file, naming the field and the resolved path', () => {
    const err = thrown(() => createFrameSource(camera({ file: 'nope.mp4' }), { logger, baseDir: dir }));
    expect(err.code).toBe('SOURCE_INVALID');
    expect(err.message).toContain('cameras[gate-1].source.file');
    expect(err.message).toContain(join(dir, 'nope.mp4'));
  });

  it('resolves relative file paths against baseDir', () => {
    expect(validateSource(camera({ file: 'clip.mp4' }), { baseDir: dir })).toBe(join(dir, 'clip.mp4'));
    expect(() => validateSource(camera({ file: 'clip.mp4' }), { baseDir: tmpdir() })).toThrow(CamwatchError);
  });

  it.each(['http://10.0.0.5/live', '10.0.0.5/live', 'rtsp://', 'rtmp://10.0.0.5/live'])('rejects %s as not rtsp(s)://', (url) => {
    const err = thrown(() => createFrameSource(camera({ url }), { logger }));
    expect(err.code).toBe('SOURCE_INVALID');
    expect(err.message).toContain('cameras[gate-1].source.url');
  });

  it('accepts rtsp:// and rtsps:// URLs', () => {
    expect(validateSource(camera({ url: 'rtsp://10.0.0.5:554/live' }))).toBeUndefined();
    expect(validateSource(camera({ url: 'RTSPS://cam.example/live' }))).toBeUndefined();
  });

  it('does not repeat a password in the error', () => {
    const err = thrown(() => createFrameSource(camera({ url: 'http://admin:hunter2pw@10.0.0.5/live', password: 'sEcReT99' }), { logger }));
    expect(err.message).not.toContain('hunter2pw');
    expect(JSON.stringify(err.details)).not.toContain('hunter2pw');
  });

  it('throws FFMPEG_MISSING when the ffmpeg binary does not exist', () => {
    expect(thrown(() => createFrameSource(camera({ file: 'clip.mp4' }), { logger, baseDir: dir, ffmpegPath: join(dir, 'no-ffmpeg') })).code).toBe('FFMPEG_MISSING');
    expect(thrown(() => createFrameSource(camera({ file: 'clip.mp4' }), { logger, baseDir: dir, ffmpegPath: 'ffmpeg-that-is-not-on-path' })).code).toBe('FFMPEG_MISSING');
    // A file that exists but cannot be executed is just as missing.
    expect(thrown(() => createFrameSource(camera({ file: 'clip.mp4' }), { logger, baseDir: dir, ffmpegPath: join(dir, 'clip.mp4') })).code).toBe('FFMPEG_MISSING');
  });

  it('creates a source in the stopped state without starting anything', () => {
    const source = createFrameSource(camera({ file: 'clip.mp4' }), { logger, baseDir: dir });
    expect(source.cameraId).toBe('gate-1');
    expect(source.stats()).toMatchObject({ state: 'stopped', framesDecoded: 0, reconnects: 0 });
    expect(source.decoderPid).toBeUndefined();
  });
});

describe('describeExit', () => {
  const base = { code: 0, signal: null, frames: 0, requestedStop: false, stderrTail: [] };

  it('does not trust exit code 0: a stream that ended is a failure', () => {
    expect(describeExit({ ...base, frames: 42 })).toEqual({ message: 'stream ended after 42 frames (ffmpeg exited, code 0)' });
    expect(describeExit({ ...base, code: 1 })).toEqual({ message: 'ffmpeg exited before the first frame (code 1)' });
  });

  it('carries catalogue codes as a field, printed as a prefix', () => {
    const error = { kind: 'unauthorized' as const, code: 'CAMERA_UNAUTHORIZED' as const, message: 'camera rejected the credentials (401 Unauthorized)' };
    const unauthorized = describeExit({ ...base, code: 1, error });
    expect(unauthorized).toEqual({ code: 'CAMERA_UNAUTHORIZED', message: 'camera rejected the credentials (401 Unauthorized)' });
    expect(formatSourceError(unauthorized)).toBe('CAMERA_UNAUTHORIZED: camera rejected the credentials (401 Unauthorized)');
    const missing = describeExit({ ...base, code: null, spawnError: { code: 'FFMPEG_MISSING', message: 'spawn /x/ffmpeg ENOENT' } });
    expect(missing).toEqual({ code: 'FFMPEG_MISSING', message: 'ffmpeg could not be started: spawn /x/ffmpeg ENOENT' });
    expect(formatSourceError({ message: 'end of file' })).toBe('end of file');
  });
});
