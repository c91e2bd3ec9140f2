/**
 * Motion gating on each real clip: inferences run vs frames analysed, one camera at real time and 5 fps
 * through the real Agent. A busy intersection moves in nearly every frame; a quiet street does not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Agent } from '../../agent/ops/agent.js';
import { benchConfig, dataFile, progress, sleep } from './common.js';

export const MOTION_VIDEOS = ['vn_saigon_intersection.mp4', 'highway_traffic_degirum.mp4', 'residential_street_ahmetozlu.mp4'];

export interface MotionClipResult {
  video: string;
  framesAnalysed: number;
  framesWithMotion: number;
  inferencesRun: number;
  inferencesSkipped: number;
  /** inferencesRun / framesAnalysed: 1 = no saving. */
  inferenceShare: number;
}

export async function runMotion(options: { seconds: number }): Promise<MotionClipResult[]> {
  const out: MotionClipResult[] = [];
  for (const video of MOTION_VIDEOS) {
    const dir = mkdtempSync(join(tmpdir(), 'camwatch-bench-'));
    const agent = new Agent({
      loaded: benchConfig(`  - id: cam\n    source: { file: ${dataFile('video', video)} }\n    analysis: { fps: 5, width: 640 }\n`, dir),
      logger: pino({ level: 'warn' }, pino.destination(2)),
    });
    try {
      await agent.start();
      await sleep(options.seconds * 1000);
      const p = agent.status().cameras[0]!.pipeline;
      const r = {
        video,
        framesAnalysed: p.framesAnalysed,
        framesWithMotion: p.framesWithMotion,
        inferencesRun: p.inferencesRun,
        inferencesSkipped: p.inferencesSkipped,
        inferenceShare: p.framesAnalysed ? Math.round((p.inferencesRun / p.framesAnalysed) * 100) / 100 : 0,
      };
      progress(`motion: ${video}: ${r.inferencesRun} inferences for ${r.framesAnalysed} frames (${Math.round(r.inferenceShare * 100)} %)`);
      out.push(r);
    } finally {
      await agent.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}
