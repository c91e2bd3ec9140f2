import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from '../ops/logger.js';

export interface EmbeddedBrokerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
}

export interface EmbeddedBroker {
  /** mqtt://host:port for local clients (a wildcard listen address becomes 127.0.0.1). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A small in-process MQTT 3.1.1 broker (aedes, memory persistence) for boxes with no broker configured,
 * so `mosquitto_sub -h <box> -t 'camwatch/#'` can watch incidents. Not a substitute for the city broker:
 * nothing it holds survives a restart (the outbox does).
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const log = options.logger.child({ component: 'embedded-broker' });
  const aedes = await Aedes.createBroker();
  aedes.on('client', (client) => log.debug({ clientId: client.id }, 'client connected'));
  aedes.on('clientDisconnect', (client) => log.debug({ clientId: client.id }, 'client disconnected'));
  aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err }, 'client error'));
  aedes.on('connectionError', (_client, err) => log.debug({ err }, 'connection error'));

  const server = createServer(aedes.handle);
  try {
    await listen(server, options.host, options.port);
  } catch (err) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const host = options.host === '0.0.0.0' || options.host === '::' || options.host === '' ? '127.0.0.1' : options.host;
  const url = `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ host: options.host, port }, 'embedded MQTT broker listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= (async () => {
        // aedes first: it disconnects its clients, which lets server.close() finish.
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        await new Promise<void>((resolve) => server.close(() => resolve()));
        log.info({ port }, 'embedded MQTT broker closed');
      })();
      return closing;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
