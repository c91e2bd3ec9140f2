import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { agentStatus, type AgentSnapshot } from './telemetry.js';

/** Inference latency buckets (s): YOLOX-nano runs ~20–80 ms on a 2-core box; the tail matters most. */
const INFERENCE_BUCKETS_S = [0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2];

/** The agent's Prometheus metrics, on their own registry so tests can build several agents in one process. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly framesDecoded = new Counter({ name: 'camwatch_frames_decoded_total', help: 'Frames decoded by ffmpeg', labelNames: ['camera'], registers: [this.registry] });
  readonly framesDropped = new Counter({ name: 'camwatch_frames_dropped_total', help: 'Decoded frames dropped because analysis was busy (newest frame wins)', labelNames: ['camera'], registers: [this.registry] });
  readonly framesAnalysed = new Counter({ name: 'camwatch_frames_analysed_total', help: 'Frames run through detection, tracking and rules', labelNames: ['camera'], registers: [this.registry] });
  readonly reconnects = new Counter({ name: 'camwatch_camera_reconnects_total', help: 'Decoder restarts per camera', labelNames: ['camera'], registers: [this.registry] });
  readonly cameraUp = new Gauge({ name: 'camwatch_camera_up', help: '1 when the camera delivers frames', labelNames: ['camera'], registers: [this.registry] });
  readonly framesWithMotion = new Counter({ name: 'camwatch_frames_with_motion_total', help: 'Analysed frames in which the motion gate saw something move', labelNames: ['camera'], registers: [this.registry] });
  readonly inferencesRun = new Counter({ name: 'camwatch_inferences_run_total', help: 'Frames the detector ran on', labelNames: ['camera'], registers: [this.registry] });
  readonly inferencesSkipped = new Counter({ name: 'camwatch_inferences_skipped_total', help: 'Frames analysed with the previous detections because nothing moved', labelNames: ['camera'], registers: [this.registry] });
  readonly framesShed = new Counter({ name: 'camwatch_frames_shed_total', help: 'Frames skipped because load shedding lowered the camera\'s analysis fps', labelNames: ['camera'], registers: [this.registry] });
  readonly targetFps = new Gauge({ name: 'camwatch_analysis_target_fps', help: 'Analysis fps in force: the configured rate unless load shedding lowered it', labelNames: ['camera'], registers: [this.registry] });
  readonly detectorBusy = new Gauge({ name: 'camwatch_detector_busy_ratio', help: 'Share of the last 10 s the shared detector was running (0..1)', registers: [this.registry] });
  readonly analysisFps = new Gauge({ name: 'camwatch_analysis_fps', help: 'Frames analysed per second over the last 10 s', labelNames: ['camera'], registers: [this.registry] });
  readonly incidents = new Counter({ name: 'camwatch_incidents_total', help: 'Incidents raised', labelNames: ['camera', 'type'], registers: [this.registry] });
  readonly inferenceSeconds = new Histogram({ name: 'camwatch_inference_seconds', help: 'Detector latency per frame', buckets: INFERENCE_BUCKETS_S, registers: [this.registry] });
  readonly backlog = new Gauge({ name: 'camwatch_outbox_backlog', help: 'Incidents stored but not yet acknowledged by the broker', registers: [this.registry] });
  readonly mqttConnected = new Gauge({ name: 'camwatch_mqtt_connected', help: '1 when connected to the broker', registers: [this.registry] });
  readonly diskFreeBytes = new Gauge({ name: 'camwatch_disk_free_bytes', help: 'Free bytes on the data directory filesystem', registers: [this.registry] });

  /** Each camera counter at the previous record(), keyed by metric and camera: counters grow by the delta. */
  private readonly lastCounts = new Map<string, { runStartedAtMs: number; value: number }>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'camwatch_process_' });
  }

  /** Brings the metrics up to a snapshot of the agent (projected as the status API sees it), before a scrape renders them. */
  record(snapshot: AgentSnapshot): void {
    const status = agentStatus(snapshot);
    status.cameras.forEach((c, i) => {
      const camera = c.id;
      const run = snapshot.cameras[i]!.startedAtMs;
      this.count(this.framesDecoded, 'decoded', camera, run, c.framesDecoded);
      this.count(this.framesDropped, 'dropped', camera, run, c.framesDropped);
      this.count(this.framesAnalysed, 'analysed', camera, run, c.framesAnalysed);
      this.count(this.reconnects, 'reconnects', camera, run, c.reconnects);
      this.count(this.framesWithMotion, 'motion', camera, run, c.pipeline.framesWithMotion);
      this.count(this.inferencesRun, 'run', camera, run, c.inferencesRun);
      this.count(this.inferencesSkipped, 'skipped', camera, run, c.inferencesSkipped);
      this.count(this.framesShed, 'shed', camera, run, c.framesShed);
      this.cameraUp.set({ camera }, c.state === 'online' ? 1 : 0);
      this.analysisFps.set({ camera }, c.analysisFps);
      this.targetFps.set({ camera }, c.targetFps);
    });
    this.detectorBusy.set(status.detector.busyFraction);
    this.backlog.set(status.uplink.pending);
    this.mqttConnected.set(status.uplink.connected ? 1 : 0);
    // Unreadable (dataDir vanished): the store reports that itself; the gauge keeps its last value.
    if (snapshot.diskFreeBytes !== undefined) this.diskFreeBytes.set(snapshot.diskFreeBytes);
  }

  /**
   * A camera's running total as a Counter: increased by what it grew since the last record. A camera that
   * restarted (reload: a new run) counts from 0 again, so all of its value is new: rate() sees no reset.
   */
  private count(counter: Counter<'camera'>, key: string, camera: string, runStartedAtMs: number, value: number): void {
    const id = `${key}\u0000${camera}`;
    const last = this.lastCounts.get(id);
    const since = last !== undefined && last.runStartedAtMs === runStartedAtMs ? last.value : 0;
    counter.inc({ camera }, Math.max(0, value - since));
    this.lastCounts.set(id, { runStartedAtMs, value });
  }
}
