import { describe, expect, it } from 'vitest';
import { parseFfmpegVersion } from '../../../agent/frames/ffmpeg-run.js';
import { StreamInfoParser } from '../../../agent/frames/stream-info.js';

// ffmpeg 5.1 stderr for vn_saigon_intersection.mp4 → -vf fps=5,scale=640:-2 -pix_fmt rgb24 -f rawvideo.
const HEADER = [
  "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from '/data/video/vn_saigon_intersection.mp4':",
  '  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuvj420p(pc, bt709, progressive), 1018x720, 2021 kb/s, 19.97 fps, 30 tbr, 600 tbn (default)',
  '  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 2 kb/s (default)',
  'Stream mapping:',
  '  Stream #0:0 -> #0:0 (h264 (native) -> rawvideo (native))',
  "Output #0, rawvideo, to 'pipe:1':",
  '  Stream #0:0(und): Video: rawvideo (RGB[24] / 0x18424752), rgb24(pc, gbr/bt709/bt709, progressive), 640x452, q=2-31, 34713 kb/s, 5 fps, 5 tbn (default)',
];

describe('StreamInfoParser', () => {
  it('reads the source codec and size from the input section and the frame size from the output section', () => {
    const parser = new StreamInfoParser();
    const updates = HEADER.map((line) => parser.accept(line)).filter(Boolean);
    expect(updates).toEqual([
      { codec: 'h264', sourceWidth: 1018, sourceHeight: 720, sourceFps: 19.97 },
      { width: 640, height: 452 },
    ]);
    expect(parser.current()).toEqual({ codec: 'h264', sourceWidth: 1018, sourceHeight: 720, sourceFps: 19.97, width: 640, height: 452 });
  });

  it('reads sizes followed by an aspect ratio, and HEVC streams', () => {
    const parser = new StreamInfoParser();
    parser.accept("Input #0, rtsp, from 'rtsp://u:***@127.0.0.1:8554/cam':");
    parser.accept('  Stream #0:0: Video: hevc (Main), yuv420p(tv, progressive), 640x352 [SAR 1:1 DAR 20:11], 24 fps, 24 tbr, 90k tbn');
    expect(parser.current()).toEqual({ codec: 'hevc', sourceWidth: 640, sourceHeight: 352, sourceFps: 24 });
  });

  it('reads tiny sizes but never a codec tag like 0x18424752', () => {
    const parser = new StreamInfoParser();
    parser.accept("Output #0, rawvideo, to 'pipe:1':");
    expect(parser.accept('  Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24, 16x8, q=2-31, 10 fps')).toEqual({ width: 16, height: 8 });
  });

  it("reads the stream's rate from its fps, else its tbr, and never from the output's", () => {
    const withTbrOnly = new StreamInfoParser();
    withTbrOnly.accept("Input #0, rtsp, from 'rtsp://127.0.0.1:8554/cam':");
    withTbrOnly.accept('  Stream #0:0: Video: h264 (Main), yuv420p(progressive), 1920x1080, 25 tbr, 90k tbn');
    expect(withTbrOnly.current().sourceFps).toBe(25);
    const none = new StreamInfoParser();
    none.accept("Input #0, rtsp, from 'rtsp://127.0.0.1:8554/cam':");
    none.accept('  Stream #0:0: Video: h264 (Main), yuv420p(progressive), 1920x1080, 90k tbn');
    none.accept("Output #0, rawvideo, to 'pipe:1':");
    none.accept('  Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24, 640x360, q=2-31, 5 fps, 5 tbn');
    expect(none.current()).toEqual({ codec: 'h264', sourceWidth: 1920, sourceHeight: 1080, width: 640, height: 360 });
  });

  it('does not take a stream line for the output before the Output header', () => {
    const parser = new StreamInfoParser();
    expect(parser.accept('  Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24, 640x360')).toBeUndefined();
    expect(parser.current().width).toBeUndefined();
  });
});

describe('parseFfmpegVersion', () => {
  it.each([
    ['ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers', 5, 1],
    ['ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright (c) 2000-2021', 4, 4],
    ['ffmpeg version n6.1.1 Copyright (c) 2000-2023', 6, 1],
    ['ffmpeg version N-112345-g0123abcd Copyright (c) 2000-2024', 99, 0],
  ])('%s', (text, major, minor) => {
    expect(parseFfmpegVersion(text)).toMatchObject({ major, minor });
  });
});
