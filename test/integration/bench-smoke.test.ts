/**
 * `npm run bench -- --smoke` runs end to end and prints the documented JSON. Shape and sanity only:
 * speed targets are read from the full benchmark's report, never asserted here (noisy shared machines).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/data.js';

describe('benchmark smoke', () => {
  it('prints ratio, capacity and motion gating as JSON', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'scripts', 'bench', 'run.ts'), '--smoke'], {
      cwd: PROJECT_ROOT,
      maxBuffer: 10 * 1024 * 1024,
      timeout: 170_000,
    });
    const r = JSON.parse(stdout) as {
      schema: string;
      mode: string;
      ratio: number;
      raw: { rawFps: number; agentFps: number; threads: number };
      capacity: { maxCameras: number; steps: Array<{ cameras: number; pass: boolean; p95LatencyMs: number; agentRssMb: number }> };
      motionGating: Array<{ video: string; framesAnalysed: number; inferencesRun: number; inferenceShare: number }>;
    };
    expect(r).toMatchObject({ schema: 'camwatch.bench/1', mode: 'smoke' });
    expect(r.ratio).toBeGreaterThan(0);
    expect(r.ratio).toBeCloseTo(r.raw.agentFps / r.raw.rawFps, 2);
    expect(r.raw.threads).toBeGreaterThanOrEqual(1);
    expect(r.capacity.steps[0]).toMatchObject({ cameras: 1 });
    expect(r.capacity.steps[0]!.agentRssMb).toBeGreaterThan(0);
    expect(r.motionGating.map((m) => m.video)).toHaveLength(4);
    for (const m of r.motionGating) {
      expect(m.framesAnalysed).toBeGreaterThan(0);
      expect(m.inferencesRun).toBeLessThanOrEqual(m.framesAnalysed);
    }
    // The still scene is where the gate must save work: the detector skips most of its frames.
    const still = r.motionGating.find((m) => m.video.startsWith('still scene'))!;
    expect(still.inferencesRun).toBeLessThan(still.framesAnalysed);
  }, 180_000);
});
