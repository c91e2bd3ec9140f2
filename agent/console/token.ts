import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CamwatchError, resolveFrom } from '../core/index.js';

/** The generated token's file in agent.dataDir, unless console.tokenFile names another. */
export const CONSOLE_TOKEN_FILE = 'console-token';
/** A hand-written token shorter than this is refused: it guards writes to the config (characters). */
export const MIN_TOKEN_CHARS = 16;
/** Generated tokens: 24 random bytes (192 bits) as 32 base64url characters, safe in a URL fragment. */
const TOKEN_BYTES = 24;
/** A token file is one short line; a bigger one is not a token (bytes). */
const MAX_TOKEN_FILE_BYTES = 1024;

/** What consoleTokenPath reads of a loaded config (LoadedConfig fits). */
export interface TokenPathSource {
  baseDir: string;
  config: { console: { tokenFile?: string | undefined }; agent: { dataDir: string } };
}

/** Where the console token lives for this config: console.tokenFile, else <agent.dataDir>/console-token. */
export function consoleTokenPath(loaded: TokenPathSource): string {
  const { console: c, agent } = loaded.config;
  return c.tokenFile !== undefined ? resolveFrom(loaded.baseDir, c.tokenFile) : join(resolveFrom(loaded.baseDir, agent.dataDir), CONSOLE_TOKEN_FILE);
}

function tokenError(path: string, problem: string, hint: string, reason: string, cause?: unknown): CamwatchError {
  return new CamwatchError('CONSOLE_TOKEN_UNREADABLE', `console token ${path}: ${problem}`, { hint, details: { file: path, reason }, ...(cause === undefined ? {} : { cause }) });
}

/**
 * Reads the token without following a link or blocking on a FIFO, and refuses a file other users can read:
 * whoever holds the token can rewrite the config. Returns undefined when the file does not exist.
 */
export function readConsoleToken(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw tokenError(path, 'is a symbolic link', 'Replace the link by the file itself (chmod 600).', 'not_regular', err);
    throw tokenError(path, `cannot open it (${code ?? 'error'})`, 'Run this as the user the agent runs as (e.g. sudo -u camwatch …), or check the path.', 'open', err);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw tokenError(path, 'is not a regular file', 'Replace it by a regular file holding the token (chmod 600).', 'not_regular');
    const mode = stat.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw tokenError(path, `other users can read or change it (mode ${mode.toString(8).padStart(4, '0')})`, `chmod 600 ${path}, then start the agent again.`, 'permissions');
    }
    const buf = Buffer.alloc(MAX_TOKEN_FILE_BYTES + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > MAX_TOKEN_FILE_BYTES) throw tokenError(path, `is more than ${MAX_TOKEN_FILE_BYTES} bytes`, 'Write only the token in it.', 'too_large');
    const token = buf.subarray(0, n).toString('utf8').trim();
    if (token.length < MIN_TOKEN_CHARS || /\s/.test(token)) {
      throw tokenError(path, `must hold one token of at least ${MIN_TOKEN_CHARS} characters without spaces`, 'Write a random token in it, e.g. `openssl rand -base64 24 > FILE; chmod 600 FILE`.', 'invalid');
    }
    return token;
  } finally {
    closeSync(fd);
  }
}

/** The token at `path`, or (when `create`) a new random one written there with mode 0600 from its creation. */
export function loadOrCreateConsoleToken(path: string, options: { create: boolean }): { token: string; created: boolean } {
  const existing = readConsoleToken(path);
  if (existing !== undefined) return { token: existing, created: false };
  if (!options.create) throw tokenError(path, 'does not exist', 'Create it with a random token (`openssl rand -base64 24 > FILE; chmod 600 FILE`).', 'missing');
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${token}\n`);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  return { token, created: true };
}

/** Constant-time comparison (over digests, so lengths leak nothing either). */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
