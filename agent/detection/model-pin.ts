import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CamwatchError, parseJsonText, DEFAULT_MANIFEST_MAX_BYTES, FileReadError, readTextCapped } from '../core/index.js';
import { sha256File, type ModelEntry } from './manifest.js';

/**
 * A model whose weights changed runs on with garbage detections and nothing says so. With a sha256 in its
 * manifest entry the file is checked against it (resolveModelFile). Without one, camwatch trusts the file
 * it first ran with: its sha256 is kept in agent.dataDir/model-pins.json and a later start with different
 * bytes is refused (MODEL_CHECKSUM) until the operator says which file is right by writing its sha256 into
 * the manifest, which then decides alone. Every start without a manifest sha256 logs a warning giving the
 * sha256 to pin. Hashing costs ~10 ms for the 4 MB YOLOX-nano, once per start.
 */

/** The pins file in agent.dataDir. */
export const MODEL_PINS_FILE = 'model-pins.json';

/** What camwatch first ran a model with. */
export interface ModelPin {
  file: string;
  sha256: string;
  /** ISO 8601: when the pin was recorded. */
  pinnedAt: string;
}

/** Pins by model name. */
export type ModelPins = Record<string, ModelPin>;

/** How a model file stands against the manifest and the pins (pure decision; see judgeModelPin). */
export type PinVerdict =
  | { kind: 'manifest' }
  | { kind: 'first'; sha256: string }
  | { kind: 'same'; sha256: string; pin: ModelPin }
  | { kind: 'changed'; sha256: string; pin: ModelPin };

/** The manifest's sha256 decides when it has one; else the pin of the same name does; else this is the first run. */
export function judgeModelPin(entry: Pick<ModelEntry, 'sha256'>, sha256: string, pin: ModelPin | undefined): PinVerdict {
  if (entry.sha256 !== undefined) return { kind: 'manifest' };
  if (pin === undefined) return { kind: 'first', sha256 };
  return pin.sha256 === sha256 ? { kind: 'same', sha256, pin } : { kind: 'changed', sha256, pin };
}

/** The pins in `dataDir` ({} when there are none yet); a damaged pins file is an error, not a silent reset. */
export function readModelPins(dataDir: string): ModelPins {
  const file = join(dataDir, MODEL_PINS_FILE);
  let text: string;
  try {
    text = readTextCapped(file, { maxBytes: DEFAULT_MANIFEST_MAX_BYTES });
  } catch (err) {
    if (err instanceof FileReadError && err.errno === 'ENOENT') return {};
    throw pinsError(file, err instanceof FileReadError ? err.reason : String(err));
  }
  const parsed = parseJsonText(text);
  const value = parsed.ok ? parsed.value : undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw pinsError(file, 'it is not a JSON object of pins');
  const pins: ModelPins = {};
  for (const [name, pin] of Object.entries(value as Record<string, unknown>)) {
    const p = pin as Partial<ModelPin> | null;
    if (typeof p?.sha256 !== 'string' || typeof p.file !== 'string' || typeof p.pinnedAt !== 'string') throw pinsError(file, `the entry "${name}" is malformed`);
    pins[name] = { file: p.file, sha256: p.sha256, pinnedAt: p.pinnedAt };
  }
  return pins;
}

function pinsError(file: string, why: string): CamwatchError {
  return new CamwatchError('MODEL_CHECKSUM', `model pins ${file} cannot be used: ${why}`, {
    hint: `Put a "sha256" for the model in the manifest (it then decides), or move ${file} aside to pin the current files again.`,
    details: { file },
  });
}

/** Records `pin` for `name` (temp file + rename: a power cut leaves the old pins or the new ones). */
export function writeModelPin(dataDir: string, name: string, pin: ModelPin): void {
  const file = join(dataDir, MODEL_PINS_FILE);
  const pins = { ...readModelPins(dataDir), [name]: pin };
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(pins, null, 2)}\n`);
  renameSync(tmp, file);
}

/** The sentence telling the operator how to pin the model in the manifest. */
export function pinAdvice(entry: Pick<ModelEntry, 'name'>, sha256: string, manifestPath: string): string {
  return `add "sha256": "${sha256}" to the entry "${entry.name}" in ${manifestPath}`;
}

export interface CheckPinOptions {
  entry: ModelEntry;
  /** The resolved model file. */
  file: string;
  manifestPath: string;
  dataDir: string;
  /** false: only judge (doctor); true: record a first pin (the agent). */
  record: boolean;
}

/** Hashes the file when the manifest has no sha256 and judges it against the pins; MODEL_CHECKSUM when it changed. */
export async function checkModelPin(options: CheckPinOptions): Promise<PinVerdict> {
  const { entry, file, manifestPath, dataDir } = options;
  if (entry.sha256 !== undefined) return { kind: 'manifest' };
  const sha256 = await sha256File(file);
  const verdict = judgeModelPin(entry, sha256, readModelPins(dataDir)[entry.name]);
  if (verdict.kind === 'changed') {
    throw new CamwatchError('MODEL_CHECKSUM', `model file ${file} for model "${entry.name}" changed since camwatch first ran it (${verdict.pin.pinnedAt}): sha256 ${sha256}, pinned ${verdict.pin.sha256}; the manifest gives no sha256, so a swapped file is refused rather than run`, {
      hint: `If the new file is the right one, ${pinAdvice(entry, sha256, manifestPath)} (the manifest's sha256 then decides). If not, put the original file back (npm run fetch-assets).`,
      details: { model: entry.name, file, sha256, pinned: verdict.pin.sha256, pins: join(dataDir, MODEL_PINS_FILE) },
    });
  }
  if (verdict.kind === 'first' && options.record) writeModelPin(dataDir, entry.name, { file, sha256, pinnedAt: new Date().toISOString() });
  return verdict;
}
