/**
 * Fuzz of what the agent reads from ffmpeg's stderr, where a camera's own text (RTSP reason phrases, SDP
 * metadata) ends up: the line classifier and the stream-info parser. Seeded and time-bounded. Whatever
 * the line: nothing throws, nothing hangs (no regex backtracking), messages stay short and never quote a
 * credential, sizes are sane numbers.
 */
import { describe, expect, it } from 'vitest';
import { classifyStderr, classifyStderrLine } from '../../../agent/frames/stderr-classifier.js';
import { StreamInfoParser } from '../../../agent/frames/stream-info.js';
import { ERROR_CATALOGUE } from '../../../agent/core/errors.js';
import { fuzz, type Rng } from '../../helpers/seeded-fuzz.js';

const BUDGET_MS = 1_500;
/** Per line, with slack for a loaded CI box; a backtracking regex on a 64 KB line takes seconds. */
/** Generous (a loaded CI box is 5-10x slower than an idle one), yet a quadratic regex on a 20 KB line takes seconds. */
const maxLineMs = (line: string): number => 250 + (line.length / 1024) * 20;
const KINDS = new Set(['unauthorized', 'not_found', 'unreachable', 'rtsp_status', 'transport', 'codec', 'hwaccel', 'invalid_data', 'io_error']);
const SECRET = 'Zq9SecretPw';

/** Real ffmpeg 5.1 lines from RTSP sessions, the starting points of the mutations. */
const LINES = [
  `[rtsp @ 0x5601dd5b8380] method DESCRIBE failed: 401 Unauthorized`,
  `rtsp://viewer:${SECRET}@127.0.0.1:8554/cam: Server returned 401 Unauthorized (authorization failed)`,
  `[concat @ 0x5601dd5a69c0] Impossible to open 'rtsp://viewer:${SECRET}@127.0.0.1:18554/cam'`,
  `pipe:0: Server returned 404 Not Found`,
  `[tcp @ 0x55a23e43bfc0] Connection to tcp://127.0.0.1:18555?timeout=5000000 failed: Connection refused`,
  `[rtsp @ 0x1] method SETUP failed: 461 Unsupported transport`,
  `[rtsp @ 0x1] method PLAY failed: 503 Service Unavailable`,
  `Decoder (codec hevc) not found for input stream #0:0`,
  `[AVHWDeviceContext @ 0x1] No VA display found for device /dev/dri/renderD128.`,
  `Input #0, concat, from 'pipe:0':`,
  `  Duration: N/A, start: 0.000000, bitrate: N/A`,
  `  Stream #0:0: Video: h264 (High), yuvj420p(pc, bt709, progressive), 1018x720, 30 fps, 30 tbr, 90k tbn`,
  `Output #0, rawvideo, to 'pipe:1':`,
  `  Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24(pc, gbr/bt709/bt709, progressive), 320x226, q=2-31, 8680 kb/s, 5 fps, 5 tbn`,
  `    title           : Session streamed with GStreamer`,
  `pipe:0: Invalid data found when processing input`,
  `[rtsp @ 0x1] Could not find codec parameters for stream 0 (Video: h264, none): unspecified size`,
];

const PIECES = ['failed: ', 'Server returned ', '401 ', '403 ', '404 Not Found', '461 ', '503 ', ' (', ': Video: ', 'Stream #0:0', ', 99999x99999', ', 0x0', 'Input #0, ', 'Output #0, ', '\r', '\t', '  ', "'", SECRET];

function nextLine(rng: Rng): string {
  switch (rng.int(5)) {
    case 0:
      return rng.bytes(rng.int(1_200));
    case 1: {
      // What a hostile camera can make ffmpeg print: its reason phrase, repeated patterns, long lines.
      const unit = rng.pick(['failed: 401 a', 'failed 401 a ', 'Server returned 5', 'a', ' ', 'Stream #0:0', ': Video: x', ', 1x1', 'Connection ']);
      return `${rng.pick(['', '[rtsp @ 0x1] method DESCRIBE failed: 401 ', 'Stream #0:0'])}${unit.repeat(rng.int(65_536 / unit.length))}${rng.pick(['', 'x', ' (', '\u0000'])}`;
    }
    case 2:
      return `[rtsp @ 0x1] method DESCRIBE failed: ${rng.pick(['401', '403', '500', '599'])} ${rng.text(rng.int(5_000), 'ab ')}`;
    default: {
      let line = rng.pick(LINES);
      for (let n = 1 + rng.int(4); n > 0; n--) line = rng.mutate(line, PIECES);
      return line;
    }
  }
}

describe('fuzz: ffmpeg stderr', () => {
  it('classifies any line without throwing or backtracking, in a short message that quotes no credential', () => {
    const report = fuzz(BUDGET_MS, 100_000, (rng) => {
      const line = nextLine(rng);
      const t0 = performance.now();
      const c = classifyStderrLine(line);
      expect(performance.now() - t0, `slow line ${JSON.stringify(line.slice(0, 120))} (${line.length} chars)`).toBeLessThan(maxLineMs(line));
      if (c) {
        expect(KINDS.has(c.kind), c.kind).toBe(true);
        if (c.code !== undefined) expect(Object.keys(ERROR_CATALOGUE)).toContain(c.code);
        expect(c.message.length, `${c.message} from ${JSON.stringify(line.slice(0, 120))}`).toBeLessThanOrEqual(120);
        expect(c.message).not.toContain(SECRET);
      }
      return line;
    });
    expect(report.iterations).toBeGreaterThan(50);
  });

  it('picks a run’s cause from any sequence of lines', () => {
    fuzz(BUDGET_MS / 3, 5_000, (rng) => {
      const lines = Array.from({ length: rng.int(200) }, () => nextLine(rng));
      const c = classifyStderr(lines);
      if (c) expect(c.message.length).toBeLessThanOrEqual(120);
      return lines.join('\n');
    });
  });

  it('does not take a camera’s metadata for an error (indented header lines are never classified)', () => {
    expect(classifyStderrLine('    title           : x failed: 401 Unauthorized')).toBeUndefined();
    expect(classifyStderrLine('    comment         : Connection refused')).toBeUndefined();
    expect(classifyStderrLine('[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized')?.code).toBe('CAMERA_UNAUTHORIZED');
  });

  it('quotes at most 40 characters of a camera’s reason phrase', () => {
    const c = classifyStderrLine(`[rtsp @ 0x1] method DESCRIBE failed: 401 ${'Unauthorized '.repeat(300)}`);
    expect(c?.code).toBe('CAMERA_UNAUTHORIZED');
    expect(c!.message.length).toBeLessThanOrEqual(80);
  });

  it('reads stream info from any lines: never throws, sizes are whole numbers of at most 5 digits', () => {
    const report = fuzz(BUDGET_MS, 100_000, (rng) => {
      const parser = new StreamInfoParser();
      const lines = Array.from({ length: 1 + rng.int(20) }, () => (rng.chance(0.3) ? rng.pick(LINES) : nextLine(rng)));
      const t0 = performance.now();
      for (const line of lines) parser.accept(line);
      expect(performance.now() - t0).toBeLessThan(lines.reduce((ms, l) => ms + maxLineMs(l), 0));
      const info = parser.current();
      for (const key of ['sourceWidth', 'sourceHeight', 'width', 'height'] as const) {
        const v = info[key];
        if (v !== undefined) expect(Number.isInteger(v) && v >= 0 && v <= 99_999, `${key}=${v}`).toBe(true);
      }
      // The output size sets the frame size read from stdout: never zero.
      if (info.width !== undefined) expect(info.width * (info.height ?? 0)).toBeGreaterThan(0);
      if (info.codec !== undefined) expect(info.codec).toMatch(/^\w+$/);
      return lines.join('\n');
    });
    expect(report.iterations).toBeGreaterThan(50);
  });
});
