import type { Config } from './schema.js';
import { valueAt, type IssuePath, type RawIssue } from './issues.js';

/**
 * Camera and broker connection settings: the URL must parse, and a password must be given exactly once.
 * A clear-text password next to passwordFile/passwordEnv is rejected rather than ranked: which one "wins" is
 * a guess an operator cannot see, and the clear one is the one that leaks (backups, screenshots, git).
 * Messages never repeat a URL or a password.
 */

/** Schemes mqtt.js connects with. */
export const MQTT_SCHEMES = ['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ssl:', 'ws:', 'wss:'] as const;

const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^\s/@:]*:[^\s/@]*@/i;

export interface Credentials {
  url?: string | undefined;
  password?: string | undefined;
  passwordFile?: string | undefined;
  passwordEnv?: string | undefined;
}

function checkCredentials(c: Credentials, path: IssuePath): RawIssue[] {
  const issues: RawIssue[] = [];
  const indirect = c.passwordFile !== undefined ? 'passwordFile' : c.passwordEnv !== undefined ? 'passwordEnv' : undefined;
  const urlHasPassword = c.url !== undefined && URL_WITH_PASSWORD.test(c.url);
  if (c.passwordFile !== undefined && c.passwordEnv !== undefined) {
    issues.push({ path: [...path, 'passwordEnv'], message: 'passwordFile and passwordEnv are both given; keep only one' });
  }
  if (c.password !== undefined && indirect !== undefined) {
    issues.push({ path: [...path, 'password'], message: `a clear-text password and ${indirect} are both given; remove password (the secret belongs in ${indirect})` });
  }
  if (urlHasPassword && indirect !== undefined) {
    issues.push({ path: [...path, 'url'], message: `the URL holds a password and ${indirect} is also given; remove the password from the URL (keep scheme://user@host/…)` });
  }
  if (urlHasPassword && c.password !== undefined) {
    issues.push({ path: [...path, 'password'], message: 'the URL already holds a password; remove password, or remove the password from the URL' });
  }
  return issues;
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** Checks one camera source (a url source; file sources have nothing to check here). */
export function checkCameraConnection(source: Credentials, index: number): RawIssue[] {
  if (source.url === undefined) return [];
  const path: IssuePath = ['cameras', index, 'source'];
  const issues: RawIssue[] = [];
  const url = parseUrl(source.url);
  if (url === undefined || url.hostname === '') {
    issues.push({ path: [...path, 'url'], message: 'not a valid URL; expected rtsp://host[:port]/path (a video file goes under "file" instead)' });
  }
  issues.push(...checkCredentials(source, path));
  return issues;
}

export function checkMqttConnection(mqtt: Credentials): RawIssue[] {
  const issues: RawIssue[] = [];
  if (mqtt.url !== undefined) {
    const url = parseUrl(mqtt.url);
    if (url === undefined || url.hostname === '') {
      issues.push({ path: ['mqtt', 'url'], message: 'not a valid URL; expected mqtt://host:1883 or mqtts://host:8883 (remove url to use the embedded broker)' });
    } else if (!(MQTT_SCHEMES as readonly string[]).includes(url.protocol)) {
      issues.push({ path: ['mqtt', 'url'], message: `unsupported scheme "${url.protocol}//"; use one of ${MQTT_SCHEMES.map((s) => `${s}//`).join(', ')}` });
    }
  }
  issues.push(...checkCredentials(mqtt, ['mqtt']));
  return issues;
}

/** The credential fields of a section, from raw data: only string values count (the schema reports the rest). */
function credentialsAt(raw: unknown): Credentials {
  const text = (key: keyof Credentials) => {
    const value = valueAt(raw, [key]);
    return typeof value === 'string' ? value : undefined;
  };
  return { url: text('url'), password: text('password'), passwordFile: text('passwordFile'), passwordEnv: text('passwordEnv') };
}

/** Connection checks of a config, parsed or raw: they run even where the schema failed on another field. */
export function checkConnections(data: Config | unknown): RawIssue[] {
  const issues = checkMqttConnection(credentialsAt(valueAt(data, ['mqtt'])));
  const cameras = valueAt(data, ['cameras']);
  if (Array.isArray(cameras)) {
    cameras.forEach((camera: unknown, index) => issues.push(...checkCameraConnection(credentialsAt(valueAt(camera, ['source'])), index)));
  }
  return issues;
}
