/**
 * Worker-thread side of the worker detector (worker-detector.ts): owns the ONNX session, so inference
 * runs off the agent's main thread. Messages are plain data; input tensors, already preprocessed by the
 * parent, arrive as transferred ArrayBuffers and go back with the answer for reuse.
 */
import { Writable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { CamwatchError } from '../core/index.js';
import { createOnnxDetector, type DetectorOptions, type SessionDetector } from './onnx-detector.js';
import type { Detection, ModelInfo } from './types.js';
import type { LayoutBinding } from './infer-layout.js';
import type { ModelRunStats } from './onnx-detector.js';
import type { InputTransform, PreprocessSpec } from './preprocess.js';

/** DetectorOptions without the logger (which cannot cross threads): the worker logs through the parent. */
export type WorkerDetectorOptions = Omit<DetectorOptions, 'logger'> & { logLevel?: string };

/** A PreparedBatch on the wire: the tensor as a transferable buffer. */
export interface WireBatch {
  input: ArrayBuffer;
  sizes: Array<{ width: number; height: number }>;
  transforms: InputTransform[];
  preprocessMs: number;
}

export interface WireError {
  name: string;
  message: string;
  code?: string;
  hint?: string;
  details?: Record<string, unknown>;
}

export type ToWorker = { type: 'detect'; id: number; batch: WireBatch } | { type: 'close' };
export type FromWorker =
  | { type: 'ready'; model: ModelInfo; binding: LayoutBinding; maxBatch: number; preprocess: PreprocessSpec; stats: ModelRunStats }
  | { type: 'init-error'; error: WireError }
  | { type: 'result'; id: number; detections: Detection[][]; stats: ModelRunStats; buffers: ArrayBuffer[] }
  | { type: 'error'; id: number; error: WireError; buffers: ArrayBuffer[] }
  | { type: 'log'; line: string }
  | { type: 'closed' };

export function toWireError(err: unknown): WireError {
  if (err instanceof CamwatchError) return { name: err.name, message: err.message, code: err.code, hint: err.hint, details: err.details };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

const port = parentPort;
if (port) {
  const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  const options = workerData as WorkerDetectorOptions;
  // pino lines go to the parent, which logs them through the agent's logger (redaction and all).
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      post({ type: 'log', line: chunk.toString() });
      done();
    },
  });
  const logger = pino({ level: options.logLevel ?? 'info', base: undefined, timestamp: false }, logStream);
  let detector: SessionDetector | undefined;
  const ready = createOnnxDetector({ ...options, logger }).then(
    (d) => {
      detector = d;
      post({ type: 'ready', model: d.model, binding: d.binding, maxBatch: d.maxBatch, preprocess: d.preprocess, stats: d.stats() });
    },
    (err: unknown) => post({ type: 'init-error', error: toWireError(err) }),
  );
  port.on('message', (m: ToWorker) => {
    void ready.then(async () => {
      if (m.type === 'close') {
        await detector?.close();
        post({ type: 'closed' });
        return;
      }
      // The tensor buffer goes back with the answer, for the parent to reuse: a worker that kept them would
      // hold ~2 MB per frame until its next garbage collection (measured with RGB frames: +60 MB RSS in 10 s at 5 fps).
      const buffers = [m.batch.input];
      try {
        if (!detector) throw new Error('detector failed to start');
        const detections = await detector.detectPrepared({ ...m.batch, input: new Float32Array(m.batch.input) });
        post({ type: 'result', id: m.id, detections, stats: detector.stats(), buffers }, buffers);
      } catch (err) {
        post({ type: 'error', id: m.id, error: toWireError(err), buffers }, buffers);
      }
    });
  });
}
