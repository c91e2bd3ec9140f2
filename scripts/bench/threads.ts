/**
 * ONNX intra-op threads: YOLOX-nano back to back at 1 and 2 threads, alone and with real-time 720p
 * decoders running beside it (the agent's situation: ffmpeg takes CPU the model would like to use).
 * Per setting: wall ms per inference and CPU ms per inference of this process. On a 2-core box the
 * question is whether a second thread buys latency worth the CPU it takes from the decoders.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createDetector } from '../../agent/detection/index.js';
import type { RgbImage } from '../../agent/detection/types.js';
import { DATA_DIR, dataFile, progress, ROOT, sleep } from './common.js';

export interface ThreadsRun {
  threads: number;
  /** Real-time 720p decoders running beside the model. */
  decoders: number;
  msPerInference: number;
  cpuMsPerInference: number;
}

/** A decoder like the agent's (real time, 5 fps, 640 px, RGB24), its frames thrown away. */
function startDecoder(): ChildProcess {
  return spawn('ffmpeg', ['-v', 'error', '-nostdin', '-re', '-stream_loop', '-1', '-i', dataFile('video', 'vn_saigon_intersection.mp4'),
    '-an', '-vf', 'fps=5,scale=640:-2', '-pix_fmt', 'rgb24', '-f', 'rawvideo', '-y', '/dev/null'], { stdio: 'ignore' });
}

async function measure(frames: readonly RgbImage[], threads: number, decoders: number): Promise<ThreadsRun> {
  const detector = await createDetector({ manifestPath: join(ROOT, 'models', 'manifest.json'), modelsDir: join(DATA_DIR, 'models'), modelName: 'yolox_nano_416', threads });
  const children = Array.from({ length: decoders }, startDecoder);
  try {
    if (decoders) await sleep(1_000); // decoders past their start-up burst
    for (const f of frames.slice(0, 3)) await detector.detect(f);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const f of frames) await detector.detect(f);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return {
      threads,
      decoders,
      msPerInference: round(wallMs / frames.length),
      cpuMsPerInference: round((cpu.user + cpu.system) / 1000 / frames.length),
    };
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await detector.close();
  }
}

export async function runThreads(options: { frames: readonly RgbImage[]; decoders: number }): Promise<ThreadsRun[]> {
  const out: ThreadsRun[] = [];
  for (const decoders of [0, options.decoders]) {
    for (const threads of [1, 2]) {
      const r = await measure(options.frames, threads, decoders);
      progress(`threads: ${threads} thread(s), ${decoders} decoder(s) beside: ${r.msPerInference} ms/inference, ${r.cpuMsPerInference} ms CPU/inference`);
      out.push(r);
    }
  }
  return out;
}

const round = (x: number) => Math.round(x * 10) / 10;
