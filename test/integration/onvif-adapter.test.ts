import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connectOnvif } from '../../agent/cameras/onvif/adapter.js';
import { isCamwatchError, type ErrorCode } from '../../agent/core/errors.js';
import { EMULATOR_PASSWORD, EMULATOR_USERNAME, startOnvifEmulator, type OnvifEmulator, type OnvifEmulatorOptions } from '../helpers/onvif-emulator.js';

let emulators: OnvifEmulator[] = [];
afterEach(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  emulators = [];
});

async function emulator(options: OnvifEmulatorOptions = {}): Promise<OnvifEmulator> {
  const e = await startOnvifEmulator(options);
  emulators.push(e);
  return e;
}

const credentials = { username: EMULATOR_USERNAME, password: EMULATOR_PASSWORD };

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    expect(isCamwatchError(err) ? err.code : err).toBe(code);
    return err as Error;
  }
  return expect.unreachable(`expected ${code}`);
}

/** A request signed the way the onvif package does it, with a chosen Created time. */
function signedRequest(created: Date, password: string, nonce = randomBytes(16)): string {
  const createdText = created.toISOString();
  const digest = createHash('sha1').update(Buffer.concat([nonce, Buffer.from(createdText), Buffer.from(password)])).digest('base64');
  return (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><Security s:mustUnderstand="1" xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">' +
    `<UsernameToken><Username>${EMULATOR_USERNAME}</Username><Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">${digest}</Password>` +
    `<Nonce>${nonce.toString('base64')}</Nonce><Created>${createdText}</Created></UsernameToken></Security></s:Header>` +
    '<s:Body><GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>'
  );
}

describe('the emulator checks WS-Security like a strict camera', () => {
  it('accepts a correct digest, refuses a replayed nonce, a wrong password and a timestamp off its own clock', async () => {
    const cam = await emulator({ clockOffsetMs: 3_600_000 });
    const post = async (body: string) => (await fetch(cam.xaddr, { method: 'POST', body, headers: { 'Content-Type': 'application/soap+xml' } })).status;
    const nonce = randomBytes(16);
    const deviceNow = new Date(Date.now() + 3_600_000);
    expect(await post(signedRequest(deviceNow, EMULATOR_PASSWORD, nonce))).toBe(200);
    expect(await post(signedRequest(deviceNow, EMULATOR_PASSWORD, nonce))).toBe(400);
    expect(await post(signedRequest(deviceNow, 'not-the-password'))).toBe(400);
    // Our real clock is an hour behind the camera's: without compensation, this is what a client would send.
    expect(await post(signedRequest(new Date(), EMULATOR_PASSWORD))).toBe(400);
  });
});

describe('connectOnvif against the emulator', () => {
  it('reads everything with WS-Security: info as strings, capabilities, profiles, RTSP-over-TCP and snapshot URIs', async () => {
    const cam = await emulator();
    const report = await connectOnvif({ address: cam.address, ...credentials, timeoutMs: 2000 });
    expect(report.xaddr).toBe(cam.xaddr);
    expect(report.authMode).toBe('ws-security');
    // The onvif package would have given 2.4 and 12345678901234567 (a float, digits lost).
    expect(report.info).toEqual({ manufacturer: 'ACME Vision', model: 'AV-2040-IR', firmwareVersion: '2.40', serialNumber: '0012345678901234567', hardwareId: '88' });
    expect(report.capabilities).toEqual({ media: true, media2: false, ptz: false, events: true, imaging: true, rtpRtspTcp: true });
    expect(report.profiles.map((p) => [p.token, p.encoding, p.width, p.height, p.fps, p.bitrateKbps])).toEqual([
      ['Profile_1', 'H264', 1920, 1080, 25, 4096],
      ['Profile_2', 'H264', 640, 360, 15, 512],
      ['Profile_3', 'H264', 320, 180, 10, 256],
    ]);
    expect(report.profiles[1]?.streamUri).toBe('rtsp://127.0.0.1:8554/Streaming/Channels/102?transportmode=unicast&profile=Profile_2');
    expect(report.profiles[1]?.snapshotUri).toBe(`http://127.0.0.1:${cam.port}/onvif/snapshot?channel=1&profile=Profile_2`);
    expect(Math.abs(report.clockSkewMs)).toBeLessThan(1500);

    const streamRequests = cam.requests.filter((r) => r.action === 'GetStreamUri');
    expect(streamRequests.map((r) => [r.profileToken, r.protocol])).toEqual([
      ['Profile_1', 'RTSP'],
      ['Profile_2', 'RTSP'],
      ['Profile_3', 'RTSP'],
    ]);
    // Only the clock is asked without credentials; everything else carried a valid UsernameToken.
    expect(cam.requests.filter((r) => r.auth !== 'ws-security').map((r) => r.action)).toEqual(['GetSystemDateAndTime']);
  });

  it('authenticates with HTTP digest when the device demands it', async () => {
    const cam = await emulator({ auth: 'digest' });
    const report = await connectOnvif({ address: cam.address, ...credentials, timeoutMs: 2000 });
    expect(report.authMode).toBe('digest');
    expect(report.profiles.filter((p) => p.streamUri)).toHaveLength(3);
    expect(cam.requests.some((r) => r.action === 'GetProfiles' && r.auth === 'digest')).toBe(true);
  });

  it('falls back to digest alone for firmware that faults on any UsernameToken', async () => {
    const cam = await emulator({ auth: 'digest', rejectWsSecurity: true });
    const report = await connectOnvif({ address: cam.address, ...credentials, timeoutMs: 2000 });
    expect(report.authMode).toBe('digest');
    expect(cam.requests.some((r) => r.auth === 'rejected')).toBe(true);
    expect(cam.requests.filter((r) => r.action === 'GetProfiles').at(-1)?.auth).toBe('digest');
  });

  it.each([
    ['a SOAP NotAuthorized fault (400)', { authFailure: 'soap-fault' }],
    ['a bare HTTP 401', { authFailure: 'http-401' }],
    ['an HTML 401 page', { authFailure: 'html-401' }],
    ['a digest challenge', { auth: 'digest' }],
  ] as const)('wrong password answered with %s → ONVIF_AUTH, password not in the error', async (_label, options) => {
    const cam = await emulator(options);
    const err = await expectCode(connectOnvif({ address: cam.address, username: EMULATOR_USERNAME, password: 'wrong-Pa55word', timeoutMs: 2000 }), 'ONVIF_AUTH');
    expect(err.message).not.toContain('wrong-Pa55word');
    expect(JSON.stringify((err as { details?: unknown }).details)).not.toContain('wrong-Pa55word');
  });

  it('no credentials for a device that needs them → ONVIF_AUTH', async () => {
    const cam = await emulator();
    await expectCode(connectOnvif({ address: cam.address, timeoutMs: 2000 }), 'ONVIF_AUTH');
  });

  it('works with the camera clock an hour ahead (WS-Security compensated) and reports the skew', async () => {
    const cam = await emulator({ clockOffsetMs: 3_600_000 });
    const report = await connectOnvif({ address: cam.address, ...credentials, timeoutMs: 2000 });
    expect(report.authMode).toBe('ws-security');
    expect(Math.abs(report.clockSkewMs - 3_600_000)).toBeLessThan(1500);
    expect(Math.abs(report.deviceTime.getTime() - (Date.now() + 3_600_000))).toBeLessThan(5000);
    expect(cam.requests.filter((r) => r.auth === 'rejected')).toEqual([]);
  });

  it('works with the camera clock an hour behind', async () => {
    const cam = await emulator({ clockOffsetMs: -3_600_000 });
    const report = await connectOnvif({ address: cam.address, ...credentials, timeoutMs: 2000 });
    expect(Math.abs(report.clockSkewMs + 3_600_000)).toBeLessThan(1500);
  });

  it.each([
    ['GetProfiles', 'truncated'],
    ['GetDeviceInformation', 'not-xml'],
    ['GetProfiles', 'entity-bomb'],
    ['GetSystemDateAndTime', 'wrong-shape'],
    ['GetStreamUri', 'truncated'],
  ] as const)('%s answered with %s XML → ONVIF_BAD_RESPONSE', async (action, kind) => {
    const cam = await emulator({ malformed: { [action]: kind } });
    const err = await expectCode(connectOnvif({ address: cam.address, ...credentials, timeoutMs: 2000 }), 'ONVIF_BAD_RESPONSE');
    expect(err.message).toContain(action);
  });

  it('a response over the size cap is cut off → ONVIF_BAD_RESPONSE', async () => {
    const cam = await emulator({ malformed: { GetProfiles: 'huge' } });
    const err = await expectCode(connectOnvif({ address: cam.address, ...credentials, timeoutMs: 2000, maxResponseBytes: 64 * 1024 }), 'ONVIF_BAD_RESPONSE');
    expect(err.message).toMatch(/GetProfiles: response larger than 65536 bytes/);
  });

  it('a device that never answers → ONVIF_UNREACHABLE within the timeout, and its socket is freed', async () => {
    const cam = await emulator({ hang: true });
    const started = Date.now();
    await expectCode(connectOnvif({ address: cam.address, ...credentials, timeoutMs: 400 }), 'ONVIF_UNREACHABLE');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(elapsed).toBeLessThan(2000); // generous: 2 shared cores
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cam.openConnections()).toBe(0);
  });

  it('a device that hangs mid-way (GetProfiles) → ONVIF_UNREACHABLE naming the step', async () => {
    const cam = await emulator({ hang: ['GetProfiles'] });
    const err = await expectCode(connectOnvif({ address: cam.address, ...credentials, timeoutMs: 400 }), 'ONVIF_UNREACHABLE');
    expect(err.message).toContain('GetProfiles');
  });

  it('nothing listening → ONVIF_UNREACHABLE', async () => {
    const cam = await emulator();
    const address = cam.address;
    await cam.close();
    emulators = [];
    await expectCode(connectOnvif({ address, ...credentials, timeoutMs: 1000 }), 'ONVIF_UNREACHABLE');
  });

  it('uses Media2 when advertised (H.265 profiles), and accepts the device service URL as address', async () => {
    const cam = await emulator({
      media2: true,
      profiles: [
        { token: 'main', name: 'main', encoding: 'H265', width: 2560, height: 1440, fps: 20, bitrateKbps: 6144, streamPath: '/main' },
        { token: 'sub', name: 'sub', encoding: 'H265', width: 704, height: 576, fps: 12, bitrateKbps: 768, streamPath: '/sub265' },
        { token: 'sub264', name: 'sub264', encoding: 'H264', width: 704, height: 576, fps: 12, bitrateKbps: 768, streamPath: '/sub264' },
      ],
    });
    const report = await connectOnvif({ address: cam.xaddr, ...credentials, timeoutMs: 2000 });
    expect(report.capabilities.media2).toBe(true);
    expect(report.profiles.map((p) => [p.token, p.encoding, p.fps])).toEqual([
      ['main', 'H265', 20],
      ['sub', 'H265', 12],
      ['sub264', 'H264', 12],
    ]);
    expect(cam.requests.filter((r) => r.action === 'GetProfiles').map((r) => r.path)).toEqual(['/onvif/media2_service']);
    expect(cam.requests.filter((r) => r.action === 'GetStreamUri').every((r) => r.path === '/onvif/media2_service' && r.protocol === 'RTSP')).toBe(true);
  });

  it('strips credentials that firmware puts into returned URIs', async () => {
    const cam = await emulator({ credentialsInUris: true });
    const report = await connectOnvif({ address: cam.address, ...credentials, timeoutMs: 2000 });
    for (const p of report.profiles) {
      expect(p.streamUri).not.toContain(EMULATOR_PASSWORD);
      expect(p.streamUri).not.toContain('@');
      expect(p.snapshotUri).not.toContain(EMULATOR_PASSWORD);
    }
  });
});
