import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pass, warn, type CheckResult, type DoctorCheck } from './types.js';

/** Offset from NTP time beyond which incident times at the IOC are visibly wrong (s). */
export const DEFAULT_CLOCK_WARN_OFFSET_S = 2;
const FIX_UNSYNCED = 'Enable time sync (timedatectl set-ntp true, or apt-get install -y chrony): incident times come from this clock.';

/** What a time-sync tool said: synchronised or not, and the offset when it knows it. */
export interface ClockReading {
  source: 'timedatectl' | 'chronyc';
  synced: boolean;
  offsetS?: number;
}

/** `clock`: systemd-timesyncd (timedatectl) or chrony, whichever answers; "unknown" when neither does. */
export const clockCheck: DoctorCheck = {
  name: 'clock',
  async run(): Promise<CheckResult> {
    const reading = (await readChrony()) ?? (await readTimedatectl());
    return judgeClock(reading);
  },
};

/** pass when synchronised within DEFAULT_CLOCK_WARN_OFFSET_S, warn otherwise or when unknown (pure). */
export function judgeClock(reading: ClockReading | undefined): CheckResult {
  if (reading === undefined) {
    return warn('clock', 'sync unknown: neither chronyc nor timedatectl answered', FIX_UNSYNCED);
  }
  const offset = reading.offsetS === undefined ? '' : `, offset ${formatOffset(reading.offsetS)}`;
  if (!reading.synced) return warn('clock', `not synchronised (${reading.source}${offset})`, FIX_UNSYNCED);
  if (reading.offsetS !== undefined && Math.abs(reading.offsetS) > DEFAULT_CLOCK_WARN_OFFSET_S) {
    return warn('clock', `synchronising but ${formatOffset(reading.offsetS)} off (${reading.source})`, 'Wait for the clock to converge, or check the NTP servers are reachable.');
  }
  return pass('clock', `synchronised (${reading.source}${offset})`);
}

/** `timedatectl show --property=NTPSynchronized --value` → yes / no (pure). */
export function parseTimedatectl(text: string): ClockReading | undefined {
  const value = text.trim();
  if (value === 'yes') return { source: 'timedatectl', synced: true };
  if (value === 'no') return { source: 'timedatectl', synced: false };
  return undefined;
}

/** `chronyc tracking`: "Leap status : Normal" means synchronised; "System time : 0.000123 seconds fast" the offset (pure). */
export function parseChronyTracking(text: string): ClockReading | undefined {
  const leap = /^Leap status\s*:\s*(.+)$/m.exec(text)?.[1]?.trim();
  if (leap === undefined) return undefined;
  const time = /^System time\s*:\s*([\d.]+) seconds (fast|slow)/m.exec(text);
  const offsetS = time ? Number(time[1]) * (time[2] === 'fast' ? 1 : -1) : undefined;
  return { source: 'chronyc', synced: leap === 'Normal', ...(offsetS === undefined ? {} : { offsetS }) };
}

function formatOffset(s: number): string {
  return Math.abs(s) < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(1)} s`;
}

async function readTimedatectl(): Promise<ClockReading | undefined> {
  const out = await run('timedatectl', ['show', '--property=NTPSynchronized', '--value']);
  return out === undefined ? undefined : parseTimedatectl(out);
}

async function readChrony(): Promise<ClockReading | undefined> {
  const out = await run('chronyc', ['tracking']);
  return out === undefined ? undefined : parseChronyTracking(out);
}

/** stdout, or undefined when the tool is missing, fails (no systemd in a container) or hangs. */
async function run(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    return (await promisify(execFile)(cmd, args, { timeout: 3_000 })).stdout;
  } catch {
    return undefined;
  }
}
