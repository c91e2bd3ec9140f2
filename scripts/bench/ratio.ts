/**
 * Raw model rate vs the agent's sustained analysis rate for one camera, measured in ONE run on the same
 * machine with the same ONNX threads, so machine noise cancels in the ratio.
 *  - raw: detector.detect() back to back on frames already decoded in memory (pre- and post-processing
 *    included: the model alone cannot run without them);
 *  - agent: the real Agent with one camera whose file source always offers a fresh frame (played faster
 *    than the model can analyse), through decode → detect → track → rules → incidents → store → uplink.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { pino } from 'pino';
import { defaultIntraOpThreads } from '../../agent/detection/session.js';
import { createDetector } from '../../agent/detection/index.js';
import { Agent } from '../../agent/ops/agent.js';
import { benchConfig, dataFile, decodeFrames, progress, ROOT, sleep, DATA_DIR } from './common.js';

export interface RatioResult {
  rawFps: number;
  agentFps: number;
  ratio: number;
  threads: number;
  /** Frames per second the source offered the agent (faster than it can analyse, by design). */
  offeredFps: number;
  framesDropped: number;
  seconds: number;
}

const VIDEO = 'vn_saigon_intersection.mp4';
const NATIVE_FPS = 20;

export async function runRatio(options: { seconds: number; rawFrames: number }): Promise<RatioResult> {
  const frames = await decodeFrames(dataFile('video', VIDEO), 640, options.rawFrames);
  const detector = await createDetector({
    manifestPath: join(ROOT, 'models', 'manifest.json'),
    modelsDir: join(DATA_DIR, 'models'),
    modelName: 'yolox_nano_416',
  });
  for (const f of frames.slice(0, 5)) await detector.detect(f); // warm-up: first runs allocate
  const t0 = performance.now();
  for (const f of frames) await detector.detect(f);
  const rawFps = frames.length / ((performance.now() - t0) / 1000);
  await detector.close();
  progress(`raw model: ${rawFps.toFixed(1)} frames/s over ${frames.length} frames`);

  // Offer ~1.5x what the model can take, so the agent is never waiting for a frame.
  const speed = Math.max(1, Math.ceil((rawFps * 1.5) / NATIVE_FPS));
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-bench-'));
  const loaded = benchConfig(
    `  - id: cam
    source: { file: ${dataFile('video', VIDEO)}, speed: ${speed} }
    analysis: { fps: ${NATIVE_FPS}, width: 640 }
    zones: [{ id: z, points: [[0.30, 0.40], [0.98, 0.40], [0.98, 0.58], [0.30, 0.58]] }]
    lines: [{ id: l, from: [0.55, 0.72], to: [1.0, 0.72] }]
    rules:
      - { id: zi, type: zone_intrusion, zone: z, classes: [person, motorcycle] }
      - { id: lc, type: line_crossing, line: l }
`,
    dir,
  );
  const agent = new Agent({ loaded, logger: pino({ level: 'warn' }, pino.destination(2)) });
  try {
    await agent.start();
    await sleep(3_000);
    const a = agent.status().cameras[0]!;
    const t1 = performance.now();
    await sleep(options.seconds * 1000);
    const b = agent.status().cameras[0]!;
    const seconds = (performance.now() - t1) / 1000;
    const agentFps = (b.framesAnalysed - a.framesAnalysed) / seconds;
    progress(`agent: ${agentFps.toFixed(1)} frames/s analysed over ${seconds.toFixed(1)} s (source offered ~${NATIVE_FPS * speed} fps)`);
    return {
      rawFps: round(rawFps),
      agentFps: round(agentFps),
      ratio: round(agentFps / rawFps, 3),
      threads: defaultIntraOpThreads(availableParallelism()),
      offeredFps: NATIVE_FPS * speed,
      framesDropped: b.framesDropped - a.framesDropped,
      seconds: round(seconds),
    };
  } finally {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
