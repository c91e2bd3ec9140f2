import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { buildCutArgs, buildProbeSizeArgs, ffprobeBeside, parseProbeSize } from '../../../agent/clips/index.js';
import { clipMaskRenderer } from '../../../agent/ops/agent-clips.js';
import { maskOverlayPng, maskOverlayRgba } from '../../../agent/privacy/index.js';

describe('clip cut arguments', () => {
  it('copies the stream when no mask is given (the default), video only, faststart', () => {
    const args = buildCutArgs('/c/a.ffconcat', '/c/a.mp4.part');
    expect(args).toEqual(['-f', 'concat', '-safe', '0', '-i', '/c/a.ffconcat', '-map', '0:v:0', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', '-y', '/c/a.mp4.part']);
  });

  it('re-encodes with the mask PNG overlaid when one is given: H.264 yuv420p, faststart, no audio', () => {
    const args = buildCutArgs('/c/a.ffconcat', '/c/a.mp4.part', '/c/a.mp4.mask.png');
    expect(args).not.toContain('copy');
    expect(args.slice(0, 8)).toEqual(['-f', 'concat', '-safe', '0', '-i', '/c/a.ffconcat', '-i', '/c/a.mp4.mask.png']);
    const filter = args[args.indexOf('-filter_complex') + 1]!;
    expect(filter).toMatch(/^\[0:v:0\]\[1:v\]overlay=0:0/);
    expect(args[args.indexOf('-map') + 1]).toBe('[v]');
    expect(args.filter((a) => a === '-map')).toHaveLength(1); // the one video output: audio dropped
    expect(args[args.indexOf('-c:v') + 1]).toBe('libx264');
    expect(args[args.indexOf('-pix_fmt') + 1]).toBe('yuv420p');
    expect(args[args.indexOf('-movflags') + 1]).toBe('+faststart');
    expect(args.at(-1)).toBe('/c/a.mp4.part');
  });

  it('finds ffprobe beside ffmpeg and reads its size answer', () => {
    expect(ffprobeBeside('ffmpeg')).toBe('ffprobe');
    expect(ffprobeBeside('/opt/ff/bin/ffmpeg')).toBe('/opt/ff/bin/ffprobe');
    expect(ffprobeBeside('/opt/ffmpeg-5/bin/ffmpeg.exe')).toBe('/opt/ffmpeg-5/bin/ffprobe.exe');
    expect(buildProbeSizeArgs('/r/seg.ts')).toContain('/r/seg.ts');
    expect(parseProbeSize('1280,720\n')).toEqual({ width: 1280, height: 720 });
    expect(parseProbeSize('')).toBeUndefined();
    expect(parseProbeSize('0,720')).toBeUndefined();
  });
});

describe('clip mask overlay', () => {
  const masks = [{ points: [[0.25, 0.25], [0.75, 0.25], [0.75, 0.5], [0.25, 0.5]] as [number, number][] }];

  it('is opaque black exactly where the mask is, at any stream size (masks are fractions)', () => {
    for (const [w, h] of [[40, 20], [1280, 720]] as const) {
      const rgba = maskOverlayRgba(masks, w, h);
      expect(rgba.length).toBe(w * h * 4);
      const alpha = (x: number, y: number) => rgba[(y * w + x) * 4 + 3];
      expect(alpha(Math.floor(w / 2), Math.floor(h * 0.375))).toBe(255);
      expect(alpha(w / 4, h / 4)).toBe(255); // the corner pixel is covered whole
      expect(alpha(w / 4 - 1, h / 4)).toBe(0);
      expect(alpha(w * 0.75, h / 4)).toBe(0); // right edge: x = 0.75w is outside the span
      expect(alpha(0, 0)).toBe(0);
      let covered = 0;
      let colour = 0;
      for (let i = 0; i < w * h; i++) {
        if (rgba[i * 4 + 3] === 255) covered++;
        colour += rgba[i * 4]! + rgba[i * 4 + 1]! + rgba[i * 4 + 2]!;
      }
      expect(covered).toBe((w / 2) * (h / 4));
      expect(colour).toBe(0); // black wherever it is opaque
    }
  });

  it('is a PNG with alpha of the asked size', async () => {
    const meta = await sharp(await maskOverlayPng(masks, 1018, 720)).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 1018, height: 720, channels: 4, hasAlpha: true });
  });

  it('is used only when clips.maskPrivacy is on and the camera has masks, and drawn once per size', async () => {
    const clips = (maskPrivacy: boolean) => ({ enabled: true, preSeconds: 10, postSeconds: 10, maxSeconds: 120, maxBitrateKbps: 8000, maskPrivacy });
    const privacy = (m: typeof masks) => ({ masks: m, blurFaces: false, blurPlates: false }) as never;
    expect(clipMaskRenderer({ clips: clips(false), privacy: privacy(masks) })).toBeUndefined();
    expect(clipMaskRenderer({ clips: clips(true), privacy: privacy([]) })).toBeUndefined();
    const render = clipMaskRenderer({ clips: clips(true), privacy: privacy(masks) })!;
    const a = await render(64, 36);
    expect(await render(64, 36)).toBe(a);
    expect(await render(128, 72)).not.toBe(a);
  });
});
