import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Folder under agent.dataDir where each console save leaves the file it replaced. */
export const CONFIG_HISTORY_DIR = 'config-history';
/** Saves kept: a day of zone tuning is a few dozen saves; 50 files of a few kB each stay under 1 MB. */
export const CONFIG_HISTORY_KEEP = 50;

const NAME = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z(-\d+)?\.yaml$/;

/** `2026-12-07T07-30-00.123Z.yaml` (UTC; no colons, sorts by time), `-n` added when that name is taken. */
export function historyFileName(now: Date, attempt = 0): string {
  const stamp = now.toISOString().replace(/:/g, '-');
  return attempt === 0 ? `${stamp}.yaml` : `${stamp}-${attempt}.yaml`;
}

/** The history files to delete so that the newest `keep` stay; other files in the folder are never touched. */
export function historyFilesToPrune(names: readonly string[], keep: number): string[] {
  const ours = names.filter((n) => NAME.test(n)).sort(byTime);
  return ours.slice(0, Math.max(0, ours.length - keep));
}

function byTime(a: string, b: string): number {
  const key = (n: string) => {
    const m = /^(.*Z)(?:-(\d+))?\.yaml$/.exec(n)!;
    return [m[1]!, Number(m[2] ?? 0)] as const;
  };
  const [ta, na] = key(a);
  const [tb, nb] = key(b);
  return ta < tb ? -1 : ta > tb ? 1 : na - nb;
}

/**
 * Writes `text` (the config as it was before a save) to `<historyDir>/<time>.yaml` with the config's mode
 * (it may name secret files; 0640 keeps it as private as the config), then deletes all but the newest
 * `keep`. Returns the path written.
 */
export function backupConfig(historyDir: string, text: string, mode: number, now: Date, keep = CONFIG_HISTORY_KEEP): string {
  mkdirSync(historyDir, { recursive: true, mode: 0o750 });
  let path = '';
  let fd = -1;
  for (let attempt = 0; fd < 0; attempt++) {
    path = join(historyDir, historyFileName(now, attempt));
    try {
      fd = openSync(path, 'wx', mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 100) throw err;
    }
  }
  try {
    fchmodSync(fd, mode & 0o777);
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  for (const old of historyFilesToPrune(readdirSync(historyDir), keep)) rmSync(join(historyDir, old), { force: true });
  return path;
}
