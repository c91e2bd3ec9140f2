/**
 * Weekly activity windows in a camera's local time (e.g. "no entry 22:00–05:00 every day"). Pure: the
 * caller passes epoch ms; the time zone comes from the camera config.
 */

export const WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type WeekdayName = (typeof WEEKDAY_NAMES)[number];

/** One window: starts on each of `days` at `from` and lasts until `to` (the next day when to ≤ from). */
export interface ScheduleWindow {
  days: readonly WeekdayName[];
  /** HH:MM, 24-hour. */
  from: string;
  to: string;
}

const MINUTES_PER_DAY = 1440;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const SHORT_DAYS: Readonly<Record<string, number>> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** "22:30" → 1350. Throws RangeError on anything else (the config schema has already checked the format). */
export function parseHhmm(s: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(s);
  if (!m) throw new RangeError(`bad time "${s}": expected HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Intervals [start, end) in minutes of the week, Monday 00:00 = 0, possibly running past the week's end. */
interface Interval {
  start: number;
  end: number;
}

/**
 * Whether a rule is active at an instant. A window whose `to` is not after `from` runs past midnight
 * and belongs to the day it starts on: `{days: [fri], from: "22:00", to: "05:00"}` is Friday 22:00 to
 * Saturday 05:00. `from` = `to` means the whole day. No windows = always active.
 */
export class Schedule {
  private readonly intervals: Interval[];
  private readonly format?: Intl.DateTimeFormat;
  /** Local minute-of-week cache: formatting a date costs ~4 µs, and rules ask every frame. */
  private cachedMinute = NaN;
  private cachedWeekMinute = 0;

  constructor(windows: readonly ScheduleWindow[] | undefined, timeZone: string) {
    this.intervals = [];
    for (const w of windows ?? []) {
      const from = parseHhmm(w.from);
      const to = parseHhmm(w.to);
      const length = to > from ? to - from : to === from ? MINUTES_PER_DAY : to + MINUTES_PER_DAY - from;
      for (const day of w.days) {
        const start = WEEKDAY_NAMES.indexOf(day) * MINUTES_PER_DAY + from;
        this.intervals.push({ start, end: start + length });
      }
    }
    if (this.intervals.length > 0) {
      this.format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
    }
  }

  /** True when there are no windows. */
  get always(): boolean {
    return this.intervals.length === 0;
  }

  isActive(tMs: number): boolean {
    if (this.intervals.length === 0) return true;
    const m = this.localMinuteOfWeek(tMs);
    // A window running past Sunday midnight continues at the start of the week.
    return this.intervals.some((iv) => (m >= iv.start && m < iv.end) || (m + MINUTES_PER_WEEK >= iv.start && m + MINUTES_PER_WEEK < iv.end));
  }

  /** Minutes since Monday 00:00 local time. */
  localMinuteOfWeek(tMs: number): number {
    const minute = Math.floor(tMs / 60_000);
    if (minute === this.cachedMinute) return this.cachedWeekMinute;
    const parts = this.format!.formatToParts(new Date(tMs));
    let day = 0;
    let hour = 0;
    let min = 0;
    for (const p of parts) {
      if (p.type === 'weekday') day = SHORT_DAYS[p.value] ?? 0;
      else if (p.type === 'hour') hour = Number(p.value) % 24;
      else if (p.type === 'minute') min = Number(p.value);
    }
    this.cachedMinute = minute;
    this.cachedWeekMinute = day * MINUTES_PER_DAY + hour * 60 + min;
    return this.cachedWeekMinute;
  }
}

/** The schedule that is always active (rules without a `schedule`). */
export const ALWAYS = new Schedule(undefined, 'UTC');

/**
 * A rule's view of its schedule: whether it is active now, and from when positions count. Tracks carry
 * their recent history, so a rule switching on at 22:00 would otherwise replay positions from 21:59 and
 * count a stay or a crossing that happened while it was off.
 */
export class ScheduleGate {
  private floor = -Infinity;
  private wasOff = false;

  constructor(private readonly schedule: Schedule) {}

  isActive(tMs: number): boolean {
    const active = this.schedule.isActive(tMs);
    if (!active) this.wasOff = true;
    else if (this.wasOff) {
      this.floor = tMs;
      this.wasOff = false;
    }
    return active;
  }

  /** Positions before this time happened while the rule was off (−∞ when it never was). */
  get floorMs(): number {
    return this.floor;
  }
}
