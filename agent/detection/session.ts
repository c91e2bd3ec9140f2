import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import { CamwatchError } from '../core/index.js';
import type { ModelEntry } from './manifest.js';
import type { TensorView } from './layouts/types.js';
import { disableOrtTelemetry } from './ort-telemetry.js';

/** D-FINE / RT-DETRv2 deploy graphs take the size to scale boxes to; the detector feeds the model input size. */
export const ORIG_TARGET_SIZES_INPUT = 'orig_target_sizes';

/** Largest batch sent in one run when the model's batch dimension is dynamic (memory grows linearly). */
export const DEFAULT_MAX_BATCH = 8;

export interface SessionOptions {
  /** Intra-op threads; default defaultIntraOpThreads(cores). */
  threads?: number;
}

/** An opened model plus what the detector needs to know about its inputs. */
export interface ModelSession {
  session: ort.InferenceSession;
  imageInput: string;
  /** Extra inputs the detector fills itself (orig_target_sizes). */
  sizeInput?: string;
  /** 1 for a fixed batch of 1; up to DEFAULT_MAX_BATCH for a dynamic batch dim. */
  maxBatch: number;
  threads: number;
}

/**
 * Intra-op threads when the config sets none. Measured on the 2-core box (YOLOX-nano 416, 20-run means):
 * 1 thread 13.9–16.1 ms/run at 14–16 ms CPU; 2 threads 13.5–18 ms/run at 26–27 ms CPU. With three
 * real-time 720p decoders beside it (`npm run bench`, threads scenario, 40 frames incl. preprocessing):
 * 1 thread 17.5 ms/frame at 19.2 ms CPU, 2 threads 18.6 ms at 24.6 ms CPU. A nano model is too small to
 * parallelise, so a second thread only takes CPU the decoders need. Bigger boxes get a thread per four cores.
 */
export function defaultIntraOpThreads(cores: number): number {
  return Math.max(1, Math.floor(cores / 4));
}

/**
 * An onnxruntime session with the agent's options, telemetry switched off first: the object detector and the
 * privacy face / plate detectors (agent/privacy) open theirs here.
 */
export async function createOrtSession(file: string, threads: number): Promise<ort.InferenceSession> {
  // ORT initialises (and, unless told otherwise, starts its telemetry uploader) at the first create.
  disableOrtTelemetry();
  return ort.InferenceSession.create(file, {
    intraOpNumThreads: threads,
    // One model, one graph at a time: inter-op parallelism would only compete with intra-op threads.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Idle ORT workers spin-wait for the next run. Measured on the 2-core box, YOLOX-nano paced at 20
    // runs/s: 108 % of a core with spinning, 31 % without; the cores it wastes are the decoders'.
    extra: { session: { 'intra_op.allow_spinning': '0' } },
    // 3 = errors only: some exports (e.g. NanoDet-m) list initializers as graph inputs and ORT prints ~150 warnings.
    logSeverityLevel: 3,
  });
}

/** Opens the ONNX file once; a file onnxruntime cannot load, or inputs that do not match the manifest, are MODEL_INVALID. */
export async function openModelSession(file: string, entry: ModelEntry, options: SessionOptions = {}): Promise<ModelSession> {
  const threads = options.threads ?? defaultIntraOpThreads(availableParallelism());
  let session: ort.InferenceSession;
  try {
    session = await createOrtSession(file, threads);
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw invalid(entry, file, `cannot be loaded by onnxruntime: ${reason}`, err);
  }
  try {
    return { session, threads, ...inspectInputs(session, entry, file) };
  } catch (err) {
    await session.release();
    throw err;
  }
}

function inspectInputs(session: ort.InferenceSession, entry: ModelEntry, file: string): Pick<ModelSession, 'imageInput' | 'sizeInput' | 'maxBatch'> {
  const inputs = session.inputMetadata.filter((m): m is ort.InferenceSession.TensorValueMetadata => m.isTensor);
  const image = inputs.find((m) => m.shape.length === 4) ?? inputs[0];
  if (image === undefined) throw invalid(entry, file, 'has no tensor input');
  const [batch, channels, h, w] = image.shape;
  const fixed = (d: unknown): d is number => typeof d === 'number' && d > 0;
  if (image.shape.length !== 4 || (fixed(channels) && channels !== 3)) {
    throw invalid(entry, file, `input "${image.name}" has shape [${image.shape.join(',')}], expected [N,3,H,W]`);
  }
  if ((fixed(h) && h !== entry.input.height) || (fixed(w) && w !== entry.input.width)) {
    throw invalid(entry, file, `input "${image.name}" is ${String(w)}x${String(h)} but the manifest input is ${entry.input.width}x${entry.input.height}`, undefined,
      `Set "input" of "${entry.name}" in the manifest to the model's size.`);
  }
  let sizeInput: string | undefined;
  for (const m of session.inputMetadata) {
    if (m.name === image.name) continue;
    if (m.name === ORIG_TARGET_SIZES_INPUT) sizeInput = m.name;
    else throw invalid(entry, file, `has an input "${m.name}" the detector cannot fill (only the image and ${ORIG_TARGET_SIZES_INPUT} are supported)`);
  }
  const out: Pick<ModelSession, 'imageInput' | 'sizeInput' | 'maxBatch'> = { imageInput: image.name, maxBatch: fixed(batch) ? Math.min(batch, DEFAULT_MAX_BATCH) : DEFAULT_MAX_BATCH };
  if (sizeInput !== undefined) out.sizeInput = sizeInput;
  return out;
}

function invalid(entry: ModelEntry, file: string, what: string, cause?: unknown, hint?: string): CamwatchError {
  return new CamwatchError('MODEL_INVALID', `model file ${file} for model "${entry.name}" ${what}`, {
    cause,
    ...(hint === undefined ? {} : { hint }),
    details: { model: entry.name, file },
  });
}

/** Builds the feeds for a batch of `batch` preprocessed images in `input`. */
export function buildFeeds(ms: ModelSession, input: Float32Array, batch: number, inW: number, inH: number): Record<string, ort.Tensor> {
  const data = batch * 3 * inW * inH === input.length ? input : input.subarray(0, batch * 3 * inW * inH);
  const feeds: Record<string, ort.Tensor> = { [ms.imageInput]: new ort.Tensor('float32', data, [batch, 3, inH, inW]) };
  if (ms.sizeInput !== undefined) {
    const sizes = new BigInt64Array(batch * 2);
    for (let i = 0; i < batch; i++) { sizes[2 * i] = BigInt(inW); sizes[2 * i + 1] = BigInt(inH); }
    feeds[ms.sizeInput] = new ort.Tensor('int64', sizes, [batch, 2]);
  }
  return feeds;
}

/** Output `t` restricted to batch item `index`, as a numeric view with batch dim 1 (int64 converted to numbers). */
export function sliceBatch(t: ort.Tensor, index: number): TensorView {
  const dims = t.dims;
  const batch = dims[0] ?? 1;
  const per = batch > 0 ? t.size / batch : 0;
  let data: ArrayLike<number>;
  if (t.data instanceof BigInt64Array || t.data instanceof BigUint64Array) {
    const src = t.data;
    const f = new Float64Array(per);
    for (let i = 0; i < per; i++) f[i] = Number(src[index * per + i]!);
    data = f;
  } else if (t.data instanceof Float32Array || t.data instanceof Float64Array || t.data instanceof Int32Array || t.data instanceof Uint8Array || t.data instanceof Int8Array) {
    data = batch === 1 ? t.data : t.data.subarray(index * per, (index + 1) * per);
  } else {
    throw new CamwatchError('MODEL_INVALID', `model output of type ${t.type} is not supported by the decoders (expected float32 or int64)`);
  }
  return { data, dims: [1, ...dims.slice(1)] };
}
