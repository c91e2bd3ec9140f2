import { basename, dirname } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { isCamwatchError } from '../core/index.js';
import { cameraSchema, formatPath, parseConfigText, type LoadedConfig } from '../config/index.js';
import { REDACTED, redactDeep, redactYamlText } from './redact.js';
import { applyEdits, spliceMap, type SpliceContext } from './yaml-splice.js';
import { unifiedDiff } from './unified-diff.js';
import { withoutEchoedDefaults } from './echoed-defaults.js';

/**
 * The parts of a camera's block the console edits: every field of the camera schema but `id` (the camera's
 * name in topics and incidents) and `onvif` (facts recorded at onboarding); `source` only when unchanged or
 * retyped. Read from the schema, so a field added to cameras is editable (and accepted back) without a change here.
 */
export const EDITABLE_CAMERA_FIELDS: readonly string[] = Object.keys(cameraSchema.shape).filter((k) => k !== 'id' && k !== 'onvif');

/** One problem with an edit, at the field it names (`cameras[0].zones[1].points`; `field`: `zones[1].points`). */
export interface EditError {
  path: string;
  /** The path inside the camera's block, when the problem is there. */
  field?: string;
  message: string;
  line?: number;
  col?: number;
}

export interface CameraEditResult {
  /** The file as it would be written. */
  text: string;
  /** `diff -u` of the file, redacted (no password of the file appears in it). */
  diff: string;
  /** Empty when the new file validates exactly as `camwatch config validate` would. */
  errors: EditError[];
}

/** The camera's item in the file's `cameras:` list, with its index; undefined when there is none with this id. */
function findCamera(root: unknown, cameraId: string): { node: YAMLMap; index: number } | undefined {
  if (!isMap(root)) return undefined;
  const cameras = root.get('cameras', true);
  if (!isSeq(cameras)) return undefined;
  for (const [index, item] of cameras.items.entries()) {
    if (!isMap(item)) continue;
    const id = item.get('id', true);
    if (isScalar(id) && id.value === cameraId) return { node: item, index };
  }
  return undefined;
}

/** True when the file has a camera with this id (the file, not the running agent, is what an edit changes). */
export function fileHasCamera(text: string, cameraId: string): boolean {
  return findCamera(parseDocument(text).contents, cameraId) !== undefined;
}

/**
 * The file with the camera's fields replaced by `edit`, checked by the same chain as `camwatch config
 * validate` (YAML → schema → cross-field checks → secrets). Nothing is written here.
 */
export function editCamera(text: string, loaded: LoadedConfig, cameraId: string, edit: Record<string, unknown>, secrets: readonly string[]): CameraEditResult | undefined {
  const doc = parseDocument(text, { uniqueKeys: true });
  const found = findCamera(doc.contents, cameraId);
  if (found === undefined) return undefined;
  const parsed = loaded.config.cameras.find((c) => c.id === cameraId) as Record<string, unknown> | undefined;
  const fileCamera = found.node.toJSON() as Record<string, unknown>;
  // Fields not in the edit keep their value from the file.
  const sent: Record<string, unknown> = { ...fileCamera };
  for (const [key, value] of Object.entries(edit)) sent[key] = value;
  const next = withoutEchoedDefaults(sent, fileCamera, parsed) as Record<string, unknown>;
  const ctx: SpliceContext = { text, edits: [], marker: REDACTED, redactedWrites: [], redact: (v) => redactDeep(v, secrets) };
  spliceMap(ctx, found.node, next, ['cameras', found.index]);
  const out = applyEdits(text, ctx.edits);
  const errors: EditError[] = ctx.redactedWrites.map((w) => withField({
    path: formatPath(w.path),
    message: `holds "${REDACTED}", the mark of a hidden password: type the password again, or leave the field as it was shown`,
  }, found.index));
  if (errors.length === 0) errors.push(...validate(out, loaded).map((e) => withField(e, found.index)));
  const name = basename(loaded.path);
  return { text: out, errors, diff: redactYamlText(unifiedDiff(text, out, name), secrets) };
}

function withField(e: EditError, index: number): EditError {
  const prefix = `cameras[${index}]`;
  if (e.path === prefix) return { ...e, field: '(camera)' };
  if (e.path.startsWith(`${prefix}.`)) return { ...e, field: e.path.slice(prefix.length + 1) };
  return e;
}

/** The issues `camwatch config validate` would print for this text, as a list (empty: valid). */
function validate(text: string, loaded: LoadedConfig): EditError[] {
  try {
    parseConfigText(text, loaded.path, { baseDir: dirname(loaded.path) });
    return [];
  } catch (err) {
    if (!isCamwatchError(err)) throw err;
    const issues = Array.isArray(err.details.issues) ? (err.details.issues as EditError[]) : [];
    if (issues.length === 0) return [{ path: '(root)', message: err.message }];
    return issues.map((i) => ({ path: i.path === '' ? '(root)' : i.path, message: i.message, ...(i.line === undefined ? {} : { line: i.line }), ...(i.col === undefined ? {} : { col: i.col }) }));
  }
}
