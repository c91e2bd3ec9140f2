import { describe, expect, it } from 'vitest';
import { buildRingArgs, clipSource } from '../../../agent/clips/index.js';

const version = { major: 5, minor: 1, raw: '5.1.6' };

describe('buildRingArgs', () => {
  it('puts an RTSP URL and its password on stdin, never in the arguments', () => {
    const ring = buildRingArgs({ source: { url: 'rtsp://cam.local/main', transport: 'tcp', username: 'admin' }, password: 'p@ss:w0rd', version, dir: '/d', runId: 'r1', segmentSeconds: 2 });
    expect(ring.args.join(' ')).not.toContain('p@ss');
    expect(ring.args.join(' ')).not.toContain('cam.local');
    expect(ring.stdin).toContain(encodeURIComponent('p@ss:w0rd'));
    expect(ring.label).not.toContain('w0rd');
    expect(ring.credentialsInArgs).toBe(false);
  });
  it('stream-copies video into 2 s MPEG-TS segments listed on stdout', () => {
    const { args } = buildRingArgs({ source: { file: 'x.mp4', loop: true, speed: 1 }, filePath: '/v/x.mp4', version, dir: '/d', runId: 'r1', segmentSeconds: 2 });
    expect(args).toEqual(expect.arrayContaining(['-re', '-stream_loop', '-1', '-c', 'copy', '-an', '-segment_time', '2', '-reset_timestamps', '1', '-segment_list', 'pipe:1']));
    expect(args.at(-1)).toBe('/d/r1-%06d.ts');
    expect(args).not.toContain('-vf');
  });
});

describe('clipSource', () => {
  const camera = {
    id: 'c',
    source: { url: 'rtsp://cam/sub', transport: 'tcp' as const, username: 'admin' },
    analysis: { stallSeconds: 10 },
    clips: { enabled: true, preSeconds: 10, postSeconds: 10, maxSeconds: 120, maxBitrateKbps: 8000 },
  };
  it('records the analysis source when no clip source is set', () => {
    expect(clipSource(camera, { camera: 'pw' })).toEqual({ source: camera.source, password: 'pw' });
  });
  it('gives a main stream without a login of its own the camera source login', () => {
    const withMain = { ...camera, clips: { ...camera.clips, source: { url: 'rtsp://cam/main', transport: 'tcp' as const } } };
    expect(clipSource(withMain, { camera: 'pw' })).toEqual({ source: { url: 'rtsp://cam/main', transport: 'tcp', username: 'admin' }, password: 'pw' });
  });
  it('keeps a main stream login of its own', () => {
    const withMain = { ...camera, clips: { ...camera.clips, source: { url: 'rtsp://cam/main', transport: 'tcp' as const, username: 'rec' } } };
    expect(clipSource(withMain, { camera: 'pw', clips: 'other' })).toEqual({ source: withMain.clips.source, password: 'other' });
  });
});

describe('validateClipSource', async () => {
  const { validateClipSource } = await import('../../../agent/clips/index.js');
  const base = { id: 'c', source: { url: 'rtsp://cam/sub', transport: 'tcp' as const }, analysis: { stallSeconds: 10 }, clips: { enabled: true, preSeconds: 10, postSeconds: 10, maxSeconds: 120, maxBitrateKbps: 8000 } };
  it('names the clips.source field of a bad URL, without its password', () => {
    const camera = { ...base, clips: { ...base.clips, source: { url: 'http://u:Pw-123456@cam/main', transport: 'tcp' as const } } };
    expect(() => validateClipSource(camera)).toThrow(/cameras\[c\]\.clips\.source\.url: expected rtsp/);
    expect(() => validateClipSource(camera)).not.toThrow(/Pw-123456/);
  });
  it('names a missing file', () => {
    const camera = { ...base, clips: { ...base.clips, source: { file: 'no-such.mp4', loop: true, speed: 1 } } };
    expect(() => validateClipSource(camera, '/tmp')).toThrow('cameras[c].clips.source.file: no such video file: /tmp/no-such.mp4');
  });
  it('accepts the analysis source when no clip source is set', () => {
    expect(validateClipSource(base)).toBeUndefined();
  });
});
