import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { CamwatchError } from '../core/index.js';
import { loadManifest, sha256File } from '../detection/index.js';

/** Output layouts the privacy decoders understand (agent/privacy/region-decode.ts). */
export const PRIVACY_LAYOUTS = ['yunet', 'ulfd', 'y5fu'] as const;

const privacyModelSchema = z.strictObject({
  name: z.string().min(1),
  kind: z.enum(['face', 'plate']),
  file: z.string().min(1).refine((f) => !f.includes('/') && !f.includes('\\'), 'must be a file name inside the models directory'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
  license: z.string(),
  layout: z.enum(PRIVACY_LAYOUTS),
  input: z.strictObject({ width: z.number().int().min(16).max(4096), height: z.number().int().min(16).max(4096) }),
  preprocess: z.strictObject({
    colorOrder: z.enum(['rgb', 'bgr']),
    mean: z.number(),
    std: z.number().positive(),
  }),
  minScore: z.number().min(0).max(1),
  url: z.string().optional(),
  origin: z.string().optional(),
  ship: z.boolean().optional(),
});

/** A face or plate detector of the manifest's `privacy` list, validated. */
export type PrivacyModel = z.output<typeof privacyModelSchema>;

/** The `privacy` models of models/manifest.json (read and checked by agent/detection; their entries here). */
export async function loadPrivacyModels(manifestPath: string): Promise<PrivacyModel[]> {
  const { path, privacy } = await loadManifest(manifestPath);
  const list = z.array(privacyModelSchema).safeParse(privacy);
  if (!list.success) {
    const problems = list.error.issues.map((i) => `privacy[${i.path.join('.')}]: ${i.message}`);
    throw new CamwatchError('MODEL_INVALID', `model manifest ${path}: ${problems.join('; ')}`, { details: { manifest: path, problems } });
  }
  return list.data;
}

/** The privacy model called `name`, of the expected kind; MODEL_UNKNOWN names those the manifest has. */
export function findPrivacyModel(models: readonly PrivacyModel[], name: string, kind: 'face' | 'plate'): PrivacyModel {
  const found = models.find((m) => m.name === name && m.kind === kind);
  if (found === undefined) {
    const known = models.filter((m) => m.kind === kind).map((m) => m.name);
    throw new CamwatchError('MODEL_UNKNOWN', `no ${kind} model "${name}" in the manifest's privacy list; known: ${known.join(', ') || 'none'}`, { details: { model: name, known } });
  }
  return found;
}

/** Absolute path of the model's file in `modelsDir`, its size and sha256 checked (a few ms for 1-2 MB). */
export async function privacyModelFile(model: PrivacyModel, modelsDir: string): Promise<string> {
  const file = resolve(modelsDir, model.file);
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    throw new CamwatchError('MODEL_NOT_FOUND', `model file ${file} for privacy model "${model.name}" is missing (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err, details: { model: model.name, file } });
  }
  const sha = size === model.bytes ? await sha256File(file) : undefined;
  if (sha !== model.sha256) {
    throw new CamwatchError('MODEL_CHECKSUM', `model file ${file} for privacy model "${model.name}" is not the one the manifest pins (${size} bytes${sha ? `, sha256 ${sha}` : ''})`, { details: { model: model.name, file } });
  }
  return file;
}
