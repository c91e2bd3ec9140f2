import { statfsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type LoadedConfig, loadConfig, resolveConfigPath, type Config } from '../config/index.js';
import { renderSnapshot, type IncidentRecord, type SuspendedIncident } from '../incidents/index.js';
import { checkModelPin, findModel, loadManifest, pinAdvice, resolveModelFile, DetectorScheduler, type Detector } from '../detection/index.js';
import { createAgentDetector } from './agent-detector.js';
import { formatSourceError, type SourceStateChange } from '../frames/index.js';
import { endUnconfiguredIncidents } from './open-incidents.js';
import { createStoreWriter, currentOwner, DEFAULT_STORE_MAINTAIN_INTERVAL_MS, lockDataDir, openStore, STORE_FILE, type DataDirLock, type StoreWriter, type IncidentStore } from '../store/index.js';
import { createMqttUplink, embeddedCredentialsPath, loadOrCreateOperatorLogin, startEmbeddedBroker, uplinkClientId, type BrokerAccessPolicy, type EmbeddedBroker, type Uplink } from '../uplink/index.js';
import { quantile, type Logger, agentVersion } from '../core/index.js';
import { startCamera, type RunningCamera } from './camera-runner.js';
import { agentCommands, type CommandTarget } from './commands.js';
import { startHealthServer } from './health-server.js';
import { AgentMetrics } from './metrics.js';
import { planReload, type ReloadPlan } from './reload-plan.js';
import { healthReport, type AgentStatus, type CameraStatus } from './status-report.js';

export type { AgentStatus, CameraStatus } from './status-report.js';

export interface AgentOptions {
  loaded: LoadedConfig;
  logger: Logger;
}

/**
 * The running agent: health server, store, uplink (and the embedded broker when no broker URL is
 * configured), the shared detector, then one pipeline per camera; stopped in reverse. A camera that
 * fails is logged and retried by its own source; it never stops the others.
 */
export class Agent {
  private loaded: LoadedConfig;
  private readonly logger: Logger;
  private readonly log: Logger;
  private readonly metrics = new AgentMetrics();
  private readonly startedAtMs = Date.now();
  /** Held from before anything else starts until the store is closed: one agent per data directory. */
  private dataDirLock?: DataDirLock;
  private store?: IncidentStore;
  /** Group commit in front of the store: a burst of incidents costs one fsync, not one each. */
  private writer?: StoreWriter;
  private uplink?: Uplink;
  private detector?: Detector;
  /**
   * Fair turns at the one detector, shared by every camera (and kept across detector swaps on reload).
   * Two runs in flight: the detector's worker thread always has the next image queued.
   */
  private readonly scheduler = new DetectorScheduler({ maxInFlight: 2 });
  private broker?: EmbeddedBroker;
  private health?: { url: string; close(): Promise<void> };
  private readonly cameras = new Map<string, RunningCamera>();
  /** Frames analysed per camera at the previous status read, for a per-interval fps. */
  private readonly fpsMarks = new Map<string, { frames: number; atMs: number }>();
  private statsTimer?: NodeJS.Timeout;
  private maintainTimer?: NodeJS.Timeout;
  private started = false;
  private starting?: Promise<void>;
  private stopping?: Promise<void>;
  /** Set synchronously by stop(): a start still loading the model must not go on to open cameras. */
  private stopRequested = false;
  /** Reloads run one at a time (SIGHUP twice in a row must not interleave camera restarts). */
  private reloading: Promise<unknown> = Promise.resolve();

  constructor(options: AgentOptions) {
    this.loaded = options.loaded;
    this.logger = options.logger;
    this.log = options.logger.child({ component: 'agent' });
  }

  private get config(): Config {
    return this.loaded.config;
  }

  /** The broker URL the uplink uses (the embedded one when none is configured). */
  get brokerUrl(): string | undefined {
    return this.config.mqtt.url ?? this.broker?.url;
  }

  /** Where /healthz, /status and /metrics are served, once started. */
  get healthUrl(): string | undefined {
    return this.health?.url;
  }

  start(): Promise<void> {
    this.starting ??= this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const { config } = this;
    // First: a second agent on this store must say so, not fail later on the health port or the broker.
    const dataDir = resolveConfigPath(this.loaded, config.agent.dataDir);
    mkdirSync(dataDir, { recursive: true });
    this.dataDirLock = lockDataDir(dataDir, currentOwner(this.loaded.path, config.agent.id));
    if (config.health.enabled) {
      this.health = await startHealthServer({
        host: config.health.host,
        port: config.health.port,
        logger: this.logger,
        report: () => healthReport(this.status(), this.started, Date.now()),
        status: () => this.status(),
        metrics: async () => {
          this.refreshMetrics();
          return { contentType: this.metrics.registry.contentType, body: await this.metrics.registry.metrics() };
        },
      });
    }
    this.store = openStore({
      path: join(dataDir, STORE_FILE),
      logger: this.logger,
      quotas: config.store,
      recoverCommand: `camwatch store recover --config ${this.loaded.path}`,
    });
    this.writer = createStoreWriter({
      store: this.store,
      logger: this.logger,
      // Published only once committed: an incident exists when it is in SQLite.
      onSaved: () => this.uplink?.notify(),
    });
    await this.startUplink();
    if (this.stopRequested) return;
    this.detector = await this.createDetector();
    if (this.stopRequested) return;
    // Incidents the previous process left open: those of cameras no longer running end now; the others are
    // handed to their camera, which continues or ends them.
    for (const record of endUnconfiguredIncidents(this.store, config, Date.now())) this.onIncident(record);
    for (const camera of config.cameras) {
      if (camera.enabled) this.startCamera(camera.id, { incidents: this.store.openIncidents(camera.id), after: 'restart' });
    }
    this.statsTimer = setInterval(() => this.reportStats(), config.health.statsIntervalSeconds * 1000);
    this.statsTimer.unref();
    // Quotas, retention, and incidents held in memory while the disk was full: never in the frame path.
    this.maintainTimer = setInterval(() => {
      try {
        this.store?.maintain(Date.now());
      } catch (err) {
        this.log.warn({ err }, 'store maintenance failed; retrying at the next interval');
      }
    }, DEFAULT_STORE_MAINTAIN_INTERVAL_MS);
    this.maintainTimer.unref();
    this.started = true;
    this.log.info({ agentId: config.agent.id, cameras: this.cameras.size, model: config.detection.model, version: agentVersion() }, 'agent started');
  }

  private async startUplink(): Promise<void> {
    const { config } = this;
    let mqttConfig = config.mqtt;
    let password = this.loaded.secrets.mqttPassword;
    if (!config.mqtt.url) {
      const broker = await this.embeddedBroker();
      // The agent logs in like any client, with its own login: through the config object and the password option, never inside the URL.
      mqttConfig = { ...config.mqtt, url: broker.url, username: broker.agentLogin.username };
      password = broker.agentLogin.password;
    }
    const uplink = createMqttUplink({
      config: mqttConfig,
      agentId: config.agent.id,
      store: this.store!,
      password,
      tlsFiles: this.loaded.secrets.mqttTls,
      commandSecret: this.loaded.secrets.commandSecret,
      logger: this.logger,
    });
    for (const [name, handler] of Object.entries(agentCommands(this.commandTarget()))) uplink.onCommand(name, handler);
    this.uplink = uplink;
    await this.uplink.start();
  }

  /**
   * The embedded broker (no mqtt.url), started once; a reload that restarts the uplink hands it the new topic
   * prefix, client id and packet cap (its address and the operator login change on a full restart).
   */
  private async embeddedBroker(): Promise<EmbeddedBroker> {
    const { mqtt, agent } = this.config;
    const policy: BrokerAccessPolicy = { topicPrefix: mqtt.topicPrefix, agentId: agent.id, agentClientId: uplinkClientId(mqtt, agent.id) };
    if (this.broker !== undefined) {
      this.broker.setPolicy(policy, mqtt.embeddedMaxPacketBytes);
      return this.broker;
    }
    const credentialsFile = embeddedCredentialsPath(this.loaded);
    const { login, created } = loadOrCreateOperatorLogin(credentialsFile);
    if (created) this.log.info({ file: credentialsFile, username: login.username }, 'embedded broker: operator login generated (mode 0600); `camwatch broker credentials` shows it');
    this.broker = await startEmbeddedBroker({
      host: mqtt.embeddedHost,
      port: mqtt.embeddedPort,
      logger: this.logger,
      operator: login,
      policy,
      maxPacketBytes: mqtt.embeddedMaxPacketBytes,
    });
    this.log.info({ url: this.broker.url, credentialsFile }, 'no mqtt.url configured: embedded MQTT broker (aedes) started');
    return this.broker;
  }

  private async createDetector(): Promise<Detector> {
    const { config } = this;
    await this.checkModelPin(resolveConfigPath(this.loaded, config.models.manifest), resolveConfigPath(this.loaded, config.models.dir));
    return createAgentDetector(this.loaded, this.logger, (seconds) => this.metrics.inferenceSeconds.observe(seconds));
  }

  /**
   * A model without a sha256 in the manifest runs only with the bytes it first ran with (model-pin.ts), and
   * says loudly at every start how to pin it. The manifest's own sha256, when given, is checked by the detector.
   */
  private async checkModelPin(manifestPath: string, modelsDir: string): Promise<void> {
    const entry = findModel(await loadManifest(manifestPath), this.config.detection.model);
    const file = await resolveModelFile(entry, modelsDir);
    const dataDir = resolveConfigPath(this.loaded, this.config.agent.dataDir);
    const verdict = await checkModelPin({ entry, file, manifestPath, dataDir, record: true });
    if (verdict.kind === 'manifest') return;
    const how = verdict.kind === 'first' ? 'first run: pinned in agent.dataDir, a changed file will be refused' : `same file as first run on ${verdict.pin.pinnedAt}`;
    this.log.warn({ model: entry.name, file, sha256: verdict.sha256, manifest: manifestPath },
      `model "${entry.name}" has no sha256 in the manifest (${how}); to pin it, ${pinAdvice(entry, verdict.sha256, manifestPath)}`);
  }

  private startCamera(id: string, restore?: { incidents: readonly SuspendedIncident[]; after: 'restart' | 'reload' }): void {
    const camera = this.config.cameras.find((c) => c.id === id);
    if (!camera) return;
    this.cameras.set(
      id,
      startCamera(camera, {
        ...(restore && { restore }),
        loaded: this.loaded,
        detector: this.detector!,
        scheduler: this.scheduler,
        logger: this.logger,
        sinks: {
          onIncident: (record) => this.onIncident(record),
          onState: (change) => this.onCameraState(change),
        },
        outputs: {
          agentId: this.config.agent.id,
          counts: this.config.counts,
          flood: this.config.flood,
          ...(this.store?.counts !== undefined && { countStore: this.store.counts }),
          notify: () => this.uplink?.notify(),
          logger: this.logger,
        },
      }),
    );
  }

  private commandTarget(): CommandTarget {
    return {
      acknowledge: (id) => {
        this.writer!.flush(); // so events of it still being grouped are cancelled too
        const cancelled = this.store!.acknowledge(id);
        // The lifecycle stops producing updates for it; only its `end` is still sent.
        if (cancelled !== undefined) for (const cam of this.cameras.values()) cam.acknowledge(id);
        return cancelled;
      },
      status: () => this.status(),
      reloadFromDisk: async () => this.reload(await loadConfig(this.loaded.path)),
      snapshot: async (cameraId) => {
        const frame = this.cameras.get(cameraId)?.pipeline.lastFrame;
        if (!frame) return undefined;
        const { jpeg } = await renderSnapshot(frame);
        return { cameraId, capturedAt: new Date(frame.capturedAtMs).toISOString(), width: frame.width, height: frame.height, jpeg };
      },
      resend: (selector) => {
        this.writer!.flush();
        const queued = this.store!.resend(selector).length;
        this.uplink?.notify();
        return queued;
      },
      cameraIds: () => [...this.cameras.keys()],
    };
  }

  /** Store first (the writer's onSaved wakes the uplink): an incident exists once it is in SQLite, whatever the network does. */
  private onIncident(record: IncidentRecord): void {
    this.metrics.incidents.inc({ camera: record.incident.cameraId, type: record.incident.type });
    this.writer!.write(record);
  }

  private onCameraState(change: SourceStateChange): void {
    this.uplink?.publishCameraState(change);
  }

  status(): AgentStatus {
    const now = Date.now();
    const cameras: CameraStatus[] = [...this.cameras.values()].map((c) => {
      const s = c.source.stats();
      const { recentLatenciesMs, ...p } = c.pipeline.stats;
      const mark = this.fpsMarks.get(c.config.id) ?? { frames: 0, atMs: this.startedAtMs };
      const dt = (now - mark.atMs) / 1000;
      const analysisFps = dt > 0 ? (p.framesAnalysed - mark.frames) / dt : 0;
      if (dt >= 1) this.fpsMarks.set(c.config.id, { frames: p.framesAnalysed, atMs: now });
      return {
        id: c.config.id,
        state: s.state,
        framesDecoded: s.framesDecoded,
        framesDropped: s.framesDropped,
        framesAnalysed: p.framesAnalysed,
        inferencesRun: p.inferencesRun,
        inferencesSkipped: p.inferencesSkipped,
        framesShed: p.framesShed,
        targetFps: p.targetFps ?? c.config.analysis.fps,
        analysisFps: Math.round(analysisFps * 100) / 100,
        incidents: c.incidents,
        reconnects: s.reconnects,
        lastError: s.lastError && formatSourceError(s.lastError),
        avgLatencyMs: p.framesAnalysed ? Math.round(p.latencyMsTotal / p.framesAnalysed) : undefined,
        latencyP50Ms: quantile(recentLatenciesMs, 0.5),
        latencyP95Ms: quantile(recentLatenciesMs, 0.95),
        pipeline: p,
      };
    });
    return {
      agentId: this.config.agent.id,
      version: agentVersion(),
      uptimeS: Math.round((now - this.startedAtMs) / 1000),
      model: this.config.detection.model,
      detector: { busyFraction: Math.round(this.scheduler.busyFraction * 100) / 100, queued: this.scheduler.queued },
      uplink: this.uplink?.stats() ?? { connected: false, published: 0, pending: this.store?.pendingCount() ?? 0 },
      cameras,
    };
  }

  /** Recent frame-to-decision latencies of one camera (ms), oldest first: for the benchmark's percentiles. */
  pipelineLatencies(cameraId: string): number[] {
    return [...(this.cameras.get(cameraId)?.pipeline.stats.recentLatenciesMs ?? [])];
  }

  private refreshMetrics(): void {
    const m = this.metrics;
    const status = this.status();
    for (const c of status.cameras) {
      const camera = c.id;
      m.framesDecoded.set({ camera }, c.framesDecoded);
      m.framesDropped.set({ camera }, c.framesDropped);
      m.framesAnalysed.set({ camera }, c.framesAnalysed);
      m.reconnects.set({ camera }, c.reconnects);
      m.cameraUp.set({ camera }, c.state === 'online' ? 1 : 0);
      m.analysisFps.set({ camera }, c.analysisFps);
      m.framesWithMotion.set({ camera }, c.pipeline.framesWithMotion);
      m.inferencesRun.set({ camera }, c.inferencesRun);
      m.inferencesSkipped.set({ camera }, c.inferencesSkipped);
      m.framesShed.set({ camera }, c.framesShed);
      m.targetFps.set({ camera }, c.targetFps);
    }
    m.detectorBusy.set(status.detector.busyFraction);
    m.backlog.set(status.uplink.pending);
    m.mqttConnected.set(status.uplink.connected ? 1 : 0);
    try {
      const fs = statfsSync(resolveConfigPath(this.loaded, this.config.agent.dataDir));
      m.diskFreeBytes.set(fs.bavail * fs.bsize);
    } catch {
      // dataDir vanished: the store reports that itself; the gauge keeps its last value.
    }
  }

  /** Every stats interval: one log line per camera, and stats plus line counts to the IOC. */
  private reportStats(): void {
    const status = this.status();
    let diskFreeBytes: number | undefined;
    try {
      const fs = statfsSync(resolveConfigPath(this.loaded, this.config.agent.dataDir));
      diskFreeBytes = fs.bavail * fs.bsize;
    } catch {
      diskFreeBytes = undefined;
    }
    this.uplink?.publishTelemetry({
      kind: 'stats',
      payload: {
        agentId: status.agentId,
        uptimeS: status.uptimeS,
        backlog: status.uplink.pending,
        published: status.uplink.published,
        diskFreeBytes,
        cameras: status.cameras.map((c) => ({
          id: c.id,
          state: c.state,
          analysisFps: c.analysisFps,
          framesDecoded: c.framesDecoded,
          framesDropped: c.framesDropped,
          inferencesRun: c.inferencesRun,
          inferencesSkipped: c.inferencesSkipped,
          incidents: c.incidents,
          latencyP95Ms: c.latencyP95Ms,
        })),
      },
    });
    for (const cam of this.cameras.values()) {
      const lines = cam.lineCounts();
      if (lines.length) this.uplink?.publishTelemetry({ kind: 'counts', cameraId: cam.config.id, payload: { cameraId: cam.config.id, lines } });
    }
    for (const c of status.cameras) {
      this.log.info(
        {
          camera: c.id,
          state: c.state,
          framesDecoded: c.framesDecoded,
          framesDropped: c.framesDropped,
          framesAnalysed: c.framesAnalysed,
          inferencesSkipped: c.inferencesSkipped,
          framesShed: c.framesShed,
          targetFps: c.targetFps,
          analysisFps: c.analysisFps,
          latencyP50Ms: c.latencyP50Ms,
          latencyP95Ms: c.latencyP95Ms,
          incidents: c.incidents,
          backlog: status.uplink.pending,
        },
        'camera stats',
      );
    }
  }

  /**
   * Hot reload (SIGHUP, or the IOC's `reload` command): the caller has already validated the new config,
   * so an invalid file never gets here. Only cameras whose config changed restart.
   */
  reload(next: LoadedConfig): Promise<ReloadPlan> {
    const run = this.reloading.then(() => this.applyReload(next));
    this.reloading = run.catch(() => undefined);
    return run;
  }

  private async applyReload(next: LoadedConfig): Promise<ReloadPlan> {
    await this.start();
    const plan = planReload(this.loaded, next);
    if (plan.needsRestart.length) {
      this.log.warn({ settings: plan.needsRestart }, 'these settings change only on a full restart (systemctl restart camwatch); keeping the running values');
    }
    // Keep what cannot change live, so the running agent and its config stay consistent.
    const { config } = next;
    const kept: LoadedConfig = {
      ...next,
      config: { ...config, agent: { ...config.agent, id: this.config.agent.id, dataDir: this.config.agent.dataDir }, health: this.config.health },
    };
    // A removed camera's incidents end (its rules are gone); a disabled one's end as camera_reload. A changed
    // camera hands its open incidents to its next run, which continues those its new rules see again.
    const suspended = new Map<string, SuspendedIncident[]>();
    await Promise.all([
      ...plan.stop.map((id) => this.stopCamera(id, { endReason: config.cameras.some((c) => c.id === id) ? 'camera_reload' : 'rule_removed' })),
      ...plan.restart.map(async (id) => suspended.set(id, await this.stopCamera(id, { suspend: true }))),
    ]);
    this.loaded = kept;
    if (plan.uplink) {
      await this.uplink?.stop();
      await this.startUplink();
    }
    if (plan.detector) {
      const old = this.detector;
      this.detector = await this.createDetector();
      await old?.close();
    }
    for (const id of plan.restart) this.startCamera(id, { incidents: suspended.get(id) ?? [], after: 'reload' });
    for (const id of plan.start) this.startCamera(id);
    this.log.info(
      { started: plan.start, stopped: plan.stop, restarted: plan.restart, unchanged: plan.unchanged, detector: plan.detector, uplink: plan.uplink },
      'config reloaded',
    );
    return plan;
  }

  private async stopCamera(id: string, options?: Parameters<RunningCamera['stop']>[0]): Promise<SuspendedIncident[]> {
    const cam = this.cameras.get(id);
    if (!cam) return [];
    this.cameras.delete(id);
    this.fpsMarks.delete(id);
    return cam.stop(options);
  }

  /**
   * Idempotent: stops cameras, then detector, uplink, broker, store and health server, in reverse start
   * order. A stop during start (SIGTERM while the model loads) waits for start to settle first.
   */
  stop(): Promise<void> {
    this.stopRequested = true;
    this.stopping ??= (async () => {
      await this.starting?.catch(() => undefined);
      await this.reloading;
      await this.doStop();
    })();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    clearInterval(this.statsTimer);
    clearInterval(this.maintainTimer);
    const steps: Array<[string, () => Promise<unknown> | void]> = [
      // Open incidents stay open (they are in the store): the next start continues or ends them.
      ['cameras', () => Promise.all([...this.cameras.keys()].map((id) => this.stopCamera(id, { suspend: true })))],
      ['detector', () => this.detector?.close()],
      ['store writer', () => this.writer?.stop()],
      ['uplink', () => this.uplink?.stop()],
      ['broker', () => this.broker?.close()],
      ['store', () => this.store?.close()],
      ['data directory lock', () => this.dataDirLock?.release()],
      ['health', () => this.health?.close()],
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
}
