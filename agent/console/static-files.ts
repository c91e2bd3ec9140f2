import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The page's folder in the package root (filled by the console-ui build; shipped with the package). */
export const CONSOLE_UI_DIR = 'console-ui';
/** Largest asset served (bytes): the page is kept light; anything bigger is not one of its files. */
export const MAX_ASSET_BYTES = 8 * 1024 ** 2;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The package root (the folder holding package.json), found by walking up: works from sources and from dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/** Shown at / when the page was not built into console-ui/: the API works all the same. */
export const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>camwatch console</title>
<p>The console page is not built (no console-ui/index.html in the package). The API answers under <code>/api/</code> (docs/console.md).</p>\n`;

/**
 * A file under `root`, or undefined when it is not one: a path that leaves the folder (`..`, a link out of
 * it), a folder, or a file too large. The check is on the real path, after links are resolved.
 */
export async function readAsset(root: string, relative: string): Promise<{ body: Buffer; contentType: string } | undefined> {
  if (relative.includes('\0')) return undefined;
  let realRoot: string;
  let real: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(join(realRoot, relative));
  } catch {
    return undefined;
  }
  if (!real.startsWith(realRoot + sep)) return undefined;
  const info = await stat(real);
  if (!info.isFile() || info.size > MAX_ASSET_BYTES) return undefined;
  return { body: await readFile(real), contentType: CONTENT_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream' };
}
