import { statfsSync } from 'node:fs';

/** Free bytes an unprivileged process may use on the file system holding `dir`; undefined when it cannot be read. */
export function diskFreeBytes(dir: string): number | undefined {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize;
  } catch {
    return undefined;
  }
}
