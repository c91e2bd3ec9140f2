/**
 * Motion gating on each real clip: inferences run vs frames analysed, one camera at real time and 5 fps
 * through the real Agent. A busy intersection moves in nearly every frame; a quiet street does not.
 */
import { spawn } from 'node:child_process';
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

/**
 * A quiet scene (an empty street at night, a closed market): one real frame of the residential clip held
 * for 30 s, encoded with real H.264 noise. The busy clips move in every frame; this shows the saving.
 */
async function stillScene(dir: string): Promise<string> {
  const out = join(dir, 'still-residential.mp4');
  await new Promise<void>((resolve, reject) => {
    const ff = spawn('ffmpeg', ['-v', 'error', '-ss', '0.5', '-i', dataFile('video', 'residential_street_ahmetozlu.mp4'), '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'png', 'pipe:1']);
    const enc = spawn('ffmpeg', ['-v', 'error', '-loop', '1', '-f', 'image2pipe', '-i', 'pipe:0', '-t', '30', '-r', '20', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-y', out]);
    ff.stdout.pipe(enc.stdin);
    enc.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg could not make the still clip (exit ${code})`))));
  });
  return out;
}

export async function runMotion(options: { seconds: number }): Promise<MotionClipResult[]> {
  const out: MotionClipResult[] = [];
  const stillDir = mkdtempSync(join(tmpdir(), 'camwatch-still-'));
  const clips = [...MOTION_VIDEOS.map((v) => ({ name: v, path: dataFile('video', v) })), { name: 'still scene (residential frame held 30 s)', path: await stillScene(stillDir) }];
  for (const { name: video, path } of clips) {
    const dir = mkdtempSync(join(tmpdir(), 'camwatch-bench-'));
    const agent = new Agent({
      loaded: benchConfig(`  - id: cam\n    source: { file: ${path} }\n    analysis: { fps: 5, width: 640 }\n`, dir),
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
        // Read while running: a detection or two may be in flight, not yet counted as analysed.
        inferenceShare: p.framesAnalysed ? Math.min(1, Math.round((p.inferencesRun / p.framesAnalysed) * 100) / 100) : 0,
      };
      progress(`motion: ${video}: ${r.inferencesRun} inferences for ${r.framesAnalysed} frames (${Math.round(r.inferenceShare * 100)} %)`);
      out.push(r);
    } finally {
      await agent.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  rmSync(stillDir, { recursive: true, force: true });
  return out;
}
