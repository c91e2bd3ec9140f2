import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type Logger, CamwatchError, ERROR_CATALOGUE, type ErrorCode } from '../core/index.js';
import type { FromWorker, ToWorker, WireError, WorkerDetectorOptions } from './detector-worker.js';
import type { LayoutBinding } from './infer-layout.js';
import type { DetectorOptions, ModelRunStats, OnnxDetector, PreparedBatch } from './onnx-detector.js';
import { disableOrtTelemetry } from './ort-telemetry.js';
import { preprocessInto, type PreprocessSpec } from './preprocess.js';
import type { Detection, ModelInfo, RgbImage } from './types.js';

/** Returned tensor buffers kept per batch size: two runs in flight and one being returned. */
const SPARE_BUFFERS_PER_SIZE = 4;
const PINO_LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/**
 * The ONNX detector in a worker thread. onnxruntime-node's `run()` is synchronous on the calling thread
 * (backend.js wraps it in setImmediate), so on the main thread every inference (15–20 ms for YOLOX-nano)
 * blocks everything else: ffmpeg's 64 KB stdout pipes fill and the decoders stall, and the next frame
 * arrives late. Measured on the 2-core box, one camera offered 1.25x the model's rate: the agent
 * analysed 0.6x the raw model rate with the session on the main thread, idle ~7 ms per frame waiting
 * for a frame. In a worker, decoding, motion, tracking and rules overlap inference. Preprocessing (resize
 * and normalise into the input tensor, ~3.5 ms for YOLOX-nano) is done here, on the calling thread, so it
 * overlaps the worker's previous run too instead of adding to it: the worker does nothing but inference
 * and decoding of outputs. Same contract as createOnnxDetector: the session is opened once, calls are
 * serialised (inside the worker).
 */
export async function createWorkerDetector(options: DetectorOptions): Promise<OnnxDetector> {
  const { logger, ...rest } = options;
  const data: WorkerDetectorOptions = { ...rest, logLevel: logger?.level };
  // Here, not in the worker: only this thread can change the environment onnxruntime reads (see ort-telemetry.ts).
  disableOrtTelemetry();
  const worker = startWorker(data);
  const d = new WorkerDetector(worker, logger);
  await d.ready;
  return d;
}

/**
 * The worker entry beside this file: the .js in a build; the .ts source under tsx (a checkout, tests),
 * where the worker first registers tsx itself (loader hooks registered in code, as bin/camwatch.js does,
 * do not reach worker threads).
 */
function startWorker(data: WorkerDetectorOptions): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./detector-worker.js', import.meta.url), { workerData: data });
  // tsx's ESM API (its "import" build: the require one resolves its hooks module wrongly from a worker);
  // importing tsx's loader entry or passing --import in execArgv does not register hooks in a worker.
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./detector-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: data });
}

function fromWire(e: WireError): Error {
  if (e.code !== undefined && e.code in ERROR_CATALOGUE) {
    return new CamwatchError(e.code as ErrorCode, e.message, { ...(e.hint === undefined ? {} : { hint: e.hint }), ...(e.details === undefined ? {} : { details: e.details }) });
  }
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

class WorkerDetector implements OnnxDetector {
  model!: ModelInfo;
  binding!: LayoutBinding;
  maxBatch = 1;
  preprocess!: PreprocessSpec;
  readonly ready: Promise<void>;
  private counters!: ModelRunStats;
  private readonly pending = new Map<number, { resolve: (d: Detection[][]) => void; reject: (err: unknown) => void }>();
  private nextId = 1;
  private closing?: Promise<void>;
  /** Resolves when the worker said `closed` (or died). */
  private closed!: Promise<void>;
  private dead?: Error;
  /** Tensor buffers returned by the worker, by byte length. */
  private readonly spare = new Map<number, ArrayBuffer[]>();

  constructor(
    private readonly worker: Worker,
    private readonly logger: Logger | undefined,
  ) {
    this.ready = new Promise((resolveReady, rejectReady) => {
      let onClosed: (() => void) | undefined;
      this.closed = new Promise<void>((r) => (onClosed = r));
      worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'ready':
            this.model = m.model;
            this.binding = m.binding;
            this.maxBatch = m.maxBatch;
            this.preprocess = m.preprocess;
            this.counters = m.stats;
            resolveReady();
            break;
          case 'init-error':
            rejectReady(fromWire(m.error));
            void worker.terminate();
            break;
          case 'result':
            this.counters = m.stats;
            this.recycle(m.buffers);
            this.pending.get(m.id)?.resolve(m.detections);
            this.pending.delete(m.id);
            break;
          case 'error':
            this.recycle(m.buffers);
            this.pending.get(m.id)?.reject(fromWire(m.error));
            this.pending.delete(m.id);
            break;
          case 'log':
            this.relayLog(m.line);
            break;
          case 'closed':
            onClosed?.();
            break;
        }
      });
      const fail = (err: Error) => {
        this.dead ??= err;
        rejectReady(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        onClosed?.();
      };
      worker.on('error', (err) => fail(err));
      worker.on('exit', (code) => fail(new Error(`detector worker exited (code ${code})`)));
    });
  }

  detect(image: RgbImage): Promise<Detection[]> {
    return this.detectBatch([image]).then((r) => r[0]!);
  }

  async detectBatch(images: readonly RgbImage[]): Promise<Detection[][]> {
    const runs: Array<Promise<Detection[][]>> = [];
    for (let i = 0; i < images.length; i += this.maxBatch) runs.push(this.run(this.prepare(images.slice(i, i + this.maxBatch))));
    return (await Promise.all(runs)).flat();
  }

  stats(): ModelRunStats {
    return { ...this.counters };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.dead) {
        this.post({ type: 'close' });
        await this.closed;
      }
      await this.worker.terminate();
    })();
    return this.closing;
  }

  /** Fills an input tensor (a buffer the worker gave back earlier when one of the size is free). */
  private prepare(images: readonly RgbImage[]): PreparedBatch {
    const { inputWidth: w, inputHeight: h } = this.model;
    const bytes = images.length * 3 * w * h * Float32Array.BYTES_PER_ELEMENT;
    const input = new Float32Array(this.spare.get(bytes)?.pop() ?? new ArrayBuffer(bytes));
    const t0 = performance.now();
    const transforms = images.map((img, i) => preprocessInto(img, this.preprocess, w, h, input, i));
    return { input, sizes: images.map((i) => ({ width: i.width, height: i.height })), transforms, preprocessMs: performance.now() - t0 };
  }

  private run(batch: PreparedBatch): Promise<Detection[][]> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.closing) return Promise.reject(new Error('detector is closed'));
    const id = this.nextId++;
    const input = batch.input.buffer as ArrayBuffer;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ type: 'detect', id, batch: { input, sizes: [...batch.sizes], transforms: [...batch.transforms], preprocessMs: batch.preprocessMs } }, [input]);
    });
  }

  /** Keeps returned tensor buffers for reuse, a few per size (one size per batch size). */
  private recycle(buffers: readonly ArrayBuffer[]): void {
    for (const b of buffers) {
      const list = this.spare.get(b.byteLength) ?? [];
      if (list.length < SPARE_BUFFERS_PER_SIZE) list.push(b);
      this.spare.set(b.byteLength, list);
    }
  }

  private post(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  private relayLog(line: string): void {
    if (!this.logger) return;
    try {
      const { level, msg, ...fields } = JSON.parse(line) as { level: number; msg?: string } & Record<string, unknown>;
      this.logger[PINO_LEVELS[level] ?? 'info'](fields, msg);
    } catch {
      this.logger.info({ line }, 'detector worker');
    }
  }
}
