import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { CamwatchError, formatJsonError, parseJsonText, DEFAULT_MANIFEST_MAX_BYTES, FileReadError, readTextCappedAsync, sha256File } from '../core/index.js';
import type { ModelLayout } from './types.js';

/** Layout names the decoders understand (kept in step with ModelLayout in types.ts). */
export const MODEL_LAYOUTS = ['yolox', 'nanodet', 'yolov8', 'yolov5', 'detr'] as const satisfies readonly ModelLayout[];

const triple = z.tuple([z.number(), z.number(), z.number()]);

const preprocessSchema = z.strictObject({
  colorOrder: z.enum(['rgb', 'bgr']),
  scale: z.number().positive(),
  mean: triple,
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  letterbox: z.enum(['top-left', 'center', 'none']),
  padValue: z.number().min(0).max(255),
});

/** Optional decoder knobs for exports that differ from the layout's usual form. */
const decodeSchema = z.strictObject({
  strides: z.array(z.number().int().positive()).min(1).optional(),
  regMax: z.number().int().min(1).max(64).optional(),
  boxFormat: z.enum(['cxcywh', 'xyxy']).optional(),
  normalized: z.boolean().optional(),
  activation: z.enum(['sigmoid', 'none']).optional(),
});

const modelEntrySchema = z.strictObject({
  name: z.string().min(1),
  file: z.string().min(1).refine((f) => !isAbsolute(f) && !f.split(/[\\/]/).includes('..'), 'must be a file name inside the models directory'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits').optional(),
  bytes: z.number().int().positive().optional(),
  license: z.string().optional(),
  layout: z.enum(MODEL_LAYOUTS).optional(),
  input: z.strictObject({ width: z.number().int().min(16).max(4096), height: z.number().int().min(16).max(4096) }),
  preprocess: preprocessSchema,
  decode: decodeSchema.optional(),
  classes: z.string().min(1).describe('Class-name file, one per line, relative to the manifest'),
  url: z.string().optional(),
  origin: z.string().optional(),
  /** false: test and evaluation use only (no licence found); `fetch-assets --box` never installs it on a box. */
  ship: z.boolean().optional(),
});

const manifestSchema = z.strictObject({
  $comment: z.string().optional(),
  models: z.array(modelEntrySchema).min(1),
  // Test media listed for fetch-assets; not the detector's business.
  media: z.array(z.unknown()).optional(),
  // Face and plate detectors of the privacy blur: validated by agent/privacy (privacy-models.ts).
  privacy: z.array(z.unknown()).optional(),
});

/** One model of the manifest, validated. */
export type ModelEntry = z.output<typeof modelEntrySchema>;
export type ModelDecodeOptions = z.output<typeof decodeSchema>;

/** The manifest as loaded: entries plus where it came from (class files are relative to `dir`). */
export interface ModelManifest {
  path: string;
  dir: string;
  models: readonly ModelEntry[];
  /** The face / plate detectors of the privacy blur, as written: agent/privacy validates them. */
  privacy: readonly unknown[];
}

/** Validates parsed manifest JSON; every problem is reported as `models[i] ("name").field: message`. */
export function parseManifest(json: unknown, path: string): ModelManifest {
  const result = manifestSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${describePath(json, issue.path)}: ${issue.message}`);
    throw new CamwatchError('MODEL_INVALID', `model manifest ${path} is invalid: ${problems.join('; ')}`, {
      hint: `Fix the listed fields in ${path}.`,
      details: { manifest: path, problems },
    });
  }
  const seen = new Set<string>();
  for (const m of result.data.models) {
    if (seen.has(m.name)) {
      throw new CamwatchError('MODEL_INVALID', `model manifest ${path} lists model "${m.name}" twice`, {
        hint: `Give each entry of ${path} a unique name.`,
        details: { manifest: path, model: m.name },
      });
    }
    seen.add(m.name);
  }
  return { path, dir: dirname(path), models: result.data.models, privacy: result.data.privacy ?? [] };
}

function describePath(json: unknown, path: readonly PropertyKey[]): string {
  let out = '';
  for (const [i, key] of path.entries()) {
    out += typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`;
    // Name the entry as well as its index: "models[1] ("nanodet_m_320")" is what an operator searches for.
    if (i === 1 && path[0] === 'models' && typeof key === 'number') {
      const models = (json as { models?: unknown } | null)?.models;
      const name = Array.isArray(models) ? (models[key] as { name?: unknown } | undefined)?.name : undefined;
      if (typeof name === 'string') out += ` ("${name}")`;
    }
  }
  return out === '' ? '(root)' : out;
}

/** Reads and validates the manifest file. */
export async function loadManifest(manifestPath: string): Promise<ModelManifest> {
  const path = resolve(manifestPath);
  let text: string;
  try {
    text = await readTextCappedAsync(path, { maxBytes: DEFAULT_MANIFEST_MAX_BYTES });
  } catch (err) {
    throw new CamwatchError('MODEL_NOT_FOUND', `model manifest ${path} cannot be read (${readFailure(err)})`, {
      cause: err,
      hint: 'Check the manifest path (models.manifest in the config, or --manifest).',
      details: { manifest: path },
    });
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    // Never the parser's own message: V8 quotes the text around a stray character, and this may be any file.
    throw new CamwatchError('MODEL_INVALID', `model manifest ${path} is not valid JSON at ${formatJsonError(parsed)}`, {
      hint: `Fix the JSON syntax of ${path} at that place, or check that models.manifest names the manifest.`,
      details: { manifest: path, line: parsed.line, col: parsed.col },
    });
  }
  return parseManifest(parsed.value, path);
}

function readFailure(err: unknown): string {
  return err instanceof FileReadError ? err.reason : String(err);
}

/** The entry called `name`; MODEL_UNKNOWN lists the names the manifest does know. */
export function findModel(manifest: ModelManifest, name: string): ModelEntry {
  const entry = manifest.models.find((m) => m.name === name);
  if (entry === undefined) {
    const known = manifest.models.map((m) => m.name);
    throw new CamwatchError('MODEL_UNKNOWN', `model "${name}" is not in ${manifest.path}; known models: ${known.join(', ')}`, {
      details: { manifest: manifest.path, model: name, known },
    });
  }
  return entry;
}

export interface ResolveFileOptions {
  /** Compare size and sha256 with the manifest (when it gives them). ~10 ms for a 4 MB model. */
  verifyChecksum?: boolean;
}

/** Absolute path of the entry's model file inside `modelsDir`, checked to exist (and optionally its checksum). */
export async function resolveModelFile(entry: ModelEntry, modelsDir: string, options: ResolveFileOptions = {}): Promise<string> {
  const file = resolve(modelsDir, entry.file);
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
    size = st.size;
  } catch (err) {
    throw new CamwatchError('MODEL_NOT_FOUND', `model file ${file} for model "${entry.name}" is missing (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      cause: err,
      details: { model: entry.name, file },
    });
  }
  if (options.verifyChecksum) {
    if (entry.bytes !== undefined && size !== entry.bytes) {
      throw checksumError(entry, file, `is ${size} bytes, the manifest says ${entry.bytes}`);
    }
    if (entry.sha256 !== undefined) {
      const actual = await sha256File(file);
      if (actual !== entry.sha256) throw checksumError(entry, file, `has sha256 ${actual}, the manifest says ${entry.sha256}`);
    }
  }
  return file;
}

function checksumError(entry: ModelEntry, file: string, what: string): CamwatchError {
  return new CamwatchError('MODEL_CHECKSUM', `model file ${file} for model "${entry.name}" ${what}`, { details: { model: entry.name, file } });
}

/** Hex sha256 of a file, streamed (the kernel's; re-exported for the stage's callers). */
export { sha256File };

/** Class names of the entry, one per non-empty line of its `classes` file (relative to the manifest). */
export async function loadClassNames(manifest: ModelManifest, entry: ModelEntry): Promise<string[]> {
  const file = resolve(manifest.dir, entry.classes);
  let text: string;
  try {
    text = await readTextCappedAsync(file, { maxBytes: DEFAULT_MANIFEST_MAX_BYTES });
  } catch (err) {
    throw new CamwatchError('MODEL_NOT_FOUND', `class file ${file} of model "${entry.name}" (${manifest.path}) cannot be read (${readFailure(err)})`, {
      cause: err,
      hint: `Check the "classes" path of "${entry.name}" in ${manifest.path}; it is relative to the manifest.`,
      details: { manifest: manifest.path, model: entry.name, file },
    });
  }
  const names = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (names.length === 0) {
    throw new CamwatchError('MODEL_INVALID', `class file ${file} of model "${entry.name}" is empty`, {
      hint: 'Put one class name per line, in the model\'s class order.',
      details: { manifest: manifest.path, model: entry.name, file },
    });
  }
  return names;
}
