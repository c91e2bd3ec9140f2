import mqtt, { type MqttClient } from 'mqtt';

export interface Received {
  topic: string;
  payload: Buffer;
  retain: boolean;
  /** MQTT 5 correlation data of a response (the `protocolVersion: 5` collector), as text. */
  correlation?: string;
}

/**
 * A subscriber standing in for the IOC. With `persistentSession` its subscription and queued QoS 1
 * messages survive a broker restart (mosquitto persistence), as an IOC's consumer would configure it.
 */
export interface Collector {
  readonly client: MqttClient;
  readonly messages: Received[];
  waitFor(predicate: (all: Received[]) => boolean, timeoutMs: number, what: string): Promise<void>;
  close(): Promise<void>;
}

/** `protocolVersion: 5` to read command responses (response topic and correlation data are MQTT 5 properties). */
export async function collect(url: string, filter: string | string[], options: { clientId?: string; persistentSession?: boolean; protocolVersion?: 4 | 5 } = {}): Promise<Collector> {
  const client = mqtt.connect(url, {
    clientId: options.clientId ?? `ioc-test-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    clean: !options.persistentSession,
    protocolVersion: options.protocolVersion ?? 4,
    reconnectPeriod: 200,
  });
  const messages: Received[] = [];
  const waiters = new Set<() => void>();
  client.on('message', (topic, payload, packet) => {
    const correlation = packet.properties?.correlationData?.toString();
    messages.push({ topic, payload, retain: packet.retain, ...(correlation !== undefined && { correlation }) });
    for (const w of waiters) w();
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    client,
    messages,
    waitFor(predicate, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(messages)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${messages.length} messages so far)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => client.endAsync(true).then(() => undefined),
  };
}
