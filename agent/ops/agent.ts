import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { LoadedConfig } from '../config/load.js';
import { resolveConfigPath } from '../config/load.js';
import type { CameraConfig } from '../config/schema.js';
import { createFrameSource } from '../frames/index.js';
import type { FrameSource, SourceStateChange } from '../frames/types.js';
import { createDetector } from '../detection/index.js';
import type { Detector } from '../detection/types.js';
import { createTracker } from '../tracking/index.js';
import { buildRules } from '../rules/index.js';
import { createIncident } from '../incidents/index.js';
import { openStore } from '../store/index.js';
import type { IncidentStore } from '../store/types.js';
import { createMqttUplink, startEmbeddedBroker } from '../uplink/index.js';
import type { Uplink } from '../uplink/types.js';
import { CameraPipeline, type PipelineStats } from './camera-pipeline.js';
import type { Logger } from './logger.js';

/** How often the agent logs one stats line per camera. */
export const DEFAULT_STATS_INTERVAL_MS = 30_000;

export interface AgentOptions {
  loaded: LoadedConfig;
  logger: Logger;
  statsIntervalMs?: number;
}

interface RunningCamera {
  config: CameraConfig;
  source: FrameSource;
  pipeline: CameraPipeline;
  abort: AbortController;
  done: Promise<void>;
  incidents: number;
}

export interface CameraStatus {
  id: string;
  source: ReturnType<FrameSource['stats']>;
  pipeline: PipelineStats;
  incidents: number;
}

/**
 * The running agent: opens the store, the uplink (and the embedded broker when no broker URL is
 * configured), the shared detector, then one pipeline per camera; stops them in reverse. A camera that
 * fails is logged and retried by its own source; it never stops the others.
 */
export class Agent {
  private readonly options: AgentOptions;
  private readonly log: Logger;
  private store?: IncidentStore;
  private uplink?: Uplink;
  private detector?: Detector;
  private broker?: { url: string; close(): Promise<void> };
  private readonly cameras = new Map<string, RunningCamera>();
  private statsTimer?: NodeJS.Timeout;
  private starting?: Promise<void>;
  private stopping?: Promise<void>;
  /** Set synchronously by stop(): a start still loading the model must not go on to open cameras. */
  private stopRequested = false;

  constructor(options: AgentOptions) {
    this.options = options;
    this.log = options.logger.child({ component: 'agent' });
  }

  /** The broker URL the uplink uses (the embedded one when none is configured). */
  get brokerUrl(): string | undefined {
    return this.options.loaded.config.mqtt.url ?? this.broker?.url;
  }

  start(): Promise<void> {
    this.starting ??= this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const { loaded, logger } = this.options;
    const { config } = loaded;
    const dataDir = resolveConfigPath(loaded, config.agent.dataDir);
    mkdirSync(dataDir, { recursive: true });
    this.store = openStore({ path: join(dataDir, 'camwatch.db'), logger });

    let mqttConfig = config.mqtt;
    if (!config.mqtt.url) {
      this.broker = await startEmbeddedBroker({ host: config.mqtt.embeddedHost, port: config.mqtt.embeddedPort, logger });
      mqttConfig = { ...config.mqtt, url: this.broker.url };
      this.log.info({ url: this.broker.url }, 'no mqtt.url configured: embedded MQTT broker (aedes) started');
    }
    this.uplink = createMqttUplink({
      config: mqttConfig,
      agentId: config.agent.id,
      store: this.store,
      password: loaded.secrets.mqttPassword,
      logger,
    });
    await this.uplink.start();
    if (this.stopRequested) return;

    this.detector = await createDetector({
      manifestPath: resolveConfigPath(loaded, config.models.manifest),
      modelsDir: resolveConfigPath(loaded, config.models.dir),
      modelName: config.detection.model,
      scoreThreshold: config.detection.scoreThreshold,
      nmsIouThreshold: config.detection.nmsIouThreshold,
      threads: config.detection.threads,
      logger,
    });
    if (this.stopRequested) return;

    for (const camera of config.cameras) {
      if (camera.enabled) this.startCamera(camera);
    }
    this.statsTimer = setInterval(() => this.logStats(), this.options.statsIntervalMs ?? DEFAULT_STATS_INTERVAL_MS);
    this.statsTimer.unref();
    this.log.info({ agentId: config.agent.id, cameras: this.cameras.size, model: config.detection.model }, 'agent started');
  }

  status(): CameraStatus[] {
    return [...this.cameras.values()].map((c) => ({
      id: c.config.id,
      source: c.source.stats(),
      pipeline: { ...c.pipeline.stats },
      incidents: c.incidents,
    }));
  }

  private startCamera(camera: CameraConfig): void {
    const { loaded, logger } = this.options;
    const log = logger.child({ component: 'camera', camera: camera.id });
    const detector = this.detector!;
    const store = this.store!;
    const uplink = this.uplink!;
    const source = createFrameSource(camera, {
      logger,
      baseDir: loaded.baseDir,
      password: loaded.secrets.cameraPasswords[camera.id],
      onState: (change: SourceStateChange) => uplink.publishCameraState(change),
    });
    const running: RunningCamera = {
      config: camera,
      source,
      abort: new AbortController(),
      incidents: 0,
      done: Promise.resolve(),
      pipeline: new CameraPipeline({
        cameraId: camera.id,
        source,
        detector,
        logger: log,
        makeTracker: () =>
          createTracker({
            iouThreshold: loaded.config.tracking.iouThreshold,
            maxLostMs: loaded.config.tracking.maxLostSeconds * 1000,
            minHits: loaded.config.tracking.minHits,
          }),
        makeRules: (frame, src) =>
          buildRules(camera, { width: frame.width, height: frame.height, sourceWidth: src.width, sourceHeight: src.height }),
        onHit: async (hit, frame) => {
          const record = await createIncident(hit, frame, { agentId: loaded.config.agent.id, camera });
          store.save(record);
          running.incidents++;
          uplink.notify();
          log.info(
            { incidentId: record.incident.id, type: record.incident.type, rule: hit.ruleId, trackId: hit.trackId, class: hit.className },
            `incident: ${record.incident.title.en}`,
          );
        },
      }),
    };
    source.start();
    running.done = running.pipeline.run(running.abort.signal).catch((err: unknown) => {
      log.error({ err }, 'camera pipeline failed; other cameras keep running');
    });
    this.cameras.set(camera.id, running);
  }

  private logStats(): void {
    for (const s of this.status()) {
      const p = s.pipeline;
      this.log.info(
        {
          camera: s.id,
          state: s.source.state,
          framesDecoded: s.source.framesDecoded,
          framesDropped: s.source.framesDropped,
          framesAnalysed: p.framesAnalysed,
          avgLatencyMs: p.framesAnalysed ? Math.round(p.latencyMsTotal / p.framesAnalysed) : undefined,
          incidents: s.incidents,
          backlog: this.store?.pendingCount(),
        },
        'camera stats',
      );
    }
  }

  /**
   * Idempotent: stops cameras, then detector, uplink, broker and store, in reverse start order. A stop
   * during start (SIGTERM while the model loads) waits for start to settle, so nothing opens after it.
   */
  stop(): Promise<void> {
    this.stopRequested = true;
    this.stopping ??= (async () => {
      await this.starting?.catch(() => undefined);
      await this.doStop();
    })();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    clearInterval(this.statsTimer);
    const steps: Array<[string, () => Promise<void> | void]> = [
      ['cameras', () => this.stopCameras()],
      ['detector', () => this.detector?.close()],
      ['uplink', () => this.uplink?.stop()],
      ['broker', () => this.broker?.close()],
      ['store', () => this.store?.close()],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        this.log.error({ err, step: name }, 'error while stopping; continuing shutdown');
      }
    }
    this.log.info('agent stopped');
  }

  private async stopCameras(): Promise<void> {
    await Promise.all(
      [...this.cameras.values()].map(async (c) => {
        c.abort.abort();
        await c.source.stop();
        await c.done;
      }),
    );
    this.cameras.clear();
  }
}
