import type { Logger } from '../core/index.js';
import { lineCounts, type LineCountsReport, type Rule, type RuleHit, bottomCentre, pointInPolygon, zoneToFrame, type Point } from '../rules/index.js';
import type { Track } from '../tracking/index.js';
import { CountBinner, binPayload, type Crossing, type OccupancySample } from './bins.js';
import type { CountBinSink } from './sink.js';

/** How often open bins are written to the store (ms): a kill -9 loses at most this much counting. */
export const DEFAULT_COUNT_PERSIST_MS = 2_000;

/** A zone as counts reads it: zoneToFrame's zone, sampled for occupancy when `occupancy` is true. */
export type CountZone = Parameters<typeof zoneToFrame>[0] & { readonly occupancy?: boolean };

/** What counts reads of a camera's configuration (agent/config's CameraConfig satisfies it). */
export interface CountCamera {
  readonly id: string;
  readonly zones: readonly CountZone[];
}

/** What a camera's counter is given: its camera, bin lengths, where bins go. */
export interface CameraCounterOptions {
  camera: CountCamera;
  agentId: string;
  /** Bin lengths (s): the bin and its roll-up, e.g. [60, 900]. */
  periodsSeconds: readonly number[];
  store: CountBinSink;
  /** New outbox rows exist (wakes the uplink). */
  notify: () => void;
  logger: Logger;
  /** Epoch ms; bins are wall-clock periods. */
  now?: () => number;
}

/**
 * A camera's count telemetry: line crossings and zone occupancy into bins (agent/counts/bins.ts), open bins
 * persisted every DEFAULT_COUNT_PERSIST_MS, closed bins queued in the outbox. Built from the store's open
 * bins, so a restart or a reload continues the bins in progress instead of starting from zero.
 */
export class CameraCounter {
  private readonly binner: CountBinner;
  private readonly now: () => number;
  private readonly log: Logger;
  /** Cumulative counts last seen per rule id, for the rules generation in `lastRules`. */
  private previous = new Map<string, LineCountsReport['counts']>();
  private lastRules?: readonly Rule[];
  private stopped = false;

  constructor(private readonly options: CameraCounterOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.logger.child({ component: 'counts', camera: options.camera.id });
    const resumed = options.store.openBins(options.camera.id);
    this.binner = new CountBinner(options.camera.id, options.periodsSeconds, resumed);
    if (resumed.length > 0) this.log.info({ bins: resumed.length }, 'count bins in progress resumed from the store');
    this.flush();
  }

  /**
   * A rule placed after the camera's rules: on every analysed frame it takes the crossings the line rules
   * counted since the previous frame and samples the occupancy of zones marked `occupancy: true`.
   */
  probe(rules: readonly Rule[], frame: { width: number; height: number; sourceWidth?: number; sourceHeight?: number }): Rule {
    const geo = { frameWidth: frame.width, frameHeight: frame.height, ...(frame.sourceWidth !== undefined && { sourceWidth: frame.sourceWidth }), ...(frame.sourceHeight !== undefined && { sourceHeight: frame.sourceHeight }) };
    const zones = this.options.camera.zones.filter((z) => z.occupancy === true).map((z) => ({ id: z.id, polygon: zoneToFrame(z, geo) }));
    return {
      id: `${this.options.camera.id}:counts`,
      type: 'count_probe',
      evaluate: (tracks: readonly Track[]): RuleHit[] => {
        this.observe(rules, tracks, zones);
        return [];
      },
    };
  }

  /** Takes what the rules counted since the last call (rules from before a rebuild are taken first by the caller). */
  collect(rules: readonly Rule[]): void {
    this.observe(rules, [], []);
  }

  /** Closes bins that have ended, queues them, and persists the open ones. Call from a timer. */
  flush(): void {
    if (this.stopped) return;
    // Bins closed by observe() since the last flush come first: they ended earlier.
    const closed = [...this.pendingClosed.splice(0), ...this.binner.advance(this.now())];
    try {
      if (closed.length > 0) {
        const entries = this.options.store.close(closed.map((state) => ({ state, payload: binPayload(state, this.options.agentId) })));
        if (entries.length > 0) this.options.notify();
      }
    } catch (err) {
      // Kept in memory and written by the next flush, in order (lost only if the process dies meanwhile).
      this.pendingClosed.unshift(...closed);
      this.log.error({ err, bins: closed.length }, 'closed count bins not saved; retried at the next flush');
    }
    try {
      this.options.store.saveOpen(this.binner.openBins());
    } catch (err) {
      this.log.error({ err }, 'count bins in progress not saved; retried at the next flush');
    }
  }

  /** Persists the bins in progress (they continue at the next start); nothing is closed early. */
  stop(): void {
    this.flush();
    this.stopped = true;
  }

  private readonly pendingClosed: ReturnType<CountBinner['advance']> = [];

  private observe(rules: readonly Rule[], tracks: readonly Track[], zones: ReadonlyArray<{ id: string; polygon: Point[] }>): void {
    if (this.stopped) return;
    const nowMs = this.now();
    const closed = this.binner.advance(nowMs);
    if (closed.length > 0) this.pendingClosed.push(...closed); // written by the next flush, in order
    if (rules !== this.lastRules) {
      // New rules (a reload or a new frame size): their counters start at zero.
      this.previous = new Map();
      this.lastRules = rules;
    }
    const crossings: Crossing[] = [];
    for (const report of lineCounts(rules)) {
      const before = this.previous.get(report.ruleId) ?? {};
      for (const [cls, c] of Object.entries(report.counts)) {
        const b = before[cls] ?? { in: 0, out: 0 };
        if (c.in > b.in) crossings.push({ ruleId: report.ruleId, lineId: report.lineId, className: cls, direction: 'in', count: c.in - b.in });
        if (c.out > b.out) crossings.push({ ruleId: report.ruleId, lineId: report.lineId, className: cls, direction: 'out', count: c.out - b.out });
      }
      this.previous.set(report.ruleId, report.counts);
    }
    this.binner.addCrossings(nowMs, crossings);
    if (zones.length > 0) {
      const samples: OccupancySample[] = zones.map((z) => {
        const perClass: Record<string, number> = {};
        for (const t of tracks) if (pointInPolygon(bottomCentre(t.box), z.polygon)) perClass[t.className] = (perClass[t.className] ?? 0) + 1;
        return { zoneId: z.id, perClass };
      });
      this.binner.addOccupancy(nowMs, samples);
    }
  }
}
