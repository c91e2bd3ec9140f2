import { performance } from 'node:perf_hooks';
import type ort from 'onnxruntime-node';
import type { Logger } from '../core/index.js';
import { decodeOutputs } from './decode.js';
import { bindLayout, type LayoutBinding, type TensorInfo } from './infer-layout.js';
import { findModel, loadClassNames, loadManifest, resolveModelFile, type ModelEntry } from './manifest.js';
import { DEFAULT_MAX_DETECTIONS, nms } from './nms.js';
import { lowestScoreThreshold, postfilter, remapTargets, type PostfilterOptions } from './postfilter.js';
import { allocateInput, mapBoxToImage, preprocessInto, type InputTransform, type PreprocessSpec } from './preprocess.js';
import { SerialQueue } from './serial-queue.js';
import { buildFeeds, openModelSession, sliceBatch, type ModelSession } from './session.js';
import type { Detection, Detector, ModelInfo, RgbImage } from './types.js';
import type { Candidate, TensorView } from './layouts/types.js';

/** Same defaults as the config schema (detection.scoreThreshold / nmsIouThreshold). */
export const DEFAULT_SCORE_THRESHOLD = 0.35;
export const DEFAULT_NMS_IOU_THRESHOLD = 0.45;

export interface DetectorOptions {
  /** models/manifest.json; class files are resolved relative to it. */
  manifestPath: string;
  /** Folder holding the model files named in the manifest. */
  modelsDir: string;
  modelName: string;
  scoreThreshold?: number;
  nmsIouThreshold?: number;
  /** ONNX intra-op threads; default defaultIntraOpThreads(cores) (1 on a 2-core box). */
  threads?: number;
  /** Check size and sha256 against the manifest before loading (default true; ~10 ms for 4 MB). */
  verifyChecksum?: boolean;
  maxDetections?: number;
  classAgnosticNms?: boolean;
  postfilter?: PostfilterOptions;
  logger?: Logger;
}

/** Counters for benchmarks and the stats log; times are wall-clock ms summed over all runs. */
export interface ModelRunStats {
  /** session.run calls (a batch counts once). */
  runs: number;
  images: number;
  preprocessMs: number;
  inferenceMs: number;
  /** Decode + NMS + mapping + postfilter. */
  postprocessMs: number;
  lastInferenceMs: number;
  /** The one warm-up run made at creation (first runs are slower: allocations, kernel selection). */
  warmupMs: number;
}

/**
 * A batch whose input tensor was filled by the caller with preprocessInto (the agent's main thread fills
 * it while the worker runs the previous frame: see worker-detector.ts).
 */
export interface PreparedBatch {
  /** NCHW float32, `sizes.length` images of the model input size. */
  input: Float32Array;
  /** Size of each source image, to clip its boxes. */
  sizes: ReadonlyArray<{ width: number; height: number }>;
  transforms: readonly InputTransform[];
  /** Time spent filling `input`, for the counters. */
  preprocessMs: number;
}

/** The ONNX detector: the Detector contract plus batching and run counters. */
export interface OnnxDetector extends Detector {
  /** How the model wants its input built (for callers that prepare batches themselves). */
  readonly preprocess: PreprocessSpec;
  /** How the outputs were bound (layout, inferred or declared, and why). */
  readonly binding: LayoutBinding;
  /** Images per session.run; 1 when the model's batch dim is fixed. */
  readonly maxBatch: number;
  /** Detects on several images; uses one run per chunk of maxBatch when the model allows it. */
  detectBatch(images: readonly RgbImage[]): Promise<Detection[][]>;
  stats(): ModelRunStats;
}

/** The detector that owns the session (in the worker thread): it also runs batches prepared elsewhere. */
export interface SessionDetector extends OnnxDetector {
  /** Runs a batch already in tensor form (at most maxBatch images). */
  detectPrepared(batch: PreparedBatch): Promise<Detection[][]>;
}

/** Loads the manifest entry, opens its ONNX session once and returns the (serialised) detector. */
export async function createOnnxDetector(options: DetectorOptions): Promise<SessionDetector> {
  const manifest = await loadManifest(options.manifestPath);
  const entry = findModel(manifest, options.modelName);
  const classNames = await loadClassNames(manifest, entry);
  const file = await resolveModelFile(entry, options.modelsDir, { verifyChecksum: options.verifyChecksum ?? true });
  const ms = await openModelSession(file, entry, options.threads === undefined ? {} : { threads: options.threads });
  try {
    return await OnnxDetectorImpl.start(ms, entry, classNames, file, options);
  } catch (err) {
    await ms.session.release();
    throw err;
  }
}

class OnnxDetectorImpl implements SessionDetector {
  readonly model: ModelInfo;
  readonly maxBatch: number;
  readonly preprocess: PreprocessSpec;
  private readonly queue = new SerialQueue();
  private readonly input: Float32Array;
  private readonly scoreThreshold: number;
  private readonly decodeThreshold: number;
  private readonly counters: ModelRunStats = { runs: 0, images: 0, preprocessMs: 0, inferenceMs: 0, postprocessMs: 0, lastInferenceMs: 0, warmupMs: 0 };
  private closed = false;

  private constructor(
    private readonly ms: ModelSession,
    private readonly entry: ModelEntry,
    readonly binding: LayoutBinding,
    private readonly classNames: readonly string[],
    private readonly options: DetectorOptions,
  ) {
    const remap = options.postfilter?.classRemap;
    this.model = {
      name: entry.name,
      layout: binding.layout,
      inputWidth: entry.input.width,
      inputHeight: entry.input.height,
      classNames: remap === undefined ? classNames : remapTargets(remap),
    };
    this.maxBatch = ms.maxBatch;
    this.preprocess = entry.preprocess;
    this.input = allocateInput(entry.input.width, entry.input.height, 1);
    this.scoreThreshold = options.scoreThreshold ?? DEFAULT_SCORE_THRESHOLD;
    this.decodeThreshold = lowestScoreThreshold(this.scoreThreshold, options.postfilter);
  }

  /** Warm-up run: gives concrete output shapes to bind the layout, and checks the decoder accepts them. */
  static async start(ms: ModelSession, entry: ModelEntry, classNames: readonly string[], file: string, options: DetectorOptions): Promise<OnnxDetectorImpl> {
    const { width, height } = entry.input;
    const t0 = performance.now();
    const warm = await ms.session.run(buildFeeds(ms, allocateInput(width, height, 1), 1, width, height));
    const warmupMs = performance.now() - t0;
    const infos: TensorInfo[] = ms.session.outputNames.map((name) => ({ name, dims: warm[name]!.dims, type: warm[name]!.type }));
    const binding = bindLayout(infos, { inputWidth: width, inputHeight: height, numClasses: classNames.length, inputNames: ms.session.inputNames, ...(entry.decode?.strides ? { strides: entry.decode.strides } : {}) }, entry.layout);
    const det = new OnnxDetectorImpl(ms, entry, binding, classNames, options);
    det.decodeOne(warm, 0); // throws MODEL_LAYOUT now rather than on the first camera frame
    det.counters.warmupMs = warmupMs;
    const log = options.logger?.child({ component: 'detector', model: entry.name });
    log?.info({ file, layout: binding.layout, layoutInferred: binding.inferred, layoutReason: binding.reason, input: `${width}x${height}`,
      outputs: infos.map((i) => `${i.name}[${i.dims.join(',')}]`), threads: ms.threads, maxBatch: ms.maxBatch, warmupMs: Math.round(warmupMs) },
      binding.inferred ? `detector ready; manifest gives no layout, inferred "${binding.layout}" from ${binding.reason}` : 'detector ready');
    return det;
  }

  detect(image: RgbImage): Promise<Detection[]> {
    return this.queue.run(async () => (await this.runBatch([image], this.input))[0]!);
  }

  async detectBatch(images: readonly RgbImage[]): Promise<Detection[][]> {
    const out: Detection[][] = [];
    for (let i = 0; i < images.length; i += this.maxBatch) {
      const chunk = images.slice(i, i + this.maxBatch);
      const buffer = chunk.length === 1 ? this.input : allocateInput(this.model.inputWidth, this.model.inputHeight, chunk.length);
      out.push(...(await this.queue.run(() => this.runBatch(chunk, buffer))));
    }
    return out;
  }

  detectPrepared(batch: PreparedBatch): Promise<Detection[][]> {
    if (batch.sizes.length > this.maxBatch) return Promise.reject(new RangeError(`batch of ${batch.sizes.length} images, the model takes at most ${this.maxBatch}`));
    return this.queue.run(() => this.runPrepared(batch));
  }

  stats(): ModelRunStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.drain();
    await this.ms.session.release();
  }

  private async runBatch(images: readonly RgbImage[], input: Float32Array): Promise<Detection[][]> {
    if (this.closed) throw new Error('detector is closed');
    const { inputWidth: w, inputHeight: h } = this.model;
    const t0 = performance.now();
    const transforms = images.map((img, i) => preprocessInto(img, this.entry.preprocess, w, h, input, i));
    return this.runPrepared({ input, sizes: images, transforms, preprocessMs: performance.now() - t0 });
  }

  private async runPrepared({ input, sizes, transforms, preprocessMs }: PreparedBatch): Promise<Detection[][]> {
    if (this.closed) throw new Error('detector is closed');
    const { inputWidth: w, inputHeight: h } = this.model;
    const t1 = performance.now();
    const result = await this.ms.session.run(buildFeeds(this.ms, input, sizes.length, w, h));
    const t2 = performance.now();
    const out = sizes.map((size, i) => this.toDetections(this.decodeOne(result, i), transforms[i]!, size));
    const t3 = performance.now();
    const c = this.counters;
    c.runs++;
    c.images += sizes.length;
    c.preprocessMs += preprocessMs;
    c.inferenceMs += t2 - t1;
    c.lastInferenceMs = t2 - t1;
    c.postprocessMs += t3 - t2;
    return out;
  }

  /** Decode + class-wise NMS of batch item `index`, boxes still in model-input pixels. */
  private decodeOne(result: ort.InferenceSession.OnnxValueMapType, index: number): Candidate[] {
    const views: Record<string, TensorView> = {};
    for (const name of this.ms.session.outputNames) views[name] = sliceBatch(result[name] as ort.Tensor, index);
    const { inputWidth, inputHeight } = this.model;
    const candidates = decodeOutputs(this.binding, views, {
      inputWidth, inputHeight, scoreThreshold: this.decodeThreshold, numClasses: this.classNames.length,
      ...(this.entry.decode === undefined ? {} : { decode: this.entry.decode }),
    });
    return nms(candidates, {
      iouThreshold: this.options.nmsIouThreshold ?? DEFAULT_NMS_IOU_THRESHOLD,
      maxDetections: this.options.maxDetections ?? DEFAULT_MAX_DETECTIONS,
      classAgnostic: this.options.classAgnosticNms ?? false,
    });
  }

  private toDetections(kept: readonly Candidate[], t: InputTransform, img: { width: number; height: number }): Detection[] {
    const dets: Detection[] = [];
    for (const k of kept) {
      const box = mapBoxToImage(k.x1, k.y1, k.x2, k.y2, t, img.width, img.height);
      // A box wholly in the padding (possible with a poor model) collapses to zero size once clipped.
      if (box.x2 - box.x1 <= 0 || box.y2 - box.y1 <= 0) continue;
      dets.push({ classId: k.classId, className: this.classNames[k.classId] ?? `class_${k.classId}`, score: k.score, box });
    }
    return this.options.postfilter === undefined && this.decodeThreshold === this.scoreThreshold
      ? dets
      : postfilter(dets, this.scoreThreshold, this.options.postfilter);
  }
}
