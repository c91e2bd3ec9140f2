import { resolveConfigPath, type LoadedConfig } from '../config/index.js';
import { availableParallelism } from 'node:os';
import {
  createWorkerDetector,
  defaultIntraOpThreads,
  DetectorPool,
  maxDetectorWorkers,
  type DetectorOptions,
  type OnnxDetector,
  type SchedulableDetector,
  type Detector,
  type RgbImage,
} from '../detection/index.js';
import { detectorScoreThreshold } from '../tracking/index.js';
import type { Logger } from '../core/index.js';

/**
 * The detector every camera shares, built from the config's `models` and `detection` sections: the
 * ONNX session in a worker thread (a pool of them that grows with the load, `detection.workers`), each run
 * timed for `observeSeconds`, batches up to `detection.maxBatch` when the model allows. `pool.maxWorkers`
 * caps the pool below the config (the eval feeds one frame at a time: a second worker would sit idle). `camwatch run` and `camwatch eval` both build it here, so they see the same model
 * with the same thresholds and filters.
 */
export async function createAgentDetector(
  loaded: LoadedConfig,
  logger: Logger,
  observeSeconds: (seconds: number) => void = () => undefined,
  pool: { maxWorkers?: number } = {},
): Promise<Detector & SchedulableDetector> {
  const { config } = loaded;
  // In a worker thread: onnxruntime's run() would otherwise block this thread (decoders' pipes, MQTT) for every inference.
  const options: DetectorOptions = {
    manifestPath: resolveConfigPath(loaded, config.models.manifest),
    modelsDir: resolveConfigPath(loaded, config.models.dir),
    modelName: config.detection.model,
    // ByteTrack's second association stage needs the low-score boxes the incident threshold would drop.
    scoreThreshold: detectorScoreThreshold(config.detection.scoreThreshold, config.tracking),
    nmsIouThreshold: config.detection.nmsIouThreshold,
    threads: config.detection.threads,
    postfilter: {
      classThresholds: config.detection.classThresholds,
      minAreaPx: config.detection.minAreaPx,
      maxAreaPx: config.detection.maxAreaPx,
      minAspectRatio: config.detection.minAspectRatio,
      maxAspectRatio: config.detection.maxAspectRatio,
      classRemap: config.detection.classRemap,
    },
    logger,
  };
  const first = await createWorkerDetector(options);
  const maxWorkers = Math.min(pool.maxWorkers ?? Number.POSITIVE_INFINITY, detectorWorkersFor(loaded));
  const detector = maxWorkers > 1 ? new DetectorPool(first, { maxWorkers, spawn: () => createWorkerDetector(options), logger }) : first;
  return timedDetector(detector, config.detection.maxBatch, observeSeconds);
}

/** Detector workers the config lets the pool grow to on this machine (`detection.workers`, `detection.threads`). */
export function detectorWorkersFor(loaded: LoadedConfig): number {
  const { workers, threads } = loaded.config.detection;
  const cores = availableParallelism();
  return maxDetectorWorkers(workers, cores, threads ?? defaultIntraOpThreads(cores));
}

/**
 * The detector as the cameras see it: every run timed for the metrics, batches of up to
 * `detection.maxBatch` frames when the model allows (the scheduler fills them from cameras waiting).
 */
function timedDetector(detector: OnnxDetector, maxBatch: number, observe: (seconds: number) => void): Detector & SchedulableDetector {
  const timed = async <T>(run: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await run();
    } finally {
      observe((performance.now() - t0) / 1000);
    }
  };
  const batch = Math.min(maxBatch, detector.maxBatch);
  return {
    model: detector.model,
    get parallelRuns() {
      return detector instanceof DetectorPool ? detector.parallelRuns : 1;
    },
    detect: (image) => timed(() => detector.detect(image)),
    ...(batch > 1 ? { maxBatch: batch, detectBatch: (images: readonly RgbImage[]) => timed(() => detector.detectBatch(images)) } : {}),
    close: () => detector.close(),
  };
}
