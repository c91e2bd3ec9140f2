import { describe, expect, it } from 'vitest';
import { buildCameraEntry, deriveCameraId, onboardCamera, resolveCameraId } from '../../../../agent/cli/onboard/camera-entry.js';
import type { OnvifDeviceReport, OnvifProfile } from '../../../../agent/cameras/onvif/types.js';
import { cameraSchema } from '../../../../agent/config/schema.js';
import { isCamwatchError } from '../../../../agent/core/errors.js';

const profile = (token: string, width: number, height: number, host = '10.0.0.5'): OnvifProfile => ({
  token,
  name: token,
  encoding: 'H264',
  width,
  height,
  fps: 25,
  streamUri: `rtsp://${host}:554/${token}`,
  snapshotUri: `http://${host}/snap/${token}.jpg`,
});

const report = (overrides: Partial<OnvifDeviceReport> = {}): OnvifDeviceReport => ({
  xaddr: 'http://10.0.0.5/onvif/device_service',
  info: { manufacturer: 'ACME', model: 'X1', firmwareVersion: '1.0', serialNumber: '1', hardwareId: '1' },
  capabilities: { media: true, media2: false, ptz: false, events: true, imaging: true },
  profiles: [profile('main', 2560, 1440), profile('sub', 704, 576)],
  deviceTime: new Date(),
  clockSkewMs: 120,
  authMode: 'ws-security',
  ...overrides,
});

describe('camera ids', () => {
  it('derives ids from names and addresses', () => {
    expect(deriveCameraId('North Gate #2')).toBe('north-gate-2');
    expect(deriveCameraId('Café Façade')).toBe('cafe-facade');
    expect(deriveCameraId('10.0.0.5')).toBe('cam-10-0-0-5');
    expect(deriveCameraId('10.0.0.5:8080')).toBe('cam-10-0-0-5-8080');
    expect(deriveCameraId('http://10.0.0.5/onvif/device_service')).toBe('cam-10-0-0-5');
    expect(deriveCameraId('***')).toBe('camera');
    expect(cameraSchema.shape.id.safeParse(deriveCameraId('Ünïcode ñame / with: slashes')).success).toBe(true);
  });

  it('suffixes a derived id that is taken, refuses a taken or invalid explicit one', () => {
    expect(resolveCameraId({ address: '10.0.0.5', existingIds: ['cam-10-0-0-5', 'cam-10-0-0-5-2'] })).toBe('cam-10-0-0-5-3');
    expect(() => resolveCameraId({ address: '10.0.0.5', id: 'gate', existingIds: ['gate'] })).toThrow(/already exists/);
    expect(() => resolveCameraId({ address: '10.0.0.5', id: 'gate/1' })).toThrow(/not valid/);
  });
});

describe('buildCameraEntry', () => {
  it('builds a schema-valid entry with the sub-stream as source and no password', () => {
    const r = report();
    const entry = buildCameraEntry({
      id: 'gate',
      username: 'admin',
      passwordRef: { passwordFile: 'secrets/gate.password' },
      report: r,
      choice: { analysis: r.profiles[1]!, main: r.profiles[0]!, belowMinimum: false },
    });
    expect(entry).toEqual({
      id: 'gate',
      name: 'ACME X1',
      source: { url: 'rtsp://10.0.0.5:554/sub', transport: 'tcp', username: 'admin', passwordFile: 'secrets/gate.password' },
      onvif: { xaddr: r.xaddr, mainStreamUri: 'rtsp://10.0.0.5:554/main', snapshotUri: 'http://10.0.0.5/snap/main.jpg', clockSkewMs: 120 },
    });
    expect(cameraSchema.safeParse(entry).success).toBe(true);
  });
});

describe('onboardCamera', () => {
  it('warns about a skewed clock, a too-small camera and a NATed stream address', async () => {
    const result = await onboardCamera({
      address: '203.0.113.7',
      minWidthPx: 1000,
      connect: async () => report({ clockSkewMs: -90_000, profiles: [profile('a', 640, 480, '192.168.1.64'), profile('b', 800, 600, '192.168.1.64')] }),
    });
    expect(result.entry.id).toBe('cam-203-0-113-7');
    expect(result.choice.analysis.token).toBe('b');
    expect(result.warnings).toEqual([
      expect.stringMatching(/clock is 90 s behind/),
      expect.stringMatching(/at least 1000 px.*800 px/),
      expect.stringMatching(/192\.168\.1\.64, not 203\.0\.113\.7/),
    ]);
  });

  it('passes credentials to the adapter and keeps them out of the entry', async () => {
    let seen: unknown;
    const result = await onboardCamera({
      address: '10.0.0.5',
      username: 'admin',
      password: 'Sup3r-Secret',
      passwordRef: { passwordEnv: 'CAM_PW' },
      connect: async (options) => {
        seen = options;
        return report();
      },
    });
    expect(seen).toMatchObject({ address: '10.0.0.5', username: 'admin', password: 'Sup3r-Secret' });
    expect(JSON.stringify(result.entry)).not.toContain('Sup3r-Secret');
    expect(result.entry.source).toMatchObject({ passwordEnv: 'CAM_PW' });
    expect(result.warnings).toEqual([]);
  });

  it('propagates adapter errors unchanged', async () => {
    const { CamwatchError } = await import('../../../../agent/core/errors.js');
    const failing = onboardCamera({ address: '10.0.0.5', connect: async () => Promise.reject(new CamwatchError('ONVIF_AUTH', 'no')) });
    await expect(failing).rejects.toSatisfy((err: unknown) => isCamwatchError(err, 'ONVIF_AUTH'));
  });
});
