import type { IClientOptions } from 'mqtt';
import type { MqttTlsFiles, MqttTlsOptions } from './options.js';

/** URL schemes MQTT.js opens over TLS: the only ones mqtt.tls applies to. */
const TLS_SCHEMES = new Set(['mqtts:', 'ssl:', 'tls:', 'wss:', 'wxs:', 'alis:']);

/** True when `url` is a TLS URL (mqtts://, wss://...). */
export function isTlsUrl(url: string): boolean {
  try {
    return TLS_SCHEMES.has(new URL(url).protocol);
  } catch {
    return false;
  }
}

/**
 * MQTT.js TLS options from mqtt.tls and the file contents read at load (pure). A plain mqtt:// URL gets
 * none: a configured CA must not make a cleartext connection look protected in a review of the options.
 */
export function tlsClientOptions(url: string, tls: MqttTlsOptions | undefined, files: MqttTlsFiles | undefined): Partial<IClientOptions> {
  if (!isTlsUrl(url)) return {};
  const opts: Partial<IClientOptions> = { rejectUnauthorized: tls?.rejectUnauthorized ?? true };
  if (files?.ca !== undefined) opts.ca = files.ca;
  if (files?.cert !== undefined) opts.cert = files.cert;
  if (files?.key !== undefined) opts.key = files.key;
  if (tls?.servername !== undefined) opts.servername = tls.servername;
  return opts;
}
