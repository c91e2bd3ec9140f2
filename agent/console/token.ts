import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { CamwatchError, PrivateFileError, readPrivateFile, resolveFrom, writePrivateFile } from '../core/index.js';

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

/** The private file's refusal (agent/core private-file) in the console's words. */
function fromPrivateFileError(err: PrivateFileError): CamwatchError {
  const { path } = err;
  switch (err.problem) {
    case 'symlink':
      return tokenError(path, 'is a symbolic link', 'Replace the link by the file itself (chmod 600).', 'not_regular', err);
    case 'not_regular':
      return tokenError(path, 'is not a regular file', 'Replace it by a regular file holding the token (chmod 600).', 'not_regular', err);
    case 'permissions':
      return tokenError(path, `other users can read or change it (mode ${(err.facts.mode ?? 0).toString(8).padStart(4, '0')})`, `chmod 600 ${path}, then start the agent again.`, 'permissions', err);
    case 'too_large':
      return tokenError(path, `is more than ${MAX_TOKEN_FILE_BYTES} bytes`, 'Write only the token in it.', 'too_large', err);
    default:
      return tokenError(path, `cannot open it (${err.facts.errno ?? 'error'})`, 'Run this as the user the agent runs as (e.g. sudo -u camwatch …), or check the path.', 'open', err);
  }
}

/**
 * Reads the token without following a link or blocking on a FIFO, and refuses a file other users can read:
 * whoever holds the token can rewrite the config. Returns undefined when the file does not exist.
 */
export function readConsoleToken(path: string): string | undefined {
  let text: string;
  try {
    text = readPrivateFile(path, MAX_TOKEN_FILE_BYTES);
  } catch (err) {
    if (!(err instanceof PrivateFileError)) throw err;
    if (err.problem === 'missing') return undefined;
    throw fromPrivateFileError(err);
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_CHARS || /\s/.test(token)) {
    throw tokenError(path, `must hold one token of at least ${MIN_TOKEN_CHARS} characters without spaces`, 'Write a random token in it, e.g. `openssl rand -base64 24 > FILE; chmod 600 FILE`.', 'invalid');
  }
  return token;
}

/** The token at `path`, or (when `create`) a new random one written there with mode 0600 from its creation. */
export function loadOrCreateConsoleToken(path: string, options: { create: boolean }): { token: string; created: boolean } {
  const existing = readConsoleToken(path);
  if (existing !== undefined) return { token: existing, created: false };
  if (!options.create) throw tokenError(path, 'does not exist', 'Create it with a random token (`openssl rand -base64 24 > FILE; chmod 600 FILE`).', 'missing');
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  writePrivateFile(path, `${token}\n`);
  return { token, created: true };
}

/** Constant-time comparison (over digests, so lengths leak nothing either). */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
