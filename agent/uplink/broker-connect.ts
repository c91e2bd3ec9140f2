import { connect, type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import { type CamwatchError, redactUrl } from '../core/index.js';
import { connectFailure, shouldFallBackToV4 } from './broker-errors.js';

/**
 * One connection to a broker, MQTT 5 first and MQTT 3.1.1 when the broker refuses 5 (aedes and older
 * brokers answer "unacceptable protocol version"): shared by the uplink's session and the CLI tools
 * (`doctor`, `tail`). A refusal becomes the CamwatchError the agent would log (MQTT_AUTH / MQTT_TLS /
 * MQTT_UNREACHABLE, with a next step). Reconnection is the caller's: MQTT.js never reconnects here.
 */

/** MQTT 5 first: reason codes on CONNACK/PUBACK make failures explainable. 3.1.1 if the broker refuses 5. */
export const DEFAULT_MQTT_PROTOCOL_VERSION = 5;

export interface BrokerConnectOptions {
  /** Broker URL, credentials included or not (they are removed before any error text). */
  url: string;
  /** MQTT.js options for one attempt at this protocol version; protocolVersion and reconnectPeriod are set here. */
  clientOptions: (protocolVersion: 4 | 5) => IClientOptions;
  /** Version of the first attempt (DEFAULT_MQTT_PROTOCOL_VERSION); 4 tries 3.1.1 only. */
  firstVersion?: 4 | 5;
  /** Called with each new client before it connects: wrap its transport, add listeners. */
  prepare?: (client: MqttClient, protocolVersion: 4 | 5) => void;
  /** Called when the broker refused MQTT 5 and 3.1.1 is tried next. */
  onFallback?: () => void;
  /** Aborting ends the attempt under way; the promise then rejects. */
  signal?: AbortSignal;
}

/** A broker that accepted the connection. */
export interface BrokerConnection {
  client: MqttClient;
  protocolVersion: 4 | 5;
  connack: IConnackPacket;
}

/** Connects once (and once more over 3.1.1 if the broker refuses 5); rejects with a CamwatchError naming the next step. */
export async function connectWithFallback(options: BrokerConnectOptions): Promise<BrokerConnection> {
  const first = options.firstVersion ?? DEFAULT_MQTT_PROTOCOL_VERSION;
  if (first === 4) return attempt(options, 4);
  try {
    return await attempt(options, 5);
  } catch (err) {
    if (options.signal?.aborted === true || !shouldFallBackToV4(5, (err as { cause?: unknown }).cause)) throw err;
  }
  options.onFallback?.();
  return attempt(options, 4);
}

function attempt(options: BrokerConnectOptions, protocolVersion: 4 | 5): Promise<BrokerConnection> {
  if (options.signal?.aborted === true) return Promise.reject(connectFailure(new Error('connection attempt aborted'), redactUrl(options.url), protocolVersion));
  // writeCache false: otherwise mqtt-packet (shared with the embedded broker) fills a table of 65,536 two-byte
  // Buffers at the first packet written, 6.3 MB of JS heap held for the process's life, to save allocating
  // two bytes per packet id (measured in a heap snapshot of a running agent; docs/operations.md "Size a box").
  const client = connect(options.url, { ...options.clientOptions(protocolVersion), protocolVersion, reconnectPeriod: 0, manualConnect: true, writeCache: false });
  return new Promise((resolve, reject) => {
    let failure: unknown;
    const abort = (): void => {
      client.end(true);
    };
    const fail = (): void => {
      options.signal?.removeEventListener('abort', abort);
      client.removeAllListeners('connect');
      client.end(true);
      const error: CamwatchError = connectFailure(failure, redactUrl(options.url), protocolVersion);
      reject(error);
    };
    client.once('connect', (connack) => {
      options.signal?.removeEventListener('abort', abort);
      client.removeListener('close', fail);
      resolve({ client, protocolVersion, connack });
    });
    // Kept after the attempt: a late 'error' on a discarded client must not become an uncaught exception.
    client.on('error', (err) => {
      failure = err;
    });
    client.once('close', fail);
    options.prepare?.(client, protocolVersion);
    options.signal?.addEventListener('abort', abort, { once: true });
    client.connect();
  });
}
