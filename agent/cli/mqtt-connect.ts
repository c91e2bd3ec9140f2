import { randomBytes } from 'node:crypto';
import type { IClientOptions, MqttClient } from 'mqtt';
import { connectWithFallback } from '../uplink/index.js';

/**
 * One broker connection for a CLI tool (`doctor`, `tail`): the agent's credentials and the uplink's own
 * connect-with-fallback (MQTT 5 first, 3.1.1 when the broker refuses 5, a refusal turned into the same
 * CamwatchError the agent would log). The client id is the tool's own and random: reusing the agent's
 * would make the broker disconnect the running agent (MQTT allows one session per client id).
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
  const { client, protocolVersion } = await connectWithFallback({
    url: options.url,
    clientOptions: () => ({
      // A fresh id per attempt.
      clientId: `${options.clientIdPrefix}${randomBytes(4).toString('hex')}`.slice(0, 23),
      clean: true,
      connectTimeout: options.timeoutMs ?? DEFAULT_CLI_CONNECT_TIMEOUT_MS,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...options.clientOptions,
    }),
  });
  return { client, protocolVersion, connectMs: Date.now() - started };
}
