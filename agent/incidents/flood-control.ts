import type { FoldedSummary, Incident, IncidentRecord } from './types.js';

/**
 * Flood control (pure, no timers): per camera and rule, at most `maxNewPerMinute` incidents open in a
 * minute (wall-clock minutes, aligned on the epoch). Further `new` events of that rule in that minute are
 * folded: not published, and their later `update`/`end` neither; once the minute is over, one summary
 * event (status `summary`) says how many were folded, of which classes, with their ids. Camera health
 * incidents (category `health`) are never folded: a camera going dark is always news.
 */

/** Default cap of `new` incidents per rule and camera per minute: one every 10 s is what an operator can still read. */
export const DEFAULT_FLOOD_MAX_NEW_PER_MINUTE = 6;
/** Ids listed in one summary (the count is always exact): keeps a summary of a 1,000-a-minute storm small. */
export const DEFAULT_FLOOD_MAX_IDS = 100;
const MINUTE_MS = 60_000;


interface RuleWindow {
  startMs: number;
  opened: number;
  /** The first folded incident's state, the template of the summary. */
  first?: Incident;
  count: number;
  byClass: Record<string, number>;
  ids: string[];
  maxScore: number;
}

export interface FloodControlOptions {
  maxNewPerMinute?: number;
  maxIds?: number;
  /** New ids for summaries (ULIDs from the incident stage). */
  newId: (nowMs: number) => string;
}

/** One camera's flood control. */
export class FloodControl {
  private readonly max: number;
  private readonly maxIds: number;
  private readonly windows = new Map<string, RuleWindow>();
  /** Ids of folded incidents still open: their updates and end are dropped too. */
  private readonly folded = new Set<string>();

  constructor(private readonly options: FloodControlOptions) {
    this.max = options.maxNewPerMinute ?? DEFAULT_FLOOD_MAX_NEW_PER_MINUTE;
    this.maxIds = options.maxIds ?? DEFAULT_FLOOD_MAX_IDS;
    if (!Number.isInteger(this.max) || this.max < 1) throw new Error(`flood.maxNewPerMinute must be a whole number >= 1, got ${this.max}`);
  }

  /**
   * Decides what of `records` goes out at `nowMs`: summaries of windows that ended first, then the records
   * that pass, in order.
   */
  admit(records: readonly IncidentRecord[], nowMs: number): IncidentRecord[] {
    const out = this.tick(nowMs);
    for (const record of records) {
      const inc = record.incident;
      if (inc.category === 'health') {
        out.push(record);
        continue;
      }
      if (inc.status !== 'new') {
        if (this.folded.has(inc.id)) {
          if (inc.status === 'end') this.folded.delete(inc.id);
          continue;
        }
        out.push(record);
        continue;
      }
      const key = inc.ruleId;
      const start = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
      let w = this.windows.get(key);
      if (w === undefined || w.startMs !== start) {
        w = { startMs: start, opened: 0, count: 0, byClass: {}, ids: [], maxScore: 0 };
        this.windows.set(key, w);
      }
      if (w.opened < this.max) {
        w.opened += 1;
        out.push(record);
        continue;
      }
      w.first ??= inc;
      w.count += 1;
      w.byClass[inc.className] = (w.byClass[inc.className] ?? 0) + 1;
      if (w.ids.length < this.maxIds) w.ids.push(inc.id);
      w.maxScore = Math.max(w.maxScore, inc.score);
      // A one-shot event (line_crossing) has no update or end coming: nothing to remember.
      if (inc.type !== 'line_crossing') this.folded.add(inc.id);
    }
    return out;
  }

  /** Summaries of the windows that ended by `nowMs` (call from a timer, so a quiet minute still gets its summary). */
  tick(nowMs: number): IncidentRecord[] {
    const out: IncidentRecord[] = [];
    for (const [key, w] of this.windows) {
      if (w.startMs + MINUTE_MS > nowMs) continue;
      this.windows.delete(key);
      if (w.count > 0 && w.first !== undefined) out.push({ incident: this.summary(w, nowMs) });
    }
    return out;
  }

  /** Summaries of every window, ended or not (the camera stops). */
  flush(nowMs: number): IncidentRecord[] {
    const out: IncidentRecord[] = [];
    for (const w of this.windows.values()) if (w.count > 0 && w.first !== undefined) out.push({ incident: this.summary(w, nowMs) });
    this.windows.clear();
    return out;
  }

  /** Whether the incident was folded (and is still open): the IOC never saw it open. */
  isFolded(id: string): boolean {
    return this.folded.has(id);
  }

  /** Folded incidents still open (their events are being dropped). */
  foldedOpen(): number {
    return this.folded.size;
  }

  private summary(w: RuleWindow, nowMs: number): Incident {
    const first = w.first!;
    const end = Math.min(w.startMs + MINUTE_MS, Math.max(nowMs, w.startMs));
    const summary: Incident = {
      schema: first.schema,
      id: this.options.newId(nowMs),
      agentId: first.agentId,
      cameraId: first.cameraId,
      ...(first.cameraName !== undefined && { cameraName: first.cameraName }),
      ...(first.location !== undefined && { location: first.location }),
      type: first.type,
      category: first.category,
      severity: first.severity,
      status: 'summary',
      title: { vi: `${first.title.vi} (tóm tắt: ${w.count} sự kiện gộp)`, en: `${first.title.en} (summary: ${w.count} folded)` },
      ruleId: first.ruleId,
      ...(first.zoneId !== undefined && { zoneId: first.zoneId }),
      ...(first.lineId !== undefined && { lineId: first.lineId }),
      className: Object.entries(w.byClass).sort((a, b) => b[1] - a[1])[0]![0],
      score: w.maxScore,
      trackId: 0,
      bbox: first.bbox,
      startedAt: new Date(w.startMs).toISOString(),
      endedAt: new Date(end).toISOString(),
      sequence: 1,
      folded: {
        count: w.count,
        byClass: w.byClass,
        ids: w.ids,
        windowStart: new Date(w.startMs).toISOString(),
        windowEnd: new Date(w.startMs + MINUTE_MS).toISOString(),
        maxNewPerMinute: this.max,
      },
    };
    return summary;
  }
}
