import type { CameraConfig } from '../config/schema.js';
import type { LoadedConfig } from '../config/load.js';
import { createFrameSource } from '../frames/index.js';
import type { FrameSource, SourceStateChange } from '../frames/types.js';
import type { Detector } from '../detection/types.js';
import { createTracker } from '../tracking/index.js';
import { buildRules } from '../rules/index.js';
import { createIncident } from '../incidents/index.js';
import type { IncidentRecord } from '../incidents/types.js';
import { CameraPipeline } from './camera-pipeline.js';
import type { Logger } from './logger.js';

/** What a camera's loop hands its incidents and state changes to (the store and uplink, via the agent). */
export interface CameraSinks {
  onIncident: (record: IncidentRecord) => void;
  onState: (change: SourceStateChange) => void;
}

/** One running camera: its decoder, its analysis loop, and how to stop both. */
export interface RunningCamera {
  readonly config: CameraConfig;
  readonly source: FrameSource;
  readonly pipeline: CameraPipeline;
  incidents: number;
  stop(): Promise<void>;
}

/**
 * Starts one camera. Its failures stay inside: the source reconnects by itself, and a pipeline error is
 * logged without touching other cameras.
 */
export function startCamera(
  camera: CameraConfig,
  deps: { loaded: LoadedConfig; detector: Detector; logger: Logger; sinks: CameraSinks },
): RunningCamera {
  const { loaded, detector, logger, sinks } = deps;
  const log = logger.child({ component: 'camera', camera: camera.id });
  const source = createFrameSource(camera, {
    logger,
    baseDir: loaded.baseDir,
    password: loaded.secrets.cameraPasswords[camera.id],
    onState: sinks.onState,
  });
  const abort = new AbortController();
  const tracking = loaded.config.tracking;
  const running: RunningCamera = {
    config: camera,
    source,
    incidents: 0,
    pipeline: new CameraPipeline({
      cameraId: camera.id,
      source,
      detector,
      logger: log,
      makeTracker: () =>
        createTracker({ iouThreshold: tracking.iouThreshold, maxLostMs: tracking.maxLostSeconds * 1000, minHits: tracking.minHits }),
      makeRules: (frame, src) =>
        buildRules(camera, { width: frame.width, height: frame.height, sourceWidth: src.width, sourceHeight: src.height }),
      onHit: async (hit, frame) => {
        const record = await createIncident(hit, frame, { agentId: loaded.config.agent.id, camera });
        running.incidents++;
        sinks.onIncident(record);
        log.info(
          { incidentId: record.incident.id, type: record.incident.type, rule: hit.ruleId, trackId: hit.trackId, class: hit.className },
          `incident: ${record.incident.title.en}`,
        );
      },
    }),
    async stop() {
      abort.abort();
      await source.stop();
      await done;
    },
  };
  source.start();
  const done = running.pipeline.run(abort.signal).catch((err: unknown) => {
    log.error({ err }, 'camera pipeline failed; other cameras keep running');
  });
  return running;
}
