import { describe, expect, it } from 'vitest';
import { classifyStderr, classifyStderrLine } from '../../../agent/frames/stderr-classifier.js';

// Lines as ffmpeg 5.1 printed them against scripts/rtsp-server.py and unreachable hosts (addresses kept).
const REAL = {
  describe401: '[rtsp @ 0x562aa4aed980] method DESCRIBE failed: 401 Unauthorized',
  returned401: 'rtsp://admin:bad@127.0.0.1:18554/b: Server returned 401 Unauthorized (authorization failed)',
  describe404: '[rtsp @ 0x5633f83f9980] method DESCRIBE failed: 404 Not Found',
  returned404: 'rtsp://admin:s3cret@127.0.0.1:18554/nope: Server returned 404 Not Found',
  refusedTcp: '[tcp @ 0x55599f93d880] Connection to tcp://127.0.0.1:18554?timeout=5000000 failed: Connection refused',
  refused: 'rtsp://admin:s3cret@127.0.0.1:18554/b: Connection refused',
  timedOut: '[tcp @ 0x55d0c1e0e840] Connection to tcp://10.0.0.9:554?timeout=5000000 failed: Connection timed out',
  noRoute: '[tcp @ 0x55d0c1e0e840] Connection to tcp://10.0.0.9:554?timeout=5000000 failed: No route to host',
  dns: '[tcp @ 0x55b635afd840] Failed to resolve hostname nonexistent.invalid: Name or service not known',
  ioError: 'rtsp://nonexistent.invalid/x: Input/output error',
  invalidData: 'rtsp://10.255.255.1:554/x: Invalid data found when processing input',
  decoderMissing5: 'Decoder (codec hevc) not found for input stream #0:0',
  decoderMissing6: 'Decoding requested, but no decoder found for: hevc',
  vaapi1: 'Device creation failed: -542398533.',
  vaapi2: '[h264 @ 0x55f0ec9f5d40] No device available for decoder: device type vaapi needed for codec h264.',
  vaapi3: 'Device setup failed for decoder on input stream #0:0 : Generic error in an external library',
  cuda: '[AVHWDeviceContext @ 0x55e3dfefc3c0] Cannot load libcuda.so.1',
  v4l2: '[h264_v4l2m2m @ 0x55698aa68d40] Could not find a valid device',
  v4l2Open: 'Error while opening decoder for input stream #0:0 : Invalid argument',
  info: '  Stream #0:0: Video: h264 (High), yuvj420p(pc, bt709, progressive), 1018x720, 19.97 fps, 20 tbr, 90k tbn',
  mapping: '  Stream #0:0 -> #0:0 (h264 (native) -> rawvideo (native))',
};

describe('classifyStderrLine', () => {
  it.each([REAL.describe401, REAL.returned401])('401 → CAMERA_UNAUTHORIZED: %s', (line) => {
    const c = classifyStderrLine(line);
    expect(c?.code).toBe('CAMERA_UNAUTHORIZED');
    expect(c?.message).toContain('401 Unauthorized');
  });

  it('403 Forbidden also means the credentials', () => {
    expect(classifyStderrLine('[rtsp @ 0x1] method DESCRIBE failed: 403 Forbidden')?.code).toBe('CAMERA_UNAUTHORIZED');
  });

  it.each([REAL.describe404, REAL.returned404])('404 → CAMERA_NOT_FOUND: %s', (line) => {
    expect(classifyStderrLine(line)?.code).toBe('CAMERA_NOT_FOUND');
  });

  it.each([
    [REAL.refusedTcp, 'connection refused'],
    [REAL.refused, 'connection refused'],
    [REAL.timedOut, 'connection timed out'],
    [REAL.noRoute, 'no route to host'],
    [REAL.dns, 'camera host name does not resolve'],
  ])('network failures → CAMERA_UNREACHABLE: %s', (line, message) => {
    const c = classifyStderrLine(line);
    expect(c?.code).toBe('CAMERA_UNREACHABLE');
    expect(c?.message).toBe(message);
  });

  it.each([
    [REAL.decoderMissing5, 'no decoder for codec hevc'],
    [REAL.decoderMissing6, 'no decoder for codec hevc'],
    ["Unknown decoder 'h266'", 'no decoder for codec h266'],
  ])('missing decoders → CAMERA_CODEC: %s', (line, message) => {
    const c = classifyStderrLine(line);
    expect(c?.code).toBe('CAMERA_CODEC');
    expect(c?.message).toBe(message);
  });

  it.each([REAL.vaapi1, REAL.vaapi2, REAL.vaapi3, REAL.cuda, REAL.v4l2])('hardware decoder failures are their own kind: %s', (line) => {
    const c = classifyStderrLine(line);
    expect(c?.kind).toBe('hwaccel');
    expect(c?.code).toBeUndefined();
  });

  it('gives other RTSP answers a message without a code', () => {
    const c = classifyStderrLine('[rtsp @ 0x1] method SETUP failed: 503 Service Unavailable');
    expect(c).toEqual({ kind: 'rtsp_status', message: 'camera answered 503 Service Unavailable' });
    expect(classifyStderrLine('[rtsp @ 0x1] method SETUP failed: 461 Unsupported transport')?.kind).toBe('transport');
  });

  it('ignores informational lines', () => {
    expect(classifyStderrLine(REAL.info)).toBeUndefined();
    expect(classifyStderrLine(REAL.mapping)).toBeUndefined();
    expect(classifyStderrLine(REAL.v4l2Open)).toBeUndefined();
  });

  it('never repeats the line (URLs with credentials) in its message', () => {
    for (const line of Object.values(REAL)) {
      const c = classifyStderrLine(line);
      if (c) {
        expect(c.message).not.toMatch(/rtsp:\/\/|s3cret|bad@|0x[0-9a-f]{6}/);
      }
    }
  });
});

describe('classifyStderr', () => {
  it('reports the first line with a code, not a later rewording', () => {
    const c = classifyStderr([REAL.info, REAL.refusedTcp, REAL.refused, REAL.ioError]);
    expect(c?.code).toBe('CAMERA_UNREACHABLE');
    expect(c?.message).toBe('connection refused');
  });

  it('falls back to the last classified line without a code', () => {
    expect(classifyStderr([REAL.info, REAL.invalidData])?.kind).toBe('invalid_data');
    expect(classifyStderr([REAL.info])).toBeUndefined();
  });
});
