import { afterAll, beforeAll } from 'vitest';
import { configSchema, type CameraConfig } from '../../agent/config/schema.js';
import type { Detector } from '../../agent/detection/types.js';
import { buildRules } from '../../agent/rules/index.js';
import type { Rule, RuleHit } from '../../agent/rules/types.js';
import { createTracker, trackerOptionsFromConfig } from '../../agent/tracking/index.js';
import { detectClip, openTestDetector, runRules, type DetectedClip } from './clip-frames.js';
import { videoPath } from './data.js';

/** A real clip in a rules test file: detected once, replayed through tracker and rules by each test. */
export interface ClipScene {
  /** The clip at the analysis size, with the detector's boxes per frame (set in beforeAll). */
  readonly clip: DetectedClip;
  /**
   * Builds the camera's rules at the clip size and replays tracker (config defaults) + rules over the clip;
   * `riders: false` turns rider fusion off (riders then count as persons, as before it existed).
   */
  run(rules: unknown[], options?: Parameters<typeof runRules>[3] & { riders?: boolean }): Promise<{ hits: RuleHit[]; built: Rule[] }>;
}

/**
 * Registers the file's beforeAll/afterAll: decodes `video` (../shared/data/video) at `fps`, 640 px wide, and
 * runs the agent's YOLOX-nano on every frame, down to the score ByteTrack's second stage needs.
 */
export function useClipScene(video: string, fps: number, camera: (rules: unknown[]) => CameraConfig): ClipScene {
  const tracking = configSchema.parse({}).tracking;
  let detector: Detector | undefined;
  let clip: DetectedClip | undefined;
  beforeAll(async () => {
    detector = await openTestDetector(Math.min(0.35, tracking.lowScoreThreshold));
    clip = await detectClip(videoPath(video), { fps, width: 640 }, detector);
  });
  afterAll(async () => {
    await detector?.close();
  });
  const detected = (): DetectedClip => {
    if (clip === undefined) throw new Error(`${video} is not detected yet (use the scene inside tests)`);
    return clip;
  };
  return {
    get clip() {
      return detected();
    },
    async run(rules, options = {}) {
      const c = detected();
      const built = buildRules(camera(rules), { width: c.width, height: c.height });
      const { riders = true, ...replay } = options;
      const section = { ...tracking, riders: { ...tracking.riders, enabled: riders } };
      const { hits } = await runRules(c, createTracker(trackerOptionsFromConfig(section, detector?.model.classNames)), built, replay);
      return { hits, built };
    },
  };
}
