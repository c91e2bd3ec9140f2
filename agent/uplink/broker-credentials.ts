import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { CamwatchError, PrivateFileError, readPrivateFile, resolveFrom, writePrivateFile } from '../core/index.js';
import type { BrokerLogin } from './broker-acl.js';
import type { MqttOptions } from './options.js';

/**
 * The embedded broker's operator login, kept in a 0600 file in the agent's data directory: generated at the
 * first start, read again at every start, so a technician's `mosquitto_sub -u … -P …` keeps working. The
 * agent's own login is not in it: broker and uplink share one process, so that password is drawn afresh
 * at each start and never written anywhere.
 */

/** The file's name in agent.dataDir, unless mqtt.embeddedCredentialsFile names another. */
export const EMBEDDED_CREDENTIALS_FILE = 'embedded-broker-credentials.json';
/** User name written into a new file. */
export const DEFAULT_OPERATOR_USERNAME = 'operator';
/** The agent principal's user name; an operator may not take it. */
export const AGENT_USERNAME = 'camwatch-agent';
/** A hand-edited password shorter than this is refused: the broker may listen beyond loopback (characters). */
export const MIN_PASSWORD_CHARS = 16;
/** Generated passwords: 24 random bytes (192 bits) as 32 base64url characters, safe in a shell and a YAML file. */
const PASSWORD_BYTES = 24;
/** The file is one small JSON object; a bigger one is not ours, and is not read (bytes). */
const MAX_FILE_BYTES = 4096;

/** What embeddedCredentialsPath reads of a loaded config (LoadedConfig fits). */
export interface CredentialsPathSource {
  /** Directory relative paths of the config file are resolved against. */
  baseDir: string;
  config: { mqtt: Pick<MqttOptions, 'embeddedCredentialsFile'>; agent: { dataDir: string } };
}

/** Where the operator login lives for this config (mqtt.embeddedCredentialsFile, else agent.dataDir). */
export function embeddedCredentialsPath(loaded: CredentialsPathSource): string {
  const { mqtt, agent } = loaded.config;
  return mqtt.embeddedCredentialsFile !== undefined
    ? resolveFrom(loaded.baseDir, mqtt.embeddedCredentialsFile)
    : join(resolveFrom(loaded.baseDir, agent.dataDir), EMBEDDED_CREDENTIALS_FILE);
}

/** A fresh random password (base64url). */
export function generatePassword(): string {
  return randomBytes(PASSWORD_BYTES).toString('base64url');
}

/** Reads the operator login the running agent's broker accepts; throws SECRET_UNREADABLE naming the file and the fix. */
export function readOperatorLogin(path: string): BrokerLogin {
  return parseLogin(readPrivateLoginFile(path), path);
}

/** The operator login from `path`, or a new one written there (mode 0600) when the file does not exist. */
export function loadOrCreateOperatorLogin(path: string): { login: BrokerLogin; created: boolean } {
  try {
    return { login: readOperatorLogin(path), created: false };
  } catch (err) {
    if (!(err instanceof CamwatchError) || err.details.reason !== 'missing') throw err;
  }
  const login = { username: DEFAULT_OPERATOR_USERNAME, password: generatePassword() };
  try {
    // agent.dataDir exists by now; a directory named by mqtt.embeddedCredentialsFile may not (created private).
    writePrivateFile(path, `${JSON.stringify({ ...login, about: 'Login of a local operator on the camwatch embedded MQTT broker. Keep this file mode 0600.' }, null, 2)}\n`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw unreadable(path, `cannot create it (${code})`, `The agent's user must be able to write ${dirname(path)}.`, 'create', err);
  }
  return { login, created: true };
}

function unreadable(path: string, problem: string, hint: string, reason: string, cause?: unknown): CamwatchError {
  return new CamwatchError('SECRET_UNREADABLE', `embedded broker credentials ${path}: ${problem}`, {
    hint,
    details: { file: path, reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

const REGENERATE = 'or delete it and start the agent to generate a new one';

/** The file's text; a refusal (agent/core private-file) as SECRET_UNREADABLE naming the file and the fix. */
function readPrivateLoginFile(path: string): string {
  try {
    return readPrivateFile(path, MAX_FILE_BYTES);
  } catch (err) {
    if (!(err instanceof PrivateFileError)) throw err;
    switch (err.problem) {
      case 'missing':
        return missing(path, err);
      case 'symlink':
        throw unreadable(path, 'is a symbolic link', `Replace the link by the file itself (chmod 600), ${REGENERATE}.`, 'not_regular', err);
      case 'permission':
        throw unreadable(path, 'permission denied', 'Run this as the user the agent runs as (e.g. sudo -u camwatch …), or with sudo.', 'permission', err);
      case 'not_regular':
        throw unreadable(path, 'is not a regular file', `Replace it by a regular file (chmod 600), ${REGENERATE}.`, 'not_regular', err);
      case 'permissions':
        throw unreadable(
          path,
          `other users can read or change it (mode ${(err.facts.mode ?? 0).toString(8).padStart(4, '0')}); the broker's password must be private`,
          `chmod 600 ${path} (owned by the agent's user), then start the agent again.`,
          'permissions',
          err,
        );
      case 'too_large': {
        const size = err.facts.sizeBytes === undefined ? `more than ${MAX_FILE_BYTES} bytes` : `${err.facts.sizeBytes} bytes, more than a login (${MAX_FILE_BYTES} bytes at most)`;
        throw unreadable(path, `is ${size}`, `Fix it, ${REGENERATE}.`, 'too_large', err);
      }
      default:
        throw unreadable(path, `cannot open it (${err.facts.errno ?? 'error'})`, `Check the path and the disk, ${REGENERATE}.`, 'open', err);
    }
  }
}

function missing(path: string, cause: unknown): never {
  throw unreadable(path, 'does not exist yet', 'The agent creates it at its first start with the embedded broker (no mqtt.url): start it, then try again.', 'missing', cause);
}

/** The file's text as a login; a parse error says what is expected and never echoes the content (it holds a password). */
function parseLogin(text: string, path: string): BrokerLogin {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw unreadable(path, 'is not valid JSON (expected {"username": "…", "password": "…"})', `Fix it, ${REGENERATE}.`, 'invalid');
  }
  const { username, password } = (data !== null && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  if (typeof username !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(username)) {
    throw unreadable(path, '"username" must be 1 to 64 printable ASCII characters without spaces', `Fix it, ${REGENERATE}.`, 'invalid');
  }
  if (username === AGENT_USERNAME) throw unreadable(path, `"username" may not be "${AGENT_USERNAME}" (the agent's own)`, 'Choose another user name.', 'invalid');
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_CHARS || password.length > 256) {
    throw unreadable(path, `"password" must be a string of ${MIN_PASSWORD_CHARS} to 256 characters`, `Fix it, ${REGENERATE}.`, 'invalid');
  }
  return { username, password };
}
