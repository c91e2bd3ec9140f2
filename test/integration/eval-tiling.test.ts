import { describe, expect, it } from 'vitest';
import type { EvalReport } from '../../agent/eval/report.js';
import { runCli } from '../helpers/cli-process.js';

/**
 * Tiled detection (camera.tiling) end to end, as `camwatch eval` runs it with the real YOLOX-nano on the
 * real Saigon clip: riders at the stop line are ~15-25 px wide at 640 px and the whole frame shrunk into
 * the 416 px input finds almost none of them; native-resolution windows over the rules' region do. The
 * hand count on the bike lane is 5 motorbikes (eval/clips/vn_saigon_intersection.yaml).
 */
const CLIP = 'eval/clips/vn_saigon_intersection.yaml';

async function motorcyclesCounted(extra: string[]): Promise<{ counted: number; expected: number; detectorRuns: number; framesAnalysed: number; inferencesRun: number }> {
  const run = await runCli(['eval', CLIP, '--json', ...extra], { timeoutMs: 180_000 });
  expect(run.code, run.stderr).toBe(0);
  const report = JSON.parse(run.stdout) as EvalReport;
  const row = report.clips[0]!.counts.find((c) => c.class === 'motorcycle' && c.direction === 'in')!;
  const { detectorRuns, framesAnalysed, inferencesRun } = report.clips[0]!;
  return { counted: row.counted, expected: row.expected as number, detectorRuns, framesAnalysed, inferencesRun };
}

describe('tiled detection on real footage (camwatch eval, vn_saigon_intersection)', () => {
  it('counts more of the hand-counted motorbikes with tiles than with the whole frame, and never more than were there', async () => {
    const whole = await motorcyclesCounted([]);
    const tiled = await motorcyclesCounted(['--set', 'camera.tiling.enabled=true']);
    expect(tiled.counted).toBeGreaterThan(whole.counted);
    expect(tiled.counted).toBeLessThanOrEqual(tiled.expected);
  }, 400_000);

  it('focused tiles (the default) count what every window counts with fewer detector runs', async () => {
    const every = await motorcyclesCounted(['--set', 'camera.tiling.enabled=true', '--set', 'camera.tiling.focus=false']);
    const focused = await motorcyclesCounted(['--set', 'camera.tiling.enabled=true']);
    // Two windows over the bike lane's region: every window is 2 runs per frame inferred (the gate skips none
    // here; coasting may spare a frame or two: motion.coastTracks).
    expect(every.detectorRuns).toBe(2 * every.inferencesRun);
    expect(every.inferencesRun).toBeGreaterThan(0.9 * every.framesAnalysed);
    expect(Math.abs(focused.counted - every.counted)).toBeLessThanOrEqual(1);
    // Measured 75 runs for 51 frames (1.47 per frame): the riders move in one window at a time.
    expect(focused.detectorRuns / focused.framesAnalysed).toBeLessThan(1.7);
  }, 400_000);
});
