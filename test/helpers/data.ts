import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root (the folder holding package.json). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Real test data (models, images, videos) lives outside the repo: CAMWATCH_DATA_DIR, or ../shared/data
 * beside the project. Tests read it only through these helpers.
 */
export const DATA_DIR = resolve(process.env.CAMWATCH_DATA_DIR ?? join(PROJECT_ROOT, '..', 'shared', 'data'));

export function dataPath(...parts: string[]): string {
  const p = join(DATA_DIR, ...parts);
  if (!existsSync(p)) {
    throw new Error(`test data missing: ${p} (set CAMWATCH_DATA_DIR to the folder holding models/, images/, video/)`);
  }
  return p;
}

export const modelPath = (file: string): string => dataPath('models', file);
export const imagePath = (file: string): string => dataPath('images', file);
export const videoPath = (file: string): string => dataPath('video', file);

/** The `models:` line of a test config: the real models of DATA_DIR with the repository's manifest. */
export const MODELS_YAML = `models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }`;
