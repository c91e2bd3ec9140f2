import { randomBytes } from 'node:crypto';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { type CamwatchError, redactUrl } from '../core/index.js';
import { connectFailure, shouldFallBackToV4 } from '../uplink/index.js';

/**
 * One broker connection for a CLI tool (`doctor`, `tail`): the agent's credentials, MQTT 5 first and
 * 3.1.1 when the broker refuses 5 (as the uplink does), and a refusal turned into the same CamwatchError
 * the agent would log. The client id is the tool's own and random: reusing the agent's would make the
 * broker disconnect the running agent (MQTT allows one session per client id).
 */

/** No CONNACK within this time fails the attempt (ms). */
export const DEFAULT_CLI_CONNECT_TIMEOUT_MS = 5_000;

export interface CliBrokerOptions {
  url: string;
  username?: string;
  password?: string;
  /** Client id prefix; 8 random hex digits are appended (23 characters at most, the MQTT 3.1.1 minimum brokers must accept). */
  clientIdPrefix: string;
  timeoutMs?: number;
  /** Extra MQTT.js options (keepalive…); reconnection stays off. */
  clientOptions?: Partial<IClientOptions>;
}

export interface CliBrokerConnection {
  client: MqttClient;
  protocolVersion: 4 | 5;
  /** Time from the first attempt to the CONNACK (ms). */
  connectMs: number;
}

/** Connects once; rejects with MQTT_AUTH / MQTT_TLS / MQTT_UNREACHABLE and a next step. */
export async function connectBroker(options: CliBrokerOptions): Promise<CliBrokerConnection> {
  const started = Date.now();
  try {
    const client = await attempt(options, 5);
    return { client, protocolVersion: 5, connectMs: Date.now() - started };
  } catch (err) {
    if (!shouldFallBackToV4(5, (err as { cause?: unknown }).cause)) throw err;
  }
  const client = await attempt(options, 4);
  return { client, protocolVersion: 4, connectMs: Date.now() - started };
}

function attempt(options: CliBrokerOptions, protocolVersion: 4 | 5): Promise<MqttClient> {
  const clientId = `${options.clientIdPrefix}${randomBytes(4).toString('hex')}`.slice(0, 23);
  const client = connect(options.url, {
    clientId,
    clean: true,
    connectTimeout: options.timeoutMs ?? DEFAULT_CLI_CONNECT_TIMEOUT_MS,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...options.clientOptions,
    protocolVersion,
    reconnectPeriod: 0,
  });
  return new Promise((resolve, reject) => {
    let failure: unknown;
    const fail = (): void => {
      client.removeAllListeners('connect');
      client.end(true);
      const error: CamwatchError = connectFailure(failure, redactUrl(options.url), protocolVersion);
      reject(error);
    };
    client.once('connect', () => {
      client.removeListener('close', fail);
      resolve(client);
    });
    client.on('error', (err) => {
      failure = err;
    });
    client.once('close', fail);
  });
}
