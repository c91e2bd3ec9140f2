import { resolveConfigPath, type LoadedConfig } from '../config/index.js';
import { createWorkerDetector, type OnnxDetector, type SchedulableDetector, type Detector, type RgbImage } from '../detection/index.js';
import { detectorScoreThreshold } from '../tracking/index.js';
import type { Logger } from '../core/index.js';

/**
 * The detector every camera shares, built from the config's `models` and `detection` sections: the
 * ONNX session in a worker thread, each run timed for `observeSeconds`, batches up to `detection.maxBatch`
 * when the model allows. `camwatch run` and `camwatch eval` both build it here, so they see the same model
 * with the same thresholds and filters.
 */
export async function createAgentDetector(
  loaded: LoadedConfig,
  logger: Logger,
  observeSeconds: (seconds: number) => void = () => undefined,
): Promise<Detector & SchedulableDetector> {
  const { config } = loaded;
  // In a worker thread: onnxruntime's run() would otherwise block this thread (decoders' pipes, MQTT) for every inference.
  const detector = await createWorkerDetector({
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
  });
  return timedDetector(detector, config.detection.maxBatch, observeSeconds);
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
    detect: (image) => timed(() => detector.detect(image)),
    ...(batch > 1 ? { maxBatch: batch, detectBatch: (images: readonly RgbImage[]) => timed(() => detector.detectBatch(images)) } : {}),
    close: () => detector.close(),
  };
}
