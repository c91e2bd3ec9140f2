import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embeddedBrokerCheck } from '../../../agent/cli/doctor/broker-check.js';
import { loadOrCreateOperatorLogin } from '../../../agent/uplink/broker-credentials.js';
import { formatCheck } from '../../../agent/cli/commands/doctor.js';
import { judgeStream } from '../../../agent/cli/doctor/camera-check.js';
import { judgeClock, parseChronyTracking, parseTimedatectl } from '../../../agent/cli/doctor/clock-check.js';
import { judgeDecoders, parseDecoders } from '../../../agent/cli/doctor/ffmpeg-check.js';
import { DEFAULT_DISK_FAIL_BYTES, DEFAULT_DISK_WARN_BYTES, formatBytes, judgeDiskSpace } from '../../../agent/cli/doctor/store-check.js';
import { cameraSchema } from '../../../agent/config/schema.js';

const DECODERS = `Decoders:
 V..... = Video
 A..... = Audio
 .F.... = Frame-level multithreading
 ------
 V....D 012v                 Uncompressed 4:2:2 10-bit
 VFS..D h264                 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10
 VFS..D hevc                 HEVC (High Efficiency Video Coding)
 V....D h264_v4l2m2m         V4L2 mem2mem H.264 decoder wrapper (codec h264)
 A....D aac                  AAC (Advanced Audio Coding)
`;

describe('ffmpeg check', () => {
  it('reads decoder names from ffmpeg -decoders, not the legend', () => {
    const names = parseDecoders(DECODERS);
    expect([...names].sort()).toEqual(['012v', 'aac', 'h264', 'h264_v4l2m2m', 'hevc']);
  });

  it('passes with h264 and hevc, warns without hevc, fails without h264', () => {
    expect(judgeDecoders('/usr/bin/ffmpeg', '5.1.9', new Set(['h264', 'hevc'])).status).toBe('pass');
    const noHevc = judgeDecoders('/usr/bin/ffmpeg', '5.1.9', new Set(['h264']));
    expect(noHevc).toMatchObject({ status: 'warn', detail: expect.stringContaining('H.265 cameras will not decode') });
    const none = judgeDecoders('/opt/ffmpeg', 'N-1', new Set(['aac']));
    expect(none).toMatchObject({ status: 'fail', code: 'CAMERA_CODEC', detail: 'N-1 (/opt/ffmpeg) has no h264/hevc decoder' });
    expect(none.fix).toContain('apt-get install -y ffmpeg');
  });
});

describe('disk check', () => {
  it('fails under 100 MiB, warns under 1 GiB, passes above', () => {
    expect(judgeDiskSpace('/var/lib/camwatch', DEFAULT_DISK_FAIL_BYTES - 1)).toMatchObject({ status: 'fail', code: 'STORE_FULL' });
    expect(judgeDiskSpace('/var/lib/camwatch', DEFAULT_DISK_FAIL_BYTES)).toMatchObject({ status: 'warn' });
    expect(judgeDiskSpace('/var/lib/camwatch', DEFAULT_DISK_WARN_BYTES - 1).status).toBe('warn');
    expect(judgeDiskSpace('/var/lib/camwatch', DEFAULT_DISK_WARN_BYTES)).toEqual({ name: 'disk', status: 'pass', detail: '1.0 GiB free in /var/lib/camwatch' });
  });

  it('formats sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(100 * 1024 ** 2)).toBe('100.0 MiB');
  });
});

describe('clock check', () => {
  const TRACKING = `Reference ID    : C0A80101 (192.168.1.1)
Stratum         : 3
System time     : 0.000151291 seconds slow of NTP time
Leap status     : Normal
`;

  it('reads chronyc tracking and timedatectl', () => {
    expect(parseChronyTracking(TRACKING)).toEqual({ source: 'chronyc', synced: true, offsetS: -0.000151291 });
    expect(parseChronyTracking('Leap status     : Not synchronised\n')).toEqual({ source: 'chronyc', synced: false });
    expect(parseChronyTracking('506 Cannot talk to daemon\n')).toBeUndefined();
    expect(parseTimedatectl('yes\n')).toEqual({ source: 'timedatectl', synced: true });
    expect(parseTimedatectl('no\n')).toEqual({ source: 'timedatectl', synced: false });
    expect(parseTimedatectl('')).toBeUndefined();
  });

  it('passes when synchronised, warns when not, when far off, and when unknown', () => {
    expect(judgeClock({ source: 'chronyc', synced: true, offsetS: -0.00015 })).toEqual({ name: 'clock', status: 'pass', detail: 'synchronised (chronyc, offset 0 ms)' });
    expect(judgeClock({ source: 'timedatectl', synced: false }).status).toBe('warn');
    expect(judgeClock({ source: 'chronyc', synced: true, offsetS: 12.5 })).toMatchObject({ status: 'warn', detail: 'synchronising but 12.5 s off (chronyc)' });
    expect(judgeClock(undefined)).toMatchObject({ status: 'warn', detail: expect.stringContaining('unknown'), fix: expect.stringContaining('chrony') });
  });
});

describe('camera verdict', () => {
  const rtsp = cameraSchema.parse({ id: 'gate', source: { url: 'rtsp://10.0.0.5/sub' }, analysis: { fps: 5, width: 640 } });
  const file = cameraSchema.parse({ id: 'clip', source: { file: 'a.mp4' }, analysis: { fps: 5, width: 640 } });
  const ok = { codec: 'h264', width: 704, height: 576, declaredFps: 25, measuredFps: 12.5, frames: 38, seconds: 3 };

  it('passes a normal sub-stream, reporting what arrives (measured fps) for a camera and the header for a file', () => {
    expect(judgeStream(rtsp, ok)).toEqual({ name: 'camera gate', status: 'pass', detail: 'h264 704x576 @ 12.5 fps, 38 frames decoded in 3 s' });
    expect(judgeStream(file, ok).detail).toContain('@ 25 fps');
  });

  it('fails with the classified error and its catalogue fix', () => {
    const r = judgeStream(rtsp, { frames: 0, seconds: 0, error: { code: 'CAMERA_UNAUTHORIZED', message: 'camera rejected the credentials (401 Unauthorized)' } });
    expect(r).toEqual({ name: 'camera gate', status: 'fail', detail: 'camera rejected the credentials (401 Unauthorized)', fix: 'Check the camera username and password.', code: 'CAMERA_UNAUTHORIZED' });
    const unknown = judgeStream(rtsp, { frames: 0, seconds: 0, error: { message: 'ffmpeg decoded no frame' } });
    expect(unknown.fix).toContain('camwatch camera test gate');
  });

  it('warns on settings that cost CPU or accuracy', () => {
    expect(judgeStream(rtsp, { ...ok, codec: 'mjpeg' }).fix).toContain('H.264');
    expect(judgeStream(rtsp, { ...ok, width: 352, height: 288 })).toMatchObject({ status: 'warn', fix: 'Use a larger stream, or set analysis.width to 352 or less.' });
    expect(judgeStream(rtsp, { ...ok, measuredFps: 3 })).toMatchObject({ status: 'warn', fix: "Raise the camera's frame rate, or set analysis.fps to 3." });
    expect(judgeStream(rtsp, { ...ok, width: 1920, height: 1080 })).toMatchObject({ status: 'warn', fix: expect.stringContaining('sub-stream') });
    // A big video file is not a camera stream to change: no warning.
    expect(judgeStream(file, { ...ok, width: 1920, height: 1080 }).status).toBe('pass');
  });
});

describe('report line', () => {
  it('puts the fix under the detail, with the error code', () => {
    expect(formatCheck({ name: 'broker', status: 'fail', detail: 'cannot reach broker', fix: 'Check mqtt.url.', code: 'MQTT_UNREACHABLE' }, 10)).toBe(
      '  FAIL  broker      cannot reach broker\n' + '                    → MQTT_UNREACHABLE: Check mqtt.url.\n',
    );
    expect(formatCheck({ name: 'disk', status: 'pass', detail: '5 GiB free' }, 4)).toBe('  PASS  disk  5 GiB free\n');
    expect(formatCheck({ name: 'x', status: 'warn', detail: 'd', fix: 'f' }, 1, true)).toBe('  \u001b[33mWARN\u001b[0m  x  d\n' + '           → f\n');
  });
});

describe('embedded broker check', () => {
  it('passes before the first start and with a sound login file; fails on a file the agent would refuse, with the fix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camwatch-doctor-emb-'));
    try {
      const file = join(dir, 'embedded-broker-credentials.json');
      expect(embeddedBrokerCheck('127.0.0.1:1883', file)).toMatchObject({ status: 'pass', detail: expect.stringContaining("generated at the agent's first start") });
      loadOrCreateOperatorLogin(file);
      expect(embeddedBrokerCheck('127.0.0.1:1883', file)).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^embedded broker on 127\.0\.0\.1:1883, login required \(user operator, /) });
      chmodSync(file, 0o644);
      expect(embeddedBrokerCheck('127.0.0.1:1883', file)).toMatchObject({ status: 'fail', code: 'SECRET_UNREADABLE', fix: `chmod 600 ${file} (owned by the agent's user), then start the agent again.` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
