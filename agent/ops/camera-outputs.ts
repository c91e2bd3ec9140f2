import type { CameraConfig, Config } from '../config/index.js';
import { CameraCounter } from '../counts/index.js';
import { EvidenceBudget, FloodControl, newIncidentId, type IncidentRecord } from '../incidents/index.js';
import type { Rule } from '../rules/index.js';
import type { CountBinSink } from '../counts/index.js';
import type { Logger } from '../core/index.js';

/** What the agent gives a camera for its telemetry and flood control (eval gives none: it scores raw incidents). */
export interface CameraOutputsDeps {
  agentId: string;
  counts: Config['counts'];
  flood: Config['flood'];
  /** Count bins in the store; absent: no count telemetry. */
  countStore?: CountBinSink;
  /** New outbox rows (count bins) exist. */
  notify: () => void;
  logger: Logger;
  now?: () => number;
}

/**
 * A camera's outputs besides raw incidents: count bins (CameraCounter) and, on the incident path, flood
 * control then the evidence budget. One per running camera; a reload builds a new one, which resumes the
 * count bins the previous one persisted.
 */
export class CameraOutputs {
  readonly counter?: CameraCounter;
  private readonly flood: FloodControl;
  private readonly budget: EvidenceBudget;
  private readonly now: () => number;
  private lastOmittedLogged = 0;
  private readonly log: Logger;

  constructor(camera: CameraConfig, private readonly deps: CameraOutputsDeps) {
    this.now = deps.now ?? Date.now;
    this.log = deps.logger.child({ component: 'camera', camera: camera.id });
    if (deps.countStore !== undefined) {
      this.counter = new CameraCounter({
        camera,
        agentId: deps.agentId,
        periodsSeconds: [deps.counts.binSeconds, deps.counts.rollupSeconds],
        store: deps.countStore,
        notify: deps.notify,
        logger: deps.logger,
        now: this.now,
      });
    }
    this.flood = new FloodControl({ maxNewPerMinute: deps.flood.maxNewPerMinute, newId: (t) => newIncidentId(t) });
    this.budget = new EvidenceBudget(deps.flood.evidenceBytesPerHour);
  }

  /** The camera's rules plus the count probe, which must run after them (it reads their counters). */
  withProbe(rules: readonly Rule[], frame: { width: number; height: number; sourceWidth?: number; sourceHeight?: number }): Rule[] {
    return this.counter === undefined ? [...rules] : [...rules, this.counter.probe(rules, frame)];
  }

  /** Flood control, then the evidence budget, on events about to be stored. */
  filter(records: readonly IncidentRecord[]): IncidentRecord[] {
    const nowMs = this.now();
    const out = this.flood.admit(records, nowMs).map((r) => this.budget.apply(r, nowMs));
    if (this.budget.omitted > this.lastOmittedLogged && nowMs - this.lastOmittedAtMs >= 60_000) {
      this.log.warn({ omitted: this.budget.omitted - this.lastOmittedLogged, bytesPerHour: this.budget.bytesPerHour }, 'evidence budget reached: incidents go out without a snapshot');
      this.lastOmittedLogged = this.budget.omitted;
      this.lastOmittedAtMs = nowMs;
    }
    return out;
  }

  private lastOmittedAtMs = Number.NEGATIVE_INFINITY;

  /** Summaries of flood windows that ended (call every second). */
  tick(): IncidentRecord[] {
    return this.flood.tick(this.now());
  }

  /**
   * The open incidents a restarted camera continues, as the IOC and the store know them: less those flood
   * control folded (the IOC never saw them open, and the next run's flood control would not know to drop
   * their update or end), and without the picture metadata where the evidence budget took every picture.
   */
  continued<T extends { incident: IncidentRecord['incident'] }>(suspended: readonly T[]): T[] {
    return suspended.filter((s) => !this.flood.isFolded(s.incident.id)).map((s) => this.budget.handedOver(s));
  }

  /** The camera stops: summaries of open windows, and the count bins in progress persisted. */
  stop(): IncidentRecord[] {
    this.counter?.stop();
    return this.flood.flush(this.now());
  }
}
