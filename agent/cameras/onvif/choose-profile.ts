import { CamwatchError } from '../../core/index.js';
import type { OnvifProfile } from './types.js';

/**
 * Picks which of a camera's streams the agent analyses and which it keeps for evidence. Pure.
 * Analysis wants the smallest stream that still has enough pixels (decoding 4K to detect at 416 px burns
 * the CPU of an edge box); evidence wants the sharpest.
 */

/** Below 640 px wide, people at 20 m are a handful of pixels; the detector input is 416–640 px anyway. */
export const DEFAULT_MIN_ANALYSIS_WIDTH_PX = 640;

export interface ProfileChoice {
  /** Stream to decode for detection. */
  analysis: OnvifProfile;
  /** Highest-resolution stream, for evidence clips and snapshots. */
  main: OnvifProfile;
  /** True when no stream reaches the minimum width and the widest one was taken instead. */
  belowMinimum: boolean;
}

export interface ChooseProfileOptions {
  minWidthPx?: number;
}

/** H.264 decodes everywhere (and cheaper); H.265 next; MJPEG and others last. */
function codecRank(encoding: string | undefined): number {
  if (encoding === 'H264') return 0;
  if (encoding === 'H265') return 1;
  return 2;
}

const pixels = (p: OnvifProfile): number => (p.width ?? 0) * (p.height ?? 0);

/**
 * Analysis: the lowest resolution whose width is at least `minWidthPx`, H.264 before H.265 on a tie, then
 * the higher frame rate, then the device's order. Main: the highest resolution, same tie-breaks.
 * Only profiles with a stream URI count. Throws ONVIF_BAD_RESPONSE when none has one.
 */
export function chooseProfiles(profiles: readonly OnvifProfile[], options: ChooseProfileOptions = {}): ProfileChoice {
  const minWidthPx = options.minWidthPx ?? DEFAULT_MIN_ANALYSIS_WIDTH_PX;
  const streams = profiles.filter((p) => p.streamUri !== undefined);
  if (streams.length === 0) {
    throw new CamwatchError('ONVIF_BAD_RESPONSE', 'no media profile of this device has a stream URI', {
      hint: 'Check the camera\'s video encoder settings (at least one H.264/H.265 stream enabled).',
    });
  }
  // A profile that does not state its resolution is only used when nothing else is known.
  const sized = streams.filter((p) => p.width !== undefined);
  const pool = sized.length > 0 ? sized : streams;
  const tieBreak = (a: OnvifProfile, b: OnvifProfile): number =>
    codecRank(a.encoding) - codecRank(b.encoding) || (b.fps ?? 0) - (a.fps ?? 0) || pool.indexOf(a) - pool.indexOf(b);

  const largestFirst = [...pool].sort((a, b) => pixels(b) - pixels(a) || (b.width ?? 0) - (a.width ?? 0) || tieBreak(a, b));
  const main = largestFirst[0] as OnvifProfile;

  const wideEnough = pool
    .filter((p) => (p.width ?? 0) >= minWidthPx)
    .sort((a, b) => pixels(a) - pixels(b) || (a.width ?? 0) - (b.width ?? 0) || tieBreak(a, b));
  const analysis = wideEnough[0];
  if (analysis) return { analysis, main, belowMinimum: false };
  return { analysis: main, main, belowMinimum: sized.length > 0 };
}
