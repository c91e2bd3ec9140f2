import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The config a technician edits on a box; the example is used when it does not exist yet. */
export const DEFAULT_CONFIG_PATH = 'config/camwatch.yaml';
export const EXAMPLE_CONFIG_PATH = 'config/camwatch.example.yaml';

/** The config a command reads: the one given with --config, else config/camwatch.yaml where it exists, else the example. */
export function configFileFor(given: string | undefined, cwd: string): string {
  return given ?? (existsSync(resolve(cwd, DEFAULT_CONFIG_PATH)) ? DEFAULT_CONFIG_PATH : EXAMPLE_CONFIG_PATH);
}
