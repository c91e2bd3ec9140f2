/**
 * Count bins (pure): line crossings per line, class and direction, and zone occupancy per class, over
 * fixed wall-clock periods aligned on the epoch (a 60 s bin starts at a whole minute, a 900 s roll-up at
 * :00, :15, :30, :45). Every crossing and occupancy sample goes into one open bin per period, so the
 * 15-minute roll-up is exactly the sum of its 1-minute bins without merging closed ones. No I/O: the
 * CameraCounter persists and publishes what these functions return.
 */

export const COUNTS_BIN_SCHEMA = 'camwatch.counts-bin/1';

/** Default bin length (s): traffic planners' usual granularity. */
export const DEFAULT_COUNT_BIN_SECONDS = 60;
/** Default roll-up length (s): the 15-minute interval of traffic counting standards (HCM peak-hour factor). */
export const DEFAULT_COUNT_ROLLUP_SECONDS = 900;

export type Direction = 'in' | 'out';

/** One line's crossings in a bin: class → in/out. */
export interface LineBinCounts {
  lineId: string;
  ruleId: string;
  classes: Record<string, { in: number; out: number }>;
}

/** One zone's occupancy in a bin, kept as sums so bins resume and merge exactly. */
export interface ZoneBinState {
  zoneId: string;
  /** Frames sampled in the bin. */
  samples: number;
  /** Per class: objects summed over the samples, and the most seen in one sample. */
  classes: Record<string, { sum: number; max: number }>;
}

/** An open or closed bin, as persisted (sums, not means). */
export interface CountBinState {
  cameraId: string;
  periodSeconds: number;
  startMs: number;
  lines: LineBinCounts[];
  zones: ZoneBinState[];
}

/** The published bin (`camwatch.counts-bin/1`, docs/schemas/counts-bin.schema.json). */
export interface CountBinPayload {
  schema: typeof COUNTS_BIN_SCHEMA;
  /** `<cameraId>:<periodSeconds>:<start epoch ms>`: the same bin has the same id on every resend. */
  id: string;
  agentId: string;
  cameraId: string;
  periodSeconds: number;
  /** ISO 8601, inclusive. */
  start: string;
  /** ISO 8601, exclusive: start + periodSeconds. */
  end: string;
  lines: LineBinCounts[];
  zones: Array<{ zoneId: string; samples: number; classes: Record<string, { mean: number; max: number }> }>;
}

/** A crossing seen since the last collection. */
export interface Crossing {
  ruleId: string;
  lineId: string;
  className: string;
  direction: Direction;
  count: number;
}

/** One frame's objects per class inside a zone. */
export interface OccupancySample {
  zoneId: string;
  perClass: Record<string, number>;
}

/** Start (epoch ms) of the period-long bin holding `tMs`. */
export function binStartMs(tMs: number, periodSeconds: number): number {
  const periodMs = periodSeconds * 1000;
  return Math.floor(tMs / periodMs) * periodMs;
}

/** A new empty bin. */
export function emptyBin(cameraId: string, periodSeconds: number, startMs: number): CountBinState {
  return { cameraId, periodSeconds, startMs, lines: [], zones: [] };
}

/** Adds crossings to a bin (mutates it). */
export function addCrossings(bin: CountBinState, crossings: readonly Crossing[]): void {
  for (const c of crossings) {
    if (c.count <= 0) continue;
    let line = bin.lines.find((l) => l.ruleId === c.ruleId && l.lineId === c.lineId);
    if (line === undefined) {
      line = { lineId: c.lineId, ruleId: c.ruleId, classes: {} };
      bin.lines.push(line);
    }
    const cls = (line.classes[c.className] ??= { in: 0, out: 0 });
    cls[c.direction] += c.count;
  }
}

/** Adds one frame's occupancy samples to a bin (mutates it); a class absent from a sample counts 0 there. */
export function addOccupancy(bin: CountBinState, samples: readonly OccupancySample[]): void {
  for (const s of samples) {
    let zone = bin.zones.find((z) => z.zoneId === s.zoneId);
    if (zone === undefined) {
      zone = { zoneId: s.zoneId, samples: 0, classes: {} };
      bin.zones.push(zone);
    }
    zone.samples += 1;
    for (const [cls, n] of Object.entries(s.perClass)) {
      const c = (zone.classes[cls] ??= { sum: 0, max: 0 });
      c.sum += n;
      c.max = Math.max(c.max, n);
    }
  }
}

/** Sums bins of one camera and period (a bin resumed after a restart and what was counted since). */
export function mergeBins(into: CountBinState, from: CountBinState): CountBinState {
  for (const line of from.lines) {
    for (const [cls, c] of Object.entries(line.classes)) {
      addCrossings(into, [
        { ruleId: line.ruleId, lineId: line.lineId, className: cls, direction: 'in', count: c.in },
        { ruleId: line.ruleId, lineId: line.lineId, className: cls, direction: 'out', count: c.out },
      ]);
      // A class seen with 0/0 stays listed.
      const target = into.lines.find((l) => l.ruleId === line.ruleId && l.lineId === line.lineId);
      if (target === undefined) into.lines.push({ lineId: line.lineId, ruleId: line.ruleId, classes: { [cls]: { in: 0, out: 0 } } });
      else target.classes[cls] ??= { in: 0, out: 0 };
    }
  }
  for (const zone of from.zones) {
    let target = into.zones.find((z) => z.zoneId === zone.zoneId);
    if (target === undefined) {
      target = { zoneId: zone.zoneId, samples: 0, classes: {} };
      into.zones.push(target);
    }
    target.samples += zone.samples;
    for (const [cls, c] of Object.entries(zone.classes)) {
      const t = (target.classes[cls] ??= { sum: 0, max: 0 });
      t.sum += c.sum;
      t.max = Math.max(t.max, c.max);
    }
  }
  return into;
}

/** The published form of a closed bin (pure). Means are rounded to 0.01 object. */
export function binPayload(bin: CountBinState, agentId: string): CountBinPayload {
  const endMs = bin.startMs + bin.periodSeconds * 1000;
  return {
    schema: COUNTS_BIN_SCHEMA,
    id: binId(bin.cameraId, bin.periodSeconds, bin.startMs),
    agentId,
    cameraId: bin.cameraId,
    periodSeconds: bin.periodSeconds,
    start: new Date(bin.startMs).toISOString(),
    end: new Date(endMs).toISOString(),
    lines: bin.lines.map((l) => ({ lineId: l.lineId, ruleId: l.ruleId, classes: sortedRecord(l.classes) })),
    zones: bin.zones.map((z) => ({
      zoneId: z.zoneId,
      samples: z.samples,
      classes: Object.fromEntries(
        Object.entries(sortedRecord(z.classes)).map(([cls, c]) => [cls, { mean: z.samples === 0 ? 0 : Math.round((c.sum / z.samples) * 100) / 100, max: c.max }]),
      ),
    })),
  };
}

/** The stable id of a bin. */
export function binId(cameraId: string, periodSeconds: number, startMs: number): string {
  return `${cameraId}:${periodSeconds}:${startMs}`;
}

function sortedRecord<T>(r: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The open bins of one camera, one per period. `advance(nowMs)` closes every bin whose period has ended
 * (returned in time order, shorter periods first at the same end) and opens the next ones lazily.
 */
export class CountBinner {
  private readonly open = new Map<number, CountBinState>();
  /** Older open bins found at resume (or left behind by a missed advance), closed by the next advance(). */
  private readonly stale: CountBinState[] = [];

  constructor(
    readonly cameraId: string,
    readonly periodsSeconds: readonly number[],
    /** Bins persisted by an earlier run (or before a reload) that are still open: counting continues in them. */
    resumed: readonly CountBinState[] = [],
  ) {
    for (const p of periodsSeconds) {
      if (!Number.isInteger(p) || p < 1) throw new Error(`count bin period must be a whole number of seconds >= 1, got ${p}`);
    }
    for (const bin of resumed) {
      if (!periodsSeconds.includes(bin.periodSeconds) || bin.cameraId !== cameraId) continue;
      const existing = this.open.get(bin.periodSeconds);
      if (existing === undefined) this.open.set(bin.periodSeconds, structuredClone(bin));
      else if (existing.startMs === bin.startMs) mergeBins(existing, bin);
      else if (bin.startMs < existing.startMs) {
        // Two open bins of one period (a crash between closing one and persisting the next): keep both,
        // the older is closed by the first advance().
        this.stale.push(structuredClone(bin));
      } else {
        this.stale.push(existing);
        this.open.set(bin.periodSeconds, structuredClone(bin));
      }
    }
  }

  /** Closes every bin ended by `nowMs`; the caller persists and publishes them. */
  advance(nowMs: number): CountBinState[] {
    const closed = this.stale.splice(0);
    for (const [period, bin] of this.open) {
      if (bin.startMs + period * 1000 <= nowMs) {
        closed.push(bin);
        this.open.delete(period);
      }
    }
    return closed.sort((a, b) => a.startMs + a.periodSeconds * 1000 - (b.startMs + b.periodSeconds * 1000) || a.periodSeconds - b.periodSeconds);
  }

  /** Counts crossings at `nowMs` into every period's bin (call advance(nowMs) first). */
  addCrossings(nowMs: number, crossings: readonly Crossing[]): void {
    if (crossings.length === 0) return;
    for (const p of this.periodsSeconds) addCrossings(this.bin(p, nowMs), crossings);
  }

  /** One frame's occupancy at `nowMs` into every period's bin (call advance(nowMs) first). */
  addOccupancy(nowMs: number, samples: readonly OccupancySample[]): void {
    if (samples.length === 0) return;
    for (const p of this.periodsSeconds) addOccupancy(this.bin(p, nowMs), samples);
  }

  /** The bins currently open (to persist); copies. */
  openBins(): CountBinState[] {
    return [...this.open.values()].map((b) => structuredClone(b));
  }

  /** Closes everything now, whatever its end (the camera is removed for good). */
  closeAll(): CountBinState[] {
    const all = [...this.stale.splice(0), ...this.open.values()];
    this.open.clear();
    return all.sort((a, b) => a.startMs - b.startMs || a.periodSeconds - b.periodSeconds);
  }

  private bin(periodSeconds: number, nowMs: number): CountBinState {
    const start = binStartMs(nowMs, periodSeconds);
    let bin = this.open.get(periodSeconds);
    if (bin === undefined || bin.startMs !== start) {
      // advance() was not called at this time: close nothing silently, keep the old one for the next advance().
      if (bin !== undefined) this.stale.push(bin);
      bin = emptyBin(this.cameraId, periodSeconds, start);
      this.open.set(periodSeconds, bin);
    }
    return bin;
  }
}
