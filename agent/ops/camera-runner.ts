import type { CameraConfig, Config, LoadedConfig } from '../config/index.js';
import { createFrameSource, type Frame, type FrameSource, type SourceStateChange } from '../frames/index.js';
import { planTiles, type DetectorScheduler, type Detector } from '../detection/index.js';
import { createTracker, TrackCoaster, trackerOptionsFromConfig } from '../tracking/index.js';
import { buildCameraDownRules, buildRules, lineCounts, rulesRegion, type LineCountsReport, type Rule } from '../rules/index.js';
import { IncidentLifecycle, type EndReason, type IncidentRecord, type SuspendedIncident } from '../incidents/index.js';
import { IdleMotionCells, InferenceGate, MotionCropper, MotionDetector } from '../motion/index.js';
import { AdaptiveRate } from './adaptive-rate.js';
import { CameraPipeline, type FrameOutcome } from './camera-pipeline.js';
import { TileFocus } from './tile-focus.js';
import { WALL_CLOCK, type Clock, type Logger } from '../core/index.js';
import { CameraOutputs, type CameraOutputsDeps } from './camera-outputs.js';
import { DEFAULT_COUNT_PERSIST_MS } from '../counts/index.js';
import { createStillPrivacy, type RegionDetector, type StillPrivacy } from '../privacy/index.js';
import { attachFullStills, fullStillSource } from './full-still.js';

/** How often silent cameras (camera_down) and stale incidents are checked (ms). */
export const DEFAULT_LIFECYCLE_TICK_MS = 1_000;

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
  /** The camera's privacy step: every still of it (incidents, the snapshot command) goes through it. */
  readonly privacy: StillPrivacy;
  /** Incidents opened (status `new`). */
  incidents: number;
  /** Cumulative per-class counts of the camera's counting lines. */
  lineCounts(): LineCountsReport[];
  /** The IOC acknowledged an incident: its further updates are not sent. */
  acknowledge(incidentId: string): boolean;
  /**
   * Stops the camera. Its open incidents end with `endReason` (default `agent_stop`), or with `suspend` are
   * returned open, for the camera's next start (a reload) or the next process (they are in the store).
   */
  stop(options?: { suspend?: boolean; endReason?: EndReason }): Promise<SuspendedIncident[]>;
  /**
   * Settles when the analysis loop has ended (source stopped or at the end of a file): with the error
   * that ended it, if any (already logged). Live cameras end only on stop(); a replayed file ends by itself.
   */
  readonly ended: Promise<{ error?: unknown }>;
}

/** What a camera is made of besides its config: shared parts and where its output goes. */
export interface CameraDeps {
  loaded: LoadedConfig;
  detector: Detector;
  scheduler: DetectorScheduler;
  logger: Logger;
  sinks: CameraSinks;
  /** Time of the camera's timers, latency and incidents; default the wall clock (eval: the video's). */
  clock?: Clock;
  /**
   * The frame source; default createFrameSource (supervised ffmpeg). Eval passes a lossless replay of a file.
   * `decoded` is the camera as its decoder must see it (decodedAs): build the source from it.
   */
  createSource?: (onState: (change: SourceStateChange) => void, decoded: CameraConfig) => FrameSource;
  /** false: incidents carry no snapshot (eval: drawing costs CPU and decides nothing). Default: snapshots on. */
  snapshots?: boolean;
  /** Called once per analysed frame, in order, after its incidents were emitted. */
  onAnalysed?: (frame: Frame, outcome: FrameOutcome) => void;
  /** Incidents left open by the previous process (from the store) or the camera's previous run (a reload). */
  restore?: { incidents: readonly SuspendedIncident[]; after: 'restart' | 'reload' };
  /** Count telemetry, flood control and evidence budget (the agent); absent: raw incidents only (eval). */
  outputs?: CameraOutputsDeps;
  /** Face / plate detectors for privacy blur, loaded by the agent when a camera switches blur on. */
  privacyDetectors?: { face?: RegionDetector; plate?: RegionDetector };
}

/** The camera's privacy step, saying at debug level what it blurred in each still (blur on only: masks are silent). */
function loggedPrivacy(privacy: StillPrivacy, log: Logger): StillPrivacy {
  if (privacy.none) return privacy;
  return {
    none: false,
    async apply(frame, subjects) {
      const result = await privacy.apply(frame, subjects);
      if (result.report.faces + result.report.plates + result.report.keptOnSubject > 0) log.debug({ privacy: result.report }, 'still blurred');
      return result;
    },
  };
}

/**
 * The camera as its decoder sees it. Tiled detection looks at native resolution for detail, which the fast
 * decoding options take away: with tiles, fastDecode counted 3 of the Saigon bike lane's 5 motorbikes
 * instead of 5 (camwatch eval eval/clips/vn_saigon_intersection.yaml --set camera.tiling.enabled=true
 * --set camera.analysis.fastDecode=false|true), while on whole frames it changed no incident. So a tiled
 * camera decodes at full quality.
 */
export function decodedAs<C extends Pick<CameraConfig, 'analysis' | 'tiling'>>(camera: C): C {
  if (!camera.tiling.enabled || !camera.analysis.fastDecode) return camera;
  return { ...camera, analysis: { ...camera.analysis, fastDecode: false } };
}

/** The windows tiled detection runs on for one frame size (camera.tiling). */
function cameraTiles(camera: CameraConfig, detector: Detector, frame: { width: number; height: number }, src: { width?: number; height?: number }) {
  const t = camera.tiling;
  const geo = { frameWidth: frame.width, frameHeight: frame.height, ...(src.width && { sourceWidth: src.width }), ...(src.height && { sourceHeight: src.height }) };
  const region = t.region === 'rules' ? rulesRegion(camera, geo, t.padding) : { x: 0, y: 0, width: frame.width, height: frame.height };
  return planTiles(region, { width: detector.model.inputWidth, height: detector.model.inputHeight }, { maxTiles: t.maxTiles, minOverlapPx: t.minOverlapPx });
}

/**
 * Load shedding for a camera. `analysis.fps` counts frames per second of video; a recording replayed at
 * `speed` k delivers k times that per wall-clock second, and one replayed as fast as possible is never
 * throttled (it is analysed as fast as the box can).
 */
function analysisRate(camera: CameraConfig, shedding: Config['detection']['loadShedding']): AdaptiveRate | undefined {
  const speed = 'file' in camera.source ? camera.source.speed : 1;
  if (speed === 0 || !shedding.enabled) return undefined;
  return new AdaptiveRate({ maxFps: camera.analysis.fps * speed, minFps: shedding.minFps * speed, lagBudgetMs: shedding.lagBudgetMs });
}

/**
 * Starts one camera. Its failures stay inside: the source reconnects by itself, and a pipeline error is
 * logged without touching other cameras. Hits go through the incident lifecycle, so a vehicle that
 * stays stopped is one incident (new → update → end), not one per frame.
 */
export function startCamera(camera: CameraConfig, deps: CameraDeps): RunningCamera {
  const { loaded, detector, scheduler, logger, sinks } = deps;
  const clock = deps.clock ?? WALL_CLOCK;
  const log = logger.child({ component: 'camera', camera: camera.id });
  // Without snapshots (eval) no still is drawn: no blur detector is needed, whatever the config says.
  const privacySettings = deps.snapshots === false ? { ...camera.privacy, blurFaces: false, blurPlates: false } : camera.privacy;
  const privacy = loggedPrivacy(createStillPrivacy(privacySettings, deps.privacyDetectors), log);
  const lifecycle = new IncidentLifecycle({
    agentId: loaded.config.agent.id,
    camera,
    privacy,
    now: () => clock.now(),
    ...(deps.snapshots === false && { snapshot: false as const }),
    onSnapshotError: (err: unknown) => log.warn({ err }, 'snapshot failed; incident kept without evidence'),
  });
  const outputs = deps.outputs === undefined ? undefined : new CameraOutputs(camera, { ...deps.outputs, now: () => clock.now() });
  const fullStill = deps.snapshots === false ? undefined : fullStillSource(camera, loaded, log);
  // With full-resolution stills, a `new` event waits (at most stills.timeoutSeconds) for its main-stream frame;
  // the camera's later events queue behind it, so the store and the IOC still see them in order.
  let delivering: Promise<void> = Promise.resolve();
  const emit = (raw: IncidentRecord[]) => {
    const records = outputs === undefined ? raw : outputs.filter(raw);
    if (fullStill === undefined) return deliver(records);
    delivering = delivering
      .then(() => attachFullStills(records, fullStill, privacy, camera.stills.timeoutSeconds * 1000, log, abort.signal)) // stop() aborts a grab in flight
      .then(deliver, (err: unknown) => {
        log.error({ err }, 'full-resolution still failed; events sent without it');
        deliver(records);
      })
      // The chain must stay usable: a failing sink loses these events' log line, never the camera's later events.
      .catch((err: unknown) => log.error({ err }, 'incident events could not be handed on'));
  };
  const deliver = (records: IncidentRecord[]) => {
    for (const record of records) {
      const { incident } = record;
      if (incident.status === 'new') running.incidents++;
      sinks.onIncident(record);
      log.info(
        { incidentId: incident.id, status: incident.status, type: incident.type, rule: incident.ruleId, trackId: incident.trackId, class: incident.className },
        `incident ${incident.status}: ${incident.title.en}`,
      );
    }
  };
  const lifecycleError = (err: unknown) => log.error({ err }, 'incident lifecycle failed for this event');
  // camera_down must exist before any frame arrives: built apart from the frame-size-dependent rules.
  const downRules = buildCameraDownRules(camera, clock.now());
  let rules: Rule[] = [];
  let rulesBuilt = false;

  const onState = (change: SourceStateChange) => {
    sinks.onState(change);
    const hits = downRules.flatMap((r) => r.onState(change.state, change.atMs, change.lastError));
    if (hits.length) lifecycle.handle(hits).then(emit, lifecycleError);
  };
  const decoded = decodedAs(camera);
  const source = deps.createSource
    ? deps.createSource(onState, decoded)
    : createFrameSource(decoded, { logger, baseDir: loaded.baseDir, password: loaded.secrets.cameraPasswords[camera.id], onState });
  const abort = new AbortController();
  const pipeline = new CameraPipeline({
    cameraId: camera.id,
    source,
    detector,
    scheduler,
    rate: analysisRate(camera, loaded.config.detection.loadShedding),
    // A camera faster than the model keeps its next frame queued at the detector (the scheduler allows two runs in flight).
    maxInFlight: 2,
    motion: camera.motion.enabled
      ? {
          detector: new MotionDetector({
            pixelThreshold: camera.motion.pixelThreshold,
            minAreaFraction: camera.motion.minAreaFraction,
            masks: camera.motion.masks,
            ignoreClock: camera.motion.ignoreClock,
          }),
          gate: new InferenceGate({ keepAliveSeconds: camera.motion.keepAliveSeconds, emptySweepSeconds: camera.motion.emptySweepSeconds }),
          cropper: camera.motion.cropToMotion ? new MotionCropper({ fullFrameEverySeconds: camera.motion.keepAliveSeconds }) : undefined,
          idle: camera.motion.ignoreIdleMotion ? new IdleMotionCells() : undefined,
          coaster: camera.motion.coastTracks ? new TrackCoaster(loaded.config.detection.scoreThreshold) : undefined,
        }
      : undefined,
    ...(camera.tiling.enabled && { tiles: (frame: { width: number; height: number }, src: { width?: number; height?: number }) => cameraTiles(camera, detector, frame, src) }),
    ...(camera.tiling.enabled && camera.tiling.focus && camera.motion.enabled && { tileFocus: new TileFocus({ allEverySeconds: camera.motion.keepAliveSeconds }) }),
    nmsIouThreshold: loaded.config.detection.nmsIouThreshold,
    logger: log,
    makeTracker: () => createTracker(trackerOptionsFromConfig(loaded.config.tracking, detector.model.classNames, loaded.config.detection.scoreThreshold)),
    makeRules: (frame, src) => {
      // New frame geometry: rule state is meaningless now, so open incidents end here (not on the first build:
      // incidents restored after a restart wait for the new rules to see them again).
      if (rulesBuilt) emit(lifecycle.closeAll(frame.capturedAtMs, 'stream_changed'));
      rulesBuilt = true;
      rules = buildRules(
        camera,
        { width: frame.width, height: frame.height, sourceWidth: src.width, sourceHeight: src.height },
        { skipTypes: ['camera_down'] },
      );
      // camera_down's evaluate() means "a frame arrived". The count probe reads the line rules' counters after them.
      const geometry = { width: frame.width, height: frame.height, sourceWidth: src.width, sourceHeight: src.height };
      return [...(outputs === undefined ? rules : outputs.withProbe(rules, geometry)), ...downRules];
    },
    onHits: async (hits, frame) => emit(await lifecycle.handle(hits, frame)),
    ...(deps.onAnalysed && { onAnalysed: deps.onAnalysed }),
    now: () => clock.now(),
  });
  const cancelTicks = clock.every(DEFAULT_LIFECYCLE_TICK_MS, () => {
    const now = clock.now();
    const hits = downRules.flatMap((r) => r.check(now));
    if (hits.length) lifecycle.handle(hits).then(emit, lifecycleError);
    emit(lifecycle.tick(now));
  });
  const cancelCountFlush = outputs?.counter === undefined ? () => undefined : clock.every(DEFAULT_COUNT_PERSIST_MS, () => outputs.counter!.flush());

  const running: RunningCamera = {
    config: camera,
    source,
    pipeline,
    privacy,
    incidents: 0,
    lineCounts: () => lineCounts(rules),
    acknowledge: (id) => lifecycle.acknowledge(id),
    get ended() {
      return ended;
    },
    async stop(options = {}) {
      cancelTicks();
      cancelCountFlush();
      abort.abort();
      await source.stop();
      await ended;
      if (options.suspend === true) {
        const suspended = lifecycle.suspend();
        if (outputs !== undefined) emit(outputs.stop());
        await delivering;
        return outputs === undefined ? suspended : outputs.continued(suspended);
      }
      emit(lifecycle.closeAll(clock.now(), options.endReason ?? 'agent_stop'));
      if (outputs !== undefined) emit(outputs.stop());
      await delivering;
      return [];
    },
  };
  if (deps.restore !== undefined && deps.restore.incidents.length > 0) {
    emit(lifecycle.restore(deps.restore.incidents, clock.now(), deps.restore.after));
    log.info({ restored: deps.restore.incidents.length, after: deps.restore.after }, 'open incidents restored: each continues if its condition is seen again, or ends');
  }
  source.start();
  const ended: Promise<{ error?: unknown }> = pipeline.run(abort.signal).then(
    () => ({}),
    (err: unknown) => {
      log.error({ err }, 'camera pipeline failed; other cameras keep running');
      return { error: err };
    },
  );
  return running;
}
