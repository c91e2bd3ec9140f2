import { CamwatchError } from '../core/index.js';

/**
 * Turns what MQTT.js reports while connecting (a CONNACK refusal, a socket or TLS error, a timeout) into
 * one CamwatchError an operator can act on. Pure: the uplink decides what to log and when.
 */

interface RefusalText {
  text: string;
  auth?: boolean;
  hint?: string;
}

const CLIENT_ID_HINT = 'Set mqtt.clientId to an id the broker accepts, unique per box.';

/** MQTT 3.1.1 CONNACK return codes (§3.2.2.3). */
const V4_REFUSALS: Record<number, RefusalText> = {
  1: { text: 'unacceptable protocol version' },
  2: { text: 'client identifier rejected', hint: CLIENT_ID_HINT },
  3: { text: 'server unavailable' },
  4: { text: 'bad user name or password', auth: true },
  // Mosquitto answers 5 / 135 (not 4 / 134) to a wrong password, so say both.
  5: { text: 'not authorized (wrong username or password, or this user may not connect)', auth: true },
};

/** MQTT 5 CONNACK reason codes (§3.2.2.2). */
const V5_REFUSALS: Record<number, RefusalText> = {
  128: { text: 'unspecified error' },
  129: { text: 'malformed packet' },
  130: { text: 'protocol error' },
  131: { text: 'implementation specific error' },
  132: { text: 'unsupported protocol version' },
  133: { text: 'client identifier not valid', hint: CLIENT_ID_HINT },
  134: { text: 'bad user name or password', auth: true },
  135: { text: 'not authorized (wrong username or password, or this user may not connect)', auth: true },
  136: { text: 'server unavailable' },
  137: { text: 'server busy' },
  138: { text: 'banned', auth: true, hint: 'The broker banned this client: ask its operator to lift the ban, then check credentials.' },
  140: { text: 'bad authentication method', auth: true },
  149: { text: 'packet too large' },
  151: { text: 'quota exceeded' },
  156: { text: 'use another server', hint: 'The broker redirects clients: point mqtt.url at the server it names.' },
  157: { text: 'server moved', hint: 'The broker moved: update mqtt.url.' },
  159: { text: 'connection rate exceeded' },
};

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

const NETWORK_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the broker running on that port?)',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (DNS unavailable)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset by the broker',
  EPIPE: 'connection closed by the broker',
};

/** True when the broker refused MQTT 5 itself: retry as 3.1.1 (aedes, older brokers answer code 1). */
export function shouldFallBackToV4(protocolVersion: number, err: unknown): boolean {
  if (protocolVersion !== 5) return false;
  const code = (err as { code?: unknown } | null)?.code;
  return code === 1 || code === 132;
}

/**
 * The operator-facing error for a failed connection attempt to `url` (credentials already removed).
 * `err` undefined means the broker closed the socket without a CONNACK or an error.
 */
export function connectFailure(err: unknown, url: string, protocolVersion: number): CamwatchError {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : err === undefined ? '' : String(err);
  const details = { url, protocolVersion, reason: code };

  // MQTT.js ErrorWithReasonCode: a numeric code is a CONNACK refusal.
  if (typeof code === 'number') {
    const refusal = (protocolVersion === 5 && code >= 128 ? V5_REFUSALS : V4_REFUSALS)[code];
    const text = `broker ${url} refused the connection: ${refusal?.text ?? message} (code ${code})`;
    const opts = { cause: err, details, ...(refusal?.hint === undefined ? {} : { hint: refusal.hint }) };
    return new CamwatchError(refusal?.auth === true ? 'MQTT_AUTH' : 'MQTT_UNREACHABLE', text, opts);
  }
  if (typeof code === 'string' && TLS_CODE.test(code)) {
    return new CamwatchError('MQTT_TLS', `TLS handshake with ${url} failed: ${message} (${code})`, { cause: err, details });
  }
  if (typeof code === 'string' && NETWORK_TEXT[code] !== undefined) {
    return new CamwatchError('MQTT_UNREACHABLE', `cannot reach broker ${url}: ${NETWORK_TEXT[code]}`, { cause: err, details });
  }
  if (/connack timeout/i.test(message)) {
    return new CamwatchError('MQTT_UNREACHABLE', `broker ${url} accepted TCP but sent no CONNACK (is this an MQTT port?)`, {
      cause: err,
      details,
    });
  }
  if (err === undefined) {
    return new CamwatchError('MQTT_UNREACHABLE', `broker ${url} closed the connection before accepting it`, { details });
  }
  return new CamwatchError('MQTT_UNREACHABLE', `cannot connect to broker ${url}: ${message}`, { cause: err, details });
}

/** The error for an established connection that ended (`err`: what MQTT.js emitted before the close, if anything). */
export function connectionLost(err: unknown, url: string): CamwatchError {
  if (err instanceof CamwatchError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const why =
    typeof code === 'string' && NETWORK_TEXT[code] !== undefined
      ? NETWORK_TEXT[code]
      : err instanceof Error
        ? err.message
        : 'the broker closed the connection';
  return new CamwatchError('MQTT_UNREACHABLE', `connection to broker ${url} lost: ${why}`, {
    ...(err === undefined ? {} : { cause: err }),
    details: { url, reason: code ?? 'closed' },
  });
}

/** Stable key of a failure: the same key again is the same problem, logged once, not on every retry. */
export function failureKey(err: CamwatchError): string {
  return `${err.code}:${String(err.details.reason ?? err.message)}`;
}

/** MQTT 5 DISCONNECT reason codes a broker sends (§3.14.2.1), for the log line. */
export function disconnectReason(code: number): string {
  const known: Record<number, string> = {
    0: 'normal disconnection',
    137: 'server busy',
    139: 'server shutting down',
    141: 'keep alive timeout',
    142: 'session taken over (another client connected with the same mqtt.clientId)',
    151: 'quota exceeded',
    152: 'administrative action',
    156: 'use another server',
    157: 'server moved',
  };
  return `${known[code] ?? 'reason code'} (${code})`;
}
