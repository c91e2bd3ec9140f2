import { CamwatchError, diskFreeBytes, formatBytes } from '../core/index.js';
import { DEFAULT_RING_MARGIN_SECONDS, type CameraClipsOptions } from './options.js';
import { ringBudgetBytes } from './window.js';

/** One camera's ring budget (bytes), from its clip settings. */
export function cameraRingBudgetBytes(clips: Pick<CameraClipsOptions, 'preSeconds' | 'maxSeconds' | 'maxBitrateKbps'>): number {
  return ringBudgetBytes({ ...clips, marginSeconds: DEFAULT_RING_MARGIN_SECONDS });
}

/**
 * Checks at start-up that the rings of `cameras` fit in the free space of `dir` with `reserveBytes` to spare.
 * Throws CLIP_RING_SPACE naming each camera's budget; returns the total budget.
 */
export function checkRingSpace(cameras: ReadonlyArray<{ id: string; clips: CameraClipsOptions }>, dir: string, reserveBytes: number, freeBytes?: number): number {
  const rings = cameras.filter((c) => c.clips.enabled).map((c) => ({ id: c.id, bytes: cameraRingBudgetBytes(c.clips) }));
  const total = rings.reduce((sum, r) => sum + r.bytes, 0);
  if (total === 0) return 0;
  const free = freeBytes ?? diskFreeBytes(dir);
  if (free === undefined || total + reserveBytes <= free) return total;
  const each = rings.map((r) => `${r.id} ${formatBytes(r.bytes)}`).join(', ');
  throw new CamwatchError(
    'CLIP_RING_SPACE',
    `the clip rings need ${formatBytes(total)} (${each}) plus ${formatBytes(reserveBytes)} reserve, but ${dir} has ${formatBytes(free)} free`,
    { details: { dir, ringBytes: total, freeBytes: free, reserveBytes } },
  );
}
