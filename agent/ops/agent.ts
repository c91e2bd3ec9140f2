import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type LoadedConfig, loadConfig, resolveConfigPath, type Config } from '../config/index.js';
import { renderStill, type IncidentRecord, type SuspendedIncident } from '../incidents/index.js';
import { checkModelPin, findModel, loadManifest, pinAdvice, resolveModelFile, DetectorScheduler, type Detector } from '../detection/index.js';
import { createAgentDetector } from './agent-detector.js';
import { blurKinds, privacyDetectors, type PrivacyDetectors } from '../privacy/index.js';
import { formatSourceError, type SourceStateChange } from '../frames/index.js';
import { endUnconfiguredIncidents } from './open-incidents.js';
import { closeOrphanBins, DEFAULT_COUNT_PERSIST_MS } from '../counts/index.js';
import { createStoreWriter, currentOwner, DEFAULT_STORE_MAINTAIN_INTERVAL_MS, lockDataDir, openStore, STORE_FILE, type DataDirLock, type StoreWriter, type IncidentStore } from '../store/index.js';
import { ClipUploader, createMqttUplink, embeddedCredentialsPath, loadOrCreateOperatorLogin, startEmbeddedBroker, uplinkClientId, DEFAULT_STOP_DRAIN_TIMEOUT_MS, DEFAULT_STOP_DISCONNECT_TIMEOUT_MS, type BrokerAccessPolicy, type EmbeddedBroker, type Uplink } from '../uplink/index.js';
import { type Logger, agentVersion, describeError, diskFreeBytes } from '../core/index.js';
import { startConsoleServer, type ConsolePort, type RunningConsole } from '../console/index.js';
import { startCamera, type RunningCamera } from './camera-runner.js';
import { AgentClips } from './agent-clips.js';
import { agentCommands, type CommandTarget } from './commands.js';
import { startHealthServer } from './health-server.js';
import { AgentMetrics } from './metrics.js';
import { planReload, restartedComponents, type ReloadPlan } from './reload-plan.js';
import { healthReport, type AgentStatus } from './status-report.js';
import type { Component } from './component.js';
import { Supervisor, type StopOutcome } from './supervisor.js';
import { EventLoopDelayMonitor } from './event-loop-delay.js';
import { agentStats, agentStatus, cameraStatsLogLines, type AgentSnapshot } from './telemetry.js';

export type { AgentStatus, CameraStatus } from './status-report.js';

export interface AgentOptions {
  loaded: LoadedConfig;
  logger: Logger;
  /** Test only (`camwatch run` reads CAMWATCH_TEST_HANG_STOP, names separated by commas): these components' stop never settles, to prove the deadlines. */
  faults?: { hangOnStop?: string };
}

/**
 * The running agent: a supervisor over its components (data directory lock, health server, store, embedded
 * broker when no broker URL is configured, uplink, store writer, the shared detector, the cameras, the stats
 * and maintenance timers), started in dependency order and stopped in reverse. A camera that fails is logged
 * and retried by its own source; it never stops the others.
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
  /** Evidence clips: per-camera rings and recorders (cameras with clips.enabled). */
  private clips?: AgentClips;
  /** The clip upload lane (clips.upload), beside the MQTT drain. */
  private clipUploader?: ClipUploader;
  private detector?: Detector;
  /** Face and plate detectors of the privacy blur, opened at the first still that needs them. */
  private privacy?: PrivacyDetectors;
  /**
   * Fair turns at the one detector, shared by every camera (and kept across detector swaps on reload).
   * Two runs in flight: the detector's worker thread always has the next image queued.
   */
  private readonly scheduler = new DetectorScheduler({ maxInFlight: 2 });
  private broker?: EmbeddedBroker;
  private health?: { url: string; close(): Promise<void> };
  private console?: RunningConsole;
  private readonly cameras = new Map<string, RunningCamera>();
  /** When each camera's current run started (epoch ms): its fps window starts no earlier. */
  private readonly cameraStartedAtMs = new Map<string, number>();
  private readonly supervisor: Supervisor;
  private started = false;
  private starting?: Promise<void>;
  private stopping?: Promise<StopOutcome[]>;
  /** How late the main thread runs (status, bench): every camera's work and the detectors' answers go through it. */
  private readonly loopDelay = new EventLoopDelayMonitor();
  /** Reloads run one at a time (SIGHUP twice in a row must not interleave camera restarts). */
  private reloading: Promise<unknown> = Promise.resolve();

  constructor(options: AgentOptions) {
    this.loaded = options.loaded;
    this.logger = options.logger;
    this.log = options.logger.child({ component: 'agent' });
    const hang = new Set(options.faults?.hangOnStop?.split(',') ?? []);
    const components = this.components().map((c): Component => (hang.has(c.name) ? { ...c, stop: () => new Promise<void>(() => undefined) } : c));
    this.supervisor = new Supervisor(components, this.log);
  }

  /** The agent's parts, in boot order (the supervisor checks each comes after what it depends on). */
  private components(): Component[] {
    const timers: { stats?: NodeJS.Timeout; maintain?: NodeJS.Timeout; orphanBins?: NodeJS.Timeout } = {};
    return [
      {
        // First: a second agent on this store must say so, not fail later on the health port or the broker.
        name: 'data directory lock',
        start: () => {
          const dataDir = resolveConfigPath(this.loaded, this.config.agent.dataDir);
          mkdirSync(dataDir, { recursive: true });
          this.dataDirLock = lockDataDir(dataDir, currentOwner(this.loaded.path, this.config.agent.id));
        },
        stop: () => this.dataDirLock?.release(),
      },
      {
        name: 'health',
        dependsOn: ['data directory lock'],
        start: async () => {
          if (this.config.health.enabled) this.health = await this.startHealth();
        },
        stop: () => this.health?.close(),
      },
      {
        name: 'store',
        dependsOn: ['data directory lock'],
        start: () => {
          this.store = openStore({
            path: join(resolveConfigPath(this.loaded, this.config.agent.dataDir), STORE_FILE),
            logger: this.logger,
            quotas: this.config.store,
            recoverCommand: `camwatch store recover --config ${this.loaded.path}`,
          });
        },
        stop: () => this.store?.close(),
      },
      {
        // Quotas, retention, and incidents held in memory while the disk was full: never in the frame path.
        name: 'store maintenance',
        dependsOn: ['store'],
        start: () => {
          timers.maintain = setInterval(() => {
            try {
              this.store?.maintain(Date.now());
              this.store?.clips?.maintain(this.config.clips.maxStoreBytes, Date.now());
            } catch (err) {
              this.log.warn({ err }, 'store maintenance failed; retrying at the next interval');
            }
          }, DEFAULT_STORE_MAINTAIN_INTERVAL_MS);
          timers.maintain.unref();
        },
        stop: () => clearInterval(timers.maintain),
      },
      {
        name: 'store writer',
        dependsOn: ['store'],
        start: () => {
          this.writer = createStoreWriter({
            store: this.store!,
            logger: this.logger,
            // Published only once committed: an incident exists when it is in SQLite. The uplink is looked up at
            // each save: it starts after the writer and is replaced on reload.
            onSaved: () => this.uplink?.notify(),
          });
        },
        // Synchronous: commits what is queued, before the store closes.
        stop: () => this.writer?.stop(),
      },
      {
        // Before the cameras (their incidents feed it), stopped after them (cuts of ended incidents, then the writer).
        name: 'clips',
        dependsOn: ['store writer'],
        start: () => {
          this.clips = new AgentClips({
            loaded: () => this.loaded,
            dataDir: resolveConfigPath(this.loaded, this.config.agent.dataDir),
            ...(this.config.clips.ringDir !== undefined && { ringDir: resolveConfigPath(this.loaded, this.config.clips.ringDir) }),
            logger: this.logger,
            store: () => this.store,
            flushWriter: () => this.writer?.flush(),
            write: (record) => this.writer?.write(record),
            onStored: () => this.clipUploader?.notify(),
          });
          this.clips.checkSpace();
        },
        stop: () => this.clips?.stop(),
      },
      {
        // Its own lane: uploads never wait for MQTT, and MQTT never waits for uploads.
        name: 'clip upload',
        dependsOn: ['store'],
        start: () => {
          const upload = this.config.clips.upload;
          if (upload === undefined || this.store?.clips === undefined) return;
          this.clipUploader = new ClipUploader({ clips: this.store.clips, upload, agentId: this.config.agent.id, logger: this.logger });
          this.clipUploader.start();
        },
        stop: () => this.clipUploader?.stop(),
      },
      {
        // Started once; kept across uplink restarts (a reload hands it the new policy).
        name: 'broker',
        dependsOn: ['data directory lock'],
        start: async () => {
          if (!this.config.mqtt.url) await this.embeddedBroker();
        },
        stop: () => this.broker?.close(),
      },
      {
        name: 'uplink',
        dependsOn: ['store', 'broker'],
        // Its own stop waits for PUBACKs in flight, then for the offline status and DISCONNECT.
        stopDeadlineMs: DEFAULT_STOP_DRAIN_TIMEOUT_MS + DEFAULT_STOP_DISCONNECT_TIMEOUT_MS + 1_000,
        start: () => this.startUplink(),
        stop: () => this.uplink?.stop(),
      },
      {
        name: 'detector',
        dependsOn: ['data directory lock'],
        start: async () => {
          this.detector = await this.createDetector();
          const { models } = this.config;
          this.privacy = privacyDetectors(resolveConfigPath(this.loaded, models.manifest), resolveConfigPath(this.loaded, models.dir));
          // A camera that blurs faces or plates needs its model at start, not at its first incident.
          await this.privacy.check(blurKinds(this.config.cameras.filter((c) => c.enabled).map((c) => c.privacy)));
        },
        stop: async () => {
          const detector = this.detector;
          const privacy = this.privacy;
          this.detector = undefined;
          await detector?.close();
          await privacy?.close();
        },
      },
      {
        name: 'cameras',
        dependsOn: ['detector', 'store writer', 'uplink', 'clips'],
        start: () => {
          const store = this.store!;
          // Incidents the previous process left open: those of cameras no longer running end now; the others
          // are handed to their camera, which continues or ends them.
          for (const record of endUnconfiguredIncidents(store, this.config, Date.now())) this.onIncident(record);
          for (const camera of this.config.cameras) {
            if (camera.enabled) this.startCamera(camera.id, { incidents: store.openIncidents(camera.id), after: 'restart' });
          }
          // Count bins of cameras no longer counting go out once their period ends (also those that ended while the agent was down).
          this.closeOrphanBins();
          timers.orphanBins = setInterval(() => this.closeOrphanBins(), DEFAULT_COUNT_PERSIST_MS);
          timers.orphanBins.unref();
        },
        // Open incidents stay open (they are in the store): the next start continues or ends them.
        stop: async () => {
          clearInterval(timers.orphanBins);
          await Promise.all([...this.cameras.keys()].map((id) => this.stopCamera(id, { suspend: true })));
        },
      },
      {
        // Last: it shows the cameras and edits their config. It failing (port taken) never stops the agent.
        name: 'console',
        dependsOn: ['cameras', 'store writer'],
        start: async () => {
          if (!this.config.console.enabled) return;
          try {
            this.console = await startConsoleServer(this.loaded, this.consolePort(), this.logger);
          } catch (err) {
            this.log.error({ err }, `console not started; the agent runs on without it: ${describeError(err)}`);
          }
        },
        stop: () => this.console?.close(),
      },
      {
        name: 'stats',
        dependsOn: ['cameras', 'uplink'],
        start: () => {
          timers.stats = setInterval(() => this.reportStats(), this.config.health.statsIntervalSeconds * 1000);
          timers.stats.unref();
        },
        stop: () => clearInterval(timers.stats),
      },
    ];
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

  /** Starts every component in order; rejects with the first failure (the caller then calls stop()). */
  start(): Promise<void> {
    this.loopDelay.start();
    this.starting ??= this.supervisor.start().then(() => {
      if (this.supervisor.signal.aborted) return;
      this.started = true;
      this.log.info({ agentId: this.config.agent.id, cameras: this.cameras.size, model: this.config.detection.model, version: agentVersion() }, 'agent started');
    });
    return this.starting;
  }

  private startHealth(): Promise<{ url: string; close(): Promise<void> }> {
    return startHealthServer({
      host: this.config.health.host,
      port: this.config.health.port,
      logger: this.logger,
      report: () => healthReport(this.status(), this.started, Date.now()),
      status: () => this.status(),
      metrics: async () => {
        this.metrics.record(this.snapshot());
        return { contentType: this.metrics.registry.contentType, body: await this.metrics.registry.metrics() };
      },
    });
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
    await uplink.start();
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

  /**
   * Closes the ended count bins of cameras that no longer count. The config switches to a reload's only after
   * its stopped cameras have flushed their counters, so a camera is left out here until it has stopped.
   */
  private closeOrphanBins(): void {
    const counts = this.store?.counts;
    if (counts === undefined) return;
    try {
      const counting = new Set(this.config.cameras.filter((c) => c.enabled).map((c) => c.id));
      const closed = closeOrphanBins(counts, counting, [this.config.counts.binSeconds, this.config.counts.rollupSeconds], this.config.agent.id, Date.now());
      if (closed > 0) {
        this.log.info({ bins: closed }, 'count bins of cameras no longer counting closed and queued');
        this.uplink?.notify();
      }
    } catch (err) {
      this.log.warn({ err }, 'count bins of cameras no longer counting not closed; retrying at the next interval');
    }
  }

  private startCamera(id: string, restore?: { incidents: readonly SuspendedIncident[]; after: 'restart' | 'reload' }): void {
    const camera = this.config.cameras.find((c) => c.id === id);
    if (!camera) return;
    this.cameraStartedAtMs.set(id, Date.now());
    this.cameras.set(
      id,
      startCamera(camera, {
        ...(restore && { restore }),
        loaded: this.loaded,
        detector: this.detector!,
        ...(this.privacy && { privacyDetectors: this.privacy }),
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
    this.clips?.startCamera(camera);
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
        const camera = this.cameras.get(cameraId);
        const frame = camera?.pipeline.lastFrame;
        if (!camera || !frame) return undefined;
        const { jpeg } = await renderStill(frame, {}, {}, camera.privacy);
        return { cameraId, capturedAt: new Date(frame.capturedAtMs).toISOString(), width: frame.width, height: frame.height, jpeg };
      },
      resend: (selector) => {
        this.writer!.flush();
        const queued = this.store!.resend(selector).length;
        this.uplink?.notify();
        return queued;
      },
      cameraIds: () => [...this.cameras.keys()],
      clip: (incidentId) => this.store?.clips?.get(incidentId),
    };
  }

  /** The console's view of the agent: the commands' target plus the live frame, the config and the disk. */
  private consolePort(): ConsolePort {
    return {
      ...this.commandTarget(),
      diskFreeBytes: () => this.diskFreeBytes(),
      loaded: () => this.loaded,
      liveFrame: (cameraId) => {
        const cam = this.cameras.get(cameraId);
        const frame = cam?.pipeline.lastFrame;
        if (cam === undefined || frame === undefined) return undefined;
        const { sourceWidth, sourceHeight } = cam.source.stats();
        return {
          seq: frame.seq,
          capturedAtMs: frame.capturedAtMs,
          width: frame.width,
          height: frame.height,
          data: frame.data,
          ...(sourceWidth === undefined ? {} : { sourceWidth }),
          ...(sourceHeight === undefined ? {} : { sourceHeight }),
          detections: cam.pipeline.lastDetections,
          tracks: cam.pipeline.lastTracks,
          lineCounts: cam.lineCounts(),
        };
      },
    };
  }

  /** Store first (the writer's onSaved wakes the uplink): an incident exists once it is in SQLite, whatever the network does. */
  private onIncident(event: IncidentRecord): void {
    // The clip stage plans the incident's clip, and adds the clip's facts once it exists.
    const record = this.clips?.onIncident(event) ?? event;
    this.metrics.incidents.inc({ camera: record.incident.cameraId, type: record.incident.type });
    this.writer!.write(record);
  }

  private onCameraState(change: SourceStateChange): void {
    this.uplink?.publishCameraState(change);
  }

  /** The agent's state now, read without side effects: reading it twice changes nothing. */
  /** Detector workers running now (the pool grows with the load: detection.workers). */
  private detectorWorkers(): number {
    const d = this.detector as (Detector & { parallelRuns?: number }) | undefined;
    return d?.parallelRuns ?? 1;
  }

  snapshot(): AgentSnapshot {
    const now = Date.now();
    return {
      atMs: now,
      startedAtMs: this.startedAtMs,
      agentId: this.config.agent.id,
      version: agentVersion(),
      model: this.config.detection.model,
      detector: { busyFraction: this.scheduler.busyFraction, queued: this.scheduler.queued, workers: this.detectorWorkers() },
      eventLoop: this.loopDelay.read(),
      uplink: this.uplink?.stats() ?? { connected: false, published: 0, pending: this.store?.pendingCount() ?? 0 },
      diskFreeBytes: this.diskFreeBytes(),
      cameras: [...this.cameras.values()].map((c) => ({
        id: c.config.id,
        startedAtMs: this.cameraStartedAtMs.get(c.config.id) ?? this.startedAtMs,
        configuredFps: c.config.analysis.fps,
        source: c.source.stats(),
        pipeline: { ...c.pipeline.stats, recentLatenciesMs: [...c.pipeline.stats.recentLatenciesMs] },
        recentAnalysedAtMs: [...c.pipeline.recentAnalysedAtMs],
        incidents: c.incidents,
      })),
    };
  }

  /** What the agent is doing (/status, `camwatch status`, the `status` command): the snapshot's status projection. */
  status(): AgentStatus {
    return agentStatus(this.snapshot());
  }

  private diskFreeBytes(): number | undefined {
    return diskFreeBytes(resolveConfigPath(this.loaded, this.config.agent.dataDir));
  }

  /** Recent frame-to-decision latencies of one camera (ms), oldest first: for the benchmark's percentiles. */
  pipelineLatencies(cameraId: string): number[] {
    return [...(this.cameras.get(cameraId)?.pipeline.stats.recentLatenciesMs ?? [])];
  }

  /** Every stats interval: stats and line counts to the IOC, one log line per camera. */
  private reportStats(): void {
    const status = this.status();
    this.uplink?.publishTelemetry({ kind: 'stats', payload: agentStats(status) });
    for (const cam of this.cameras.values()) {
      const lines = cam.lineCounts();
      if (lines.length) this.uplink?.publishTelemetry({ kind: 'counts', cameraId: cam.config.id, payload: { cameraId: cam.config.id, lines } });
    }
    for (const line of cameraStatsLogLines(status)) this.log.info(line, 'camera stats');
    const rings = this.clips?.rings() ?? [];
    if (rings.length > 0) {
      // The clip rings and the upload lane, for a technician reading the log (not part of the MQTT stats).
      const rows = rings.map((r) => ({ camera: r.cameraId, state: r.state, segments: r.segments, bytes: r.bytes, restarts: r.restarts, ...(r.lastError !== undefined && { lastError: r.lastError }) }));
      this.log.info({ rings: rows, clipBytes: this.store?.clips?.bytes(), uploadsPending: this.store?.clips?.uploadsPending() }, 'clip stats');
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
      config: { ...config, agent: { ...config.agent, id: this.config.agent.id, dataDir: this.config.agent.dataDir, logLevel: this.config.agent.logLevel }, store: this.config.store, health: this.config.health, clips: this.config.clips, console: this.config.console },
    };
    // A removed camera's incidents end (its rules are gone); a disabled one's end as camera_reload. A changed
    // camera hands its open incidents to its next run, which continues those its new rules see again.
    const suspended = new Map<string, SuspendedIncident[]>();
    await Promise.all([
      ...plan.stop.map((id) => this.stopCamera(id, { endReason: config.cameras.some((c) => c.id === id) ? 'camera_reload' : 'rule_removed' })),
      ...plan.restart.map(async (id) => suspended.set(id, await this.stopCamera(id, { suspend: true }))),
    ]);
    this.loaded = kept;
    // The old detector is closed before the new one loads: every camera is stopped by then, and a 2-core box
    // need not hold two models at once.
    await this.supervisor.restart(restartedComponents(plan));
    if (this.supervisor.signal.aborted) return plan; // stopping: the cameras stay stopped
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
    this.cameraStartedAtMs.delete(id);
    const suspended = await cam.stop(options);
    await this.clips?.stopCamera(id);
    return suspended;
  }

  /**
   * Idempotent: stops the components in reverse start order, each within its deadline; one that fails or
   * hangs is logged and the others are still stopped. A stop during start (SIGTERM while the model loads)
   * makes start give up after the component in progress. Resolves how each stop went.
   */
  stop(): Promise<StopOutcome[]> {
    this.stopping ??= (async () => {
      const outcomes = await this.supervisor.stop(this.reloading);
      this.loopDelay.stop();
      this.log.info({ failed: outcomes.filter((o) => o.result !== 'stopped').map((o) => o.name), order: outcomes.map((o) => o.name) }, 'agent stopped');
      return outcomes;
    })();
    return this.stopping;
  }
}
