import type { AddressInfo } from 'node:net';
import { isLoopbackHost, resolveConfigPath, type LoadedConfig } from '../config/index.js';
import { CamwatchError, type Logger } from '../core/index.js';
import { STORE_FILE } from '../store/index.js';
import type { ConsolePort } from './port.js';
import { createConsoleApp } from './server.js';
import { consoleTokenPath, loadOrCreateConsoleToken } from './token.js';
import { join } from 'node:path';

/** A listening console. */
export interface RunningConsole {
  url: string;
  /** Ends live streams, then stops listening. */
  close(): Promise<void>;
}

/**
 * Starts the console on console.host:console.port with the token from console.tokenFile (or one generated
 * in agent.dataDir). Throws CONSOLE_PORT_IN_USE / CONSOLE_TOKEN_UNREADABLE; the agent logs them and runs on.
 */
export async function startConsoleServer(loaded: LoadedConfig, port: ConsolePort, logger: Logger, options: { uiDir?: string } = {}): Promise<RunningConsole> {
  const settings = loaded.config.console;
  const log = logger.child({ component: 'console' });
  const tokenFile = consoleTokenPath(loaded);
  const { token, created } = loadOrCreateConsoleToken(tokenFile, { create: settings.tokenFile === undefined });
  if (created) log.info({ file: tokenFile }, 'console token generated (mode 0600); `camwatch console url` prints the link with it');
  const { app } = createConsoleApp({
    port,
    settings,
    token,
    storePath: join(resolveConfigPath(loaded, loaded.config.agent.dataDir), STORE_FILE),
    logger,
    ...(options.uiDir === undefined ? {} : { uiDir: options.uiDir }),
  });
  try {
    await app.listen({ host: settings.host, port: settings.port });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is in use' : code === 'EADDRNOTAVAIL' ? 'the address is not on this box' : `listen failed (${code ?? 'error'})`;
    throw new CamwatchError('CONSOLE_PORT_IN_USE', `console cannot listen on ${settings.host}:${settings.port}: ${why}; set console.port (or console.host) in ${loaded.path}`, {
      cause: err,
      details: { host: settings.host, port: settings.port },
    });
  }
  const address = app.server.address() as AddressInfo;
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}/`;
  if (isLoopbackHost(settings.host)) log.info({ url }, `console listening on loopback; from a laptop: ssh -L ${address.port}:127.0.0.1:${address.port} <box>, then \`camwatch console url\``);
  else log.warn({ url }, `console listening on ${settings.host}: reachable from the network; every request needs the token (console.tokenFile)`);
  return {
    url,
    close: () => app.close(),
  };
}
