/**
 * Whether a camera's decoder skips non-reference frames (`-skip_frame noref`), from its setting and the stream.
 *
 * `auto` skips them when the stream runs at least SKIP_NONREF_MIN_SOURCE_RATIO times the analysis rate, and while
 * the stream's rate is not known yet (the first start: ffmpeg's header tells it before the first frame, and a
 * stream too slow for it, or whose header states no rate (passed as 0), is restarted without). Why 3x: an IBBP stream keeps one frame in three, so a stream 3x
 * the analysis rate still gives the fps filter a frame for every analysed one. Measured: the decode scenario's
 * `skip_frame noref` variant decodes the B-frame clips (half to three quarters of their frames are B) with less
 * CPU, and `camwatch eval` with it on every clip gives the same incidents and counts within one vehicle
 * (docs/quality.md). A stream without non-reference frames (IP-only, the common camera GOP) loses nothing.
 */
export const SKIP_NONREF_MIN_SOURCE_RATIO = 3;

export type SkipNonReferenceSetting = boolean | 'auto';

export function skipsNonReferenceFrames(setting: SkipNonReferenceSetting, sourceFps: number | undefined, analysisFps: number): boolean {
  if (setting !== 'auto') return setting;
  return sourceFps === undefined || sourceFps >= SKIP_NONREF_MIN_SOURCE_RATIO * analysisFps;
}
