import { describe, expect, it } from 'vitest';
import { sourceSchema } from '../../../agent/config/schema.js';
import { buildFfmpegArgs, buildSourceUrl, type FfmpegArgsOptions } from '../../../agent/frames/ffmpeg-args.js';

const V5 = { major: 5, minor: 1, raw: '5.1.9-0+deb12u1' };
const V4 = { major: 4, minor: 4, raw: '4.4.2' };

function args(source: unknown, extra: Partial<FfmpegArgsOptions> = {}) {
  return buildFfmpegArgs({ source: sourceSchema.parse(source), fps: 5, width: 640, version: V5, ...extra });
}

/** The value following `flag`, or undefined. */
function valueOf(list: string[], flag: string): string | undefined {
  const i = list.indexOf(flag);
  return i < 0 ? undefined : list[i + 1];
}

describe('buildFfmpegArgs', () => {
  it('plays a file source at real-time rate, looped, with no network options', () => {
    const a = args({ file: 'clips/street.mp4' }, { filePath: '/cfg/clips/street.mp4' });
    expect(a.input).toBe('/cfg/clips/street.mp4');
    expect(a.inputOptions).toContain('-re');
    expect(valueOf(a.inputOptions, '-stream_loop')).toBe('-1');
    expect(a.inputOptions).not.toContain('-rtsp_transport');
    expect(a.inputOptions).not.toContain('-timeout');
  });

  it('does not loop a file source with loop: false', () => {
    const a = args({ file: 'a.mp4', loop: false });
    expect(a.inputOptions).toContain('-re');
    expect(a.inputOptions).not.toContain('-stream_loop');
  });

  it('replays a file faster with speed > 1, and as fast as decoding allows with speed 0', () => {
    const fast = args({ file: 'a.mp4', speed: 4 });
    expect(valueOf(fast.inputOptions, '-readrate')).toBe('4');
    expect(fast.inputOptions).not.toContain('-re');
    const max = args({ file: 'a.mp4', speed: 0 });
    expect(max.inputOptions).not.toContain('-re');
    expect(max.inputOptions).not.toContain('-readrate');
  });

  it('asks for RGB24 raw frames at the analysis fps and width, without audio', () => {
    const a = args({ url: 'rtsp://10.0.0.5/live' }, { fps: 2.5, width: 416 });
    expect(valueOf(a.outputOptions, '-vf')).toBe('fps=2.5,scale=416:-2');
    expect(valueOf(a.outputOptions, '-pix_fmt')).toBe('rgb24');
    expect(valueOf(a.outputOptions, '-f')).toBe('rawvideo');
    expect(a.outputOptions).toContain('-an');
    expect(valueOf(a.outputOptions, '-fps_mode')).toBe('passthrough');
  });

  it('gives ffmpeg a camera on stdin (ffconcat), never in its arguments, with the RTSP options in the script', () => {
    const a = args({ url: 'rtsp://10.0.0.5/live', username: 'admin' }, { socketTimeoutMs: 3000, password: 'S3cret' });
    expect(a.input).toBe('pipe:0');
    expect(valueOf(a.inputOptions, '-f')).toBe('concat');
    expect(valueOf(a.inputOptions, '-safe')).toBe('0');
    expect(valueOf(a.inputOptions, '-protocol_whitelist')).toBe('pipe,tcp,udp,rtp,tls');
    expect(a.inputOptions).toContain('-nofind_stream_info');
    // Given on the command line these would reach the concat demuxer, which refuses them.
    expect(a.inputOptions).not.toContain('-rtsp_transport');
    expect(a.inputOptions).not.toContain('-timeout');
    expect(a.stdin).toBe("ffconcat version 1.0\nfile 'rtsp://admin:S3cret@10.0.0.5/live'\noption rtsp_transport 'tcp'\noption timeout '3000000'\n");
    expect([...a.inputOptions, a.input, ...a.outputOptions].join(' ')).not.toContain('S3cret');
    expect(a.credentialsInArgs).toBe(false);
    expect(a.label).toBe('rtsp://admin:***@10.0.0.5/live');
  });

  it('uses UDP when configured, accepting RTP only from the camera (rtsp_flags filter_src)', () => {
    const udp = args({ url: 'rtsp://10.0.0.5/live', transport: 'udp' });
    expect(udp.stdin).toContain("option rtsp_transport 'udp'\n");
    expect(udp.stdin).toContain("option rtsp_flags 'filter_src'\n");
    expect(args({ url: 'rtsp://10.0.0.5/live' }).stdin).not.toContain('filter_src');
    // ffmpeg 4.x: no ffconcat options, so on the command line (with the same filter).
    const old = args({ url: 'rtsp://10.0.0.5/live', transport: 'udp' }, { version: V4 });
    expect(valueOf(old.inputOptions, '-rtsp_flags')).toBe('filter_src');
  });

  it('uses -stimeout and -vsync 0 on ffmpeg 4.x, where -timeout means something else', () => {
    const a = args({ url: 'rtsp://10.0.0.5/live' }, { version: V4 });
    // ffmpeg 4.x has no ffconcat `option` directive: the URL stays an argument (and the agent warns).
    expect(a.input).toBe('rtsp://10.0.0.5/live');
    expect(a.stdin).toBeUndefined();
    expect(valueOf(a.inputOptions, '-rtsp_transport')).toBe('tcp');
    expect(valueOf(a.inputOptions, '-stimeout')).toBe('5000000');
    expect(a.inputOptions).not.toContain('-timeout');
    expect(valueOf(a.outputOptions, '-vsync')).toBe('0');
    expect(a.outputOptions).not.toContain('-fps_mode');
  });

  it.each([
    ['vaapi', ['-hwaccel', 'vaapi']],
    ['cuda', ['-hwaccel', 'cuda']],
    ['qsv', ['-hwaccel', 'qsv', '-hwaccel_output_format', 'qsv']],
    ['v4l2m2m', ['-c:v', 'h264_v4l2m2m']],
  ] as const)('adds hardware decoding options for %s before the input', (hwaccel, expected) => {
    const a = args({ url: 'rtsp://10.0.0.5/live' }, { hwaccel });
    const at = a.inputOptions.indexOf(expected[0]);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(a.inputOptions.slice(at, at + expected.length)).toEqual(expected);
  });

  it('downloads QSV surfaces before filtering, and picks the v4l2m2m decoder from the known codec', () => {
    expect(valueOf(args({ file: 'a.mp4' }, { hwaccel: 'qsv' }).outputOptions, '-vf')).toBe('hwdownload,format=nv12,fps=5,scale=640:-2');
    expect(valueOf(args({ file: 'a.mp4' }, { hwaccel: 'v4l2m2m', inputCodec: 'hevc' }).inputOptions, '-c:v')).toBe('hevc_v4l2m2m');
  });

  it('decodes in software when no hwaccel is given', () => {
    const a = args({ url: 'rtsp://10.0.0.5/live' });
    expect(a.inputOptions).not.toContain('-hwaccel');
    expect(a.inputOptions).not.toContain('-c:v');
  });

  it('limits software decoding threads and can skip non-reference frames, before the input', () => {
    const one = args({ url: 'rtsp://10.0.0.5/live' }, { decoderThreads: 1, skipNonReferenceFrames: true });
    expect(valueOf(one.inputOptions, '-threads')).toBe('1');
    expect(valueOf(one.inputOptions, '-skip_frame')).toBe('noref');
    // 0 = ffmpeg's own choice; hardware decoders ignore -threads, so it is left out for them.
    expect(args({ url: 'rtsp://10.0.0.5/live' }, { decoderThreads: 0 }).inputOptions).not.toContain('-threads');
    expect(args({ url: 'rtsp://10.0.0.5/live' }, { decoderThreads: 1, hwaccel: 'vaapi' }).inputOptions).not.toContain('-threads');
    expect(args({ url: 'rtsp://10.0.0.5/live' }, { decoderThreads: 1 }).inputOptions).not.toContain('-skip_frame');
  });

  it('fast decoding skips the deblocking filter, uses the decoder shortcuts and a fast_bilinear scale; off, none of them', () => {
    const fast = args({ url: 'rtsp://10.0.0.5/live' }, { fastDecode: true });
    expect(valueOf(fast.inputOptions, '-skip_loop_filter')).toBe('all');
    expect(valueOf(fast.inputOptions, '-flags2')).toBe('fast');
    expect(valueOf(fast.outputOptions, '-vf')).toMatch(/scale=640:-2:flags=fast_bilinear$/);
    const plain = args({ url: 'rtsp://10.0.0.5/live' });
    expect(plain.inputOptions).not.toContain('-skip_loop_filter');
    expect(plain.inputOptions).not.toContain('-flags2');
    expect(valueOf(plain.outputOptions, '-vf')).toMatch(/scale=640:-2$/);
  });

  it('inserts separately configured credentials into the URL for ffmpeg, percent-encoded', () => {
    const a = args({ url: 'rtsp://10.0.0.5:554/Streaming/Channels/101?transport=x', username: 'ad min', password: 'unused' }, { password: "p@ss:w/rd%41'" });
    expect(a.stdin).toContain("file 'rtsp://ad%20min:p%40ss%3Aw%2Frd%2541'\\''@10.0.0.5:554/Streaming/Channels/101?transport=x'\n");
  });

  it('flags the credentials as visible in the arguments only on ffmpeg 4.x with a password', () => {
    expect(args({ url: 'rtsp://u:p@10.0.0.5/live' }, { version: V4 }).credentialsInArgs).toBe(true);
    expect(args({ url: 'rtsp://10.0.0.5/live' }, { version: V4 }).credentialsInArgs).toBe(false);
    expect(args({ url: 'rtsp://u:p@10.0.0.5/live' }).credentialsInArgs).toBe(false);
  });
});

describe('buildSourceUrl', () => {
  it('keeps a URL with inline credentials and nothing configured apart', () => {
    expect(buildSourceUrl({ url: 'rtsp://admin:secret@10.0.0.5/live' })).toBe('rtsp://admin:secret@10.0.0.5/live');
  });

  it('prefers the resolved password over source.password and the inline one', () => {
    expect(buildSourceUrl({ url: 'rtsp://admin:old@10.0.0.5/live', password: 'cfg' }, 'fromfile')).toBe('rtsp://admin:fromfile@10.0.0.5/live');
    expect(buildSourceUrl({ url: 'rtsp://10.0.0.5/live', username: 'u', password: 'cfg' })).toBe('rtsp://u:cfg@10.0.0.5/live');
  });

  it('gives a username without password when only the user is configured', () => {
    expect(buildSourceUrl({ url: 'rtsp://10.0.0.5/live', username: 'viewer' })).toBe('rtsp://viewer@10.0.0.5/live');
  });

  it('keeps IPv6 hosts bracketed', () => {
    expect(buildSourceUrl({ url: 'rtsp://[fe80::1]:8554/a', username: 'u' }, 'p')).toBe('rtsp://u:p@[fe80::1]:8554/a');
  });
});
