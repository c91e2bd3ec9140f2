import { describe, expect, it } from 'vitest';
import { chooseProfiles } from '../../../agent/cameras/onvif/choose-profile.js';
import type { OnvifProfile } from '../../../agent/cameras/onvif/types.js';
import { isCamwatchError } from '../../../agent/core/errors.js';

const p = (token: string, encoding: string, width: number, height: number, fps = 25, withUri = true): OnvifProfile => ({
  token,
  name: token,
  encoding,
  width,
  height,
  fps,
  ...(withUri ? { streamUri: `rtsp://cam/${token}` } : {}),
});

describe('chooseProfiles', () => {
  it('picks the smallest stream at least 640 wide for analysis and the largest as main', () => {
    const choice = chooseProfiles([p('main', 'H264', 1920, 1080), p('sub', 'H264', 640, 360), p('third', 'H264', 320, 180)]);
    expect(choice.analysis.token).toBe('sub');
    expect(choice.main.token).toBe('main');
    expect(choice.belowMinimum).toBe(false);
  });

  it('prefers H.264 over H.265 at equal resolution, whatever the order', () => {
    const profiles = [p('main265', 'H265', 2560, 1440), p('sub265', 'H265', 704, 576), p('sub264', 'H264', 704, 576), p('main264', 'H264', 2560, 1440)];
    const choice = chooseProfiles(profiles);
    expect(choice.analysis.token).toBe('sub264');
    expect(choice.main.token).toBe('main264');
  });

  it('takes a larger H.265 stream over a too-small H.264 one', () => {
    const choice = chooseProfiles([p('main', 'H265', 3840, 2160), p('sub', 'H265', 1280, 720), p('tiny', 'H264', 352, 288)]);
    expect(choice.analysis.token).toBe('sub');
  });

  it('honours a configured minimum width', () => {
    const profiles = [p('main', 'H264', 1920, 1080), p('hd', 'H264', 1280, 720), p('sub', 'H264', 640, 360)];
    expect(chooseProfiles(profiles, { minWidthPx: 1000 }).analysis.token).toBe('hd');
    expect(chooseProfiles(profiles, { minWidthPx: 640 }).analysis.token).toBe('sub');
  });

  it('falls back to the widest stream, flagged, when none reaches the minimum', () => {
    const choice = chooseProfiles([p('a', 'H264', 352, 288), p('b', 'H264', 480, 270)], { minWidthPx: 640 });
    expect(choice.analysis.token).toBe('b');
    expect(choice.belowMinimum).toBe(true);
  });

  it('breaks a full tie on frame rate, then on the device order', () => {
    expect(chooseProfiles([p('slow', 'H264', 640, 480, 10), p('fast', 'H264', 640, 480, 25)]).analysis.token).toBe('fast');
    expect(chooseProfiles([p('first', 'H264', 640, 480), p('second', 'H264', 640, 480)]).analysis.token).toBe('first');
  });

  it('ignores profiles without a stream URI', () => {
    const choice = chooseProfiles([p('main', 'H264', 1920, 1080, 25, false), p('sub', 'H264', 800, 600)]);
    expect(choice.main.token).toBe('sub');
    expect(choice.analysis.token).toBe('sub');
  });

  it('uses a profile of unknown resolution only when nothing else is known', () => {
    const unknown: OnvifProfile = { token: 'u', name: 'u', encoding: 'H264', streamUri: 'rtsp://cam/u' };
    expect(chooseProfiles([unknown, p('sub', 'H264', 640, 360)]).analysis.token).toBe('sub');
    const only = chooseProfiles([unknown]);
    expect(only.analysis.token).toBe('u');
    expect(only.belowMinimum).toBe(false);
  });

  it('refuses a device without any stream URI', () => {
    try {
      chooseProfiles([p('main', 'H264', 1920, 1080, 25, false)]);
      expect.unreachable();
    } catch (err) {
      expect(isCamwatchError(err, 'ONVIF_BAD_RESPONSE')).toBe(true);
    }
  });
});
