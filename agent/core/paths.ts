import { isAbsolute, resolve } from 'node:path';

/** `p` as given when absolute, else relative to `baseDir`: every path in camwatch.yaml is relative to the file. */
export function resolveFrom(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(baseDir, p);
}
