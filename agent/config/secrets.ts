import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_SECRET_MAX_BYTES, DEFAULT_TLS_FILE_MAX_BYTES, FileReadError, readFileCapped, readTextCapped } from '../core/index.js';
import type { MqttTlsFiles } from '../uplink/index.js';
import type { Config } from './schema.js';
import type { IssuePath, RawIssue } from './issues.js';

/**
 * Passwords are resolved once, at load, into `LoadedConfig.secrets` and removed from the config object, so
 * the config can be logged or published and the secrets have exactly one home. Values never enter an issue
 * message: only field names, file paths and variable names do.
 */

export interface ConfigSecrets {
  /** Broker password from mqtt.password / passwordFile / passwordEnv. */
  mqttPassword?: string;
  /** Contents of mqtt.tls.ca / cert / key, read at load so a missing file fails the start, not a reconnect. */
  mqttTls?: MqttTlsFiles;
  /** Shared secret IOC commands are signed with, from mqtt.commandSecretFile / commandSecretEnv. */
  commandSecret?: string;
  /**
   * Per enabled camera id: from source.password / passwordFile / passwordEnv. A password written inside the
   * source URL stays in the URL (ffmpeg needs it there) and is not copied here.
   */
  cameraPasswords: Record<string, string>;
  /** Per enabled camera id with `clips.source` (an RTSP URL): from its password / passwordFile / passwordEnv. */
  clipPasswords?: Record<string, string>;
}

export type SecretEnv = Readonly<Record<string, string | undefined>>;

export interface SecretOptions {
  env: SecretEnv;
  baseDir: string;
}

interface SecretFields {
  password?: string | undefined;
  passwordFile?: string | undefined;
  passwordEnv?: string | undefined;
}

type Resolved = { value?: string; issue?: RawIssue };

function resolveOne(fields: SecretFields, path: IssuePath, options: SecretOptions): Resolved {
  if (fields.passwordFile !== undefined) {
    const file = isAbsolute(fields.passwordFile) ? fields.passwordFile : resolve(options.baseDir, fields.passwordFile);
    let text: string;
    try {
      // Capped and regular files only: /dev/zero grew to 7 GB, a FIFO blocked the start for ever.
      text = readTextCapped(file, { maxBytes: DEFAULT_SECRET_MAX_BYTES });
    } catch (err) {
      return { issue: { path: [...path, 'passwordFile'], message: `cannot read ${file}: ${reason(err)}` } };
    }
    // Editors add a trailing newline; a password never ends in whitespace on purpose.
    const value = text.trim();
    if (value === '') return { issue: { path: [...path, 'passwordFile'], message: `${file} is empty; write the password in it` } };
    return { value };
  }
  if (fields.passwordEnv !== undefined) {
    const value = options.env[fields.passwordEnv];
    if (value === undefined) return { issue: { path: [...path, 'passwordEnv'], message: `environment variable ${fields.passwordEnv} is not set` } };
    if (value === '') return { issue: { path: [...path, 'passwordEnv'], message: `environment variable ${fields.passwordEnv} is empty` } };
    return { value };
  }
  return fields.password === undefined ? {} : { value: fields.password };
}

function reason(err: unknown): string {
  return err instanceof FileReadError ? err.reason : 'unreadable';
}

function readTlsFiles(tls: NonNullable<Config['mqtt']['tls']>, options: SecretOptions, issues: RawIssue[]): MqttTlsFiles {
  const files: MqttTlsFiles = {};
  for (const field of ['ca', 'cert', 'key'] as const) {
    const name = tls[field];
    if (name === undefined) continue;
    const file = isAbsolute(name) ? name : resolve(options.baseDir, name);
    try {
      const bytes = readFileCapped(file, { maxBytes: DEFAULT_TLS_FILE_MAX_BYTES });
      if (bytes.length === 0) issues.push({ path: ['mqtt', 'tls', field], message: `${file} is empty; it should hold a PEM ${field === 'key' ? 'private key' : 'certificate'}` });
      else files[field] = bytes;
    } catch (err) {
      issues.push({ path: ['mqtt', 'tls', field], message: `cannot read ${file}: ${reason(err)}` });
    }
  }
  // One without the other fails deep inside the TLS handshake with an unhelpful message.
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    issues.push({ path: ['mqtt', 'tls', tls.cert === undefined ? 'cert' : 'key'], message: 'a client certificate needs both cert and key' });
  }
  return files;
}

/**
 * Resolves every secret the config names. Disabled cameras are skipped: a camera not yet installed should
 * not need its password file on the box.
 */
export function resolveSecrets(config: Config, options: SecretOptions): { secrets: ConfigSecrets; issues: RawIssue[] } {
  const issues: RawIssue[] = [];
  const secrets: ConfigSecrets = { cameraPasswords: {} };
  const mqtt = resolveOne(config.mqtt, ['mqtt'], options);
  if (mqtt.issue !== undefined) issues.push(mqtt.issue);
  if (mqtt.value !== undefined) secrets.mqttPassword = mqtt.value;
  if (config.mqtt.tls !== undefined) secrets.mqttTls = readTlsFiles(config.mqtt.tls, options, issues);
  const command = resolveOne({ passwordFile: config.mqtt.commandSecretFile, passwordEnv: config.mqtt.commandSecretEnv }, ['mqtt'], options);
  if (command.issue !== undefined) {
    // resolveOne names the password fields; these are the command secret's.
    const last = command.issue.path.at(-1) === 'passwordFile' ? 'commandSecretFile' : 'commandSecretEnv';
    issues.push({ path: ['mqtt', last], message: command.issue.message.replace('write the password', 'write the command secret') });
  }
  if (command.value !== undefined) secrets.commandSecret = command.value;
  config.cameras.forEach((camera, index) => {
    if (!camera.enabled || !('url' in camera.source)) return;
    const result = resolveOne(camera.source, ['cameras', index, 'source'], options);
    if (result.issue !== undefined) issues.push(result.issue);
    if (result.value !== undefined) secrets.cameraPasswords[camera.id] = result.value;
  });
  config.cameras.forEach((camera, index) => {
    const clipSource = camera.clips.source;
    if (!camera.enabled || !camera.clips.enabled || clipSource === undefined || !('url' in clipSource)) return;
    const result = resolveOne(clipSource, ['cameras', index, 'clips', 'source'], options);
    if (result.issue !== undefined) issues.push(result.issue);
    if (result.value !== undefined) (secrets.clipPasswords ??= {})[camera.id] = result.value;
  });
  return { secrets, issues };
}

/** A copy of the config without clear-text password fields (their values now live in `secrets`). */
export function withoutClearPasswords(config: Config): Config {
  const { password: _mqttPassword, ...mqtt } = config.mqtt;
  return {
    ...config,
    mqtt,
    cameras: config.cameras.map((camera) => {
      let out = camera;
      if ('url' in camera.source) {
        const { password: _password, ...source } = camera.source;
        out = { ...out, source };
      }
      const clipSource = camera.clips.source;
      if (clipSource !== undefined && 'url' in clipSource) {
        const { password: _password, ...source } = clipSource;
        out = { ...out, clips: { ...camera.clips, source } };
      }
      return out;
    }),
  };
}
