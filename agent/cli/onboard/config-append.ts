import { randomBytes } from 'node:crypto';
import { mkdir, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import { CamwatchError, DEFAULT_CONFIG_MAX_BYTES, FileReadError, readTextCappedAsync } from '../../core/index.js';

/**
 * Adds a camera to a technician's YAML config without disturbing the rest of it: the yaml Document API
 * keeps comments, key order and quoting; the write is atomic (temp file + rename), so a power cut on a
 * pole-mounted box leaves either the old file or the new one, never half of each.
 */

/** New config files: no secrets inside (those live in secrets/), readable by the agent's service user. */
export const DEFAULT_CONFIG_FILE_MODE = 0o644;
/** Secret files: owner only. */
export const DEFAULT_SECRET_FILE_MODE = 0o600;

const NEW_CONFIG_HEADER = ' camwatch configuration, started by `camwatch camera add`.\n See config/camwatch.example.yaml for every section.';

/** The YAML text, or undefined when the file does not exist yet. */
export async function readConfigText(file: string): Promise<string | undefined> {
  try {
    return await readTextCappedAsync(file, { maxBytes: DEFAULT_CONFIG_MAX_BYTES });
  } catch (err) {
    if (err instanceof FileReadError && err.errno === 'ENOENT') return undefined;
    throw new CamwatchError('CONFIG_NOT_FOUND', (err as Error).message, { cause: err });
  }
}

function parseConfigDocument(file: string, text: string): Document {
  const doc = parseDocument(text, { keepSourceTokens: false });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    throw new CamwatchError('CONFIG_PARSE', `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${first.message.split('\n')[0]}`, {
      cause: first,
    });
  }
  return doc;
}

/** Ids of the cameras already in the file (for uniqueness checks before connecting). */
export function existingCameraIds(file: string, text: string | undefined): string[] {
  if (text === undefined) return [];
  const cameras = parseConfigDocument(file, text).get('cameras');
  if (!isSeq(cameras)) return [];
  return cameras.items.flatMap((item) => {
    const id = isMap(item) ? item.get('id') : undefined;
    return typeof id === 'string' ? [id] : [];
  });
}

/**
 * Appends `entry` to `cameras:` (creating the file or the key when missing) and writes atomically.
 * Refuses a duplicate id. Returns whether the file was created.
 */
export async function appendCameraToConfig(file: string, entry: Record<string, unknown> & { id: string }): Promise<{ created: boolean }> {
  const text = await readConfigText(file);
  const doc = text === undefined || text.trim() === '' ? parseDocument('version: 1\n') : parseConfigDocument(file, text);
  if (text === undefined) doc.commentBefore = NEW_CONFIG_HEADER;
  if (doc.contents === null) doc.contents = doc.createNode({ version: 1 });
  if (!isMap(doc.contents)) {
    throw new CamwatchError('CONFIG_INVALID', `${file}: the top level is not a mapping`, {
      hint: 'The config must be a YAML mapping (version:, agent:, cameras: …).',
    });
  }
  if (existingCameraIds(file, text).includes(entry.id)) {
    throw new CamwatchError('CONFIG_INVALID', `${file}: a camera with id "${entry.id}" already exists`, {
      details: { id: entry.id },
      hint: 'Choose another id with --id, or remove the existing entry first.',
    });
  }
  const cameras = doc.get('cameras');
  const node = doc.createNode(entry);
  if (cameras === undefined || cameras === null) {
    doc.set('cameras', doc.createNode([entry]));
  } else if (isSeq(cameras)) {
    // `cameras: []` is a flow sequence; appending a block mapping to it would print as one long line.
    if (cameras.items.length === 0) cameras.flow = false;
    cameras.add(node);
  } else {
    throw new CamwatchError('CONFIG_INVALID', `${file}: cameras is not a list`, { hint: 'Make `cameras:` a YAML list of camera entries.' });
  }
  const mode = text === undefined ? DEFAULT_CONFIG_FILE_MODE : (await stat(file)).mode & 0o777;
  // Through a symlink (the installed box's /etc/camwatch/camwatch.yaml → editable/): replacing the link with a
  // file would put the config back in the folder the agent may not write (docs/operations.md).
  await writeFileAtomic(text === undefined ? file : await realpath(file), doc.toString({ lineWidth: 0 }), mode);
  return { created: text === undefined };
}

/** Writes a secret (no trailing newline) to `dir/name`, mode 0600, atomically; creates `dir` as 0700. */
export async function writeSecretFile(dir: string, name: string, secret: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, name);
  await writeFileAtomic(path, secret, DEFAULT_SECRET_FILE_MODE);
  return path;
}

/** Temp file in the same directory (same filesystem, so rename is atomic), fsync, rename. */
export async function writeFileAtomic(path: string, content: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // 'wx' with the final mode: a secret is never readable by others, not even for a moment.
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.chmod(mode); // the umask may have narrowed the mode given to open()
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
