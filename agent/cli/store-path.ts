import { join } from 'node:path';
import { loadConfig, resolveConfigPath } from '../config/index.js';
import { describeError, isCamwatchError } from '../core/index.js';
import { STORE_FILE } from '../store/index.js';
import { configFileFor } from './defaults.js';
import type { CliIO } from './types.js';

/** The config a store command reads: --config, else config/camwatch.yaml when it exists, else the example. */
export function storeConfigFile(configFile: string | undefined, io: CliIO): string {
  return configFileFor(configFile, io.cwd);
}

/**
 * Resolves the store file (agent.dataDir/camwatch.db) from the config, then runs `body` with it and the
 * config's absolute path; config and store errors (CamwatchError) are printed as `camwatch <command>: …` and exit 1.
 */
export async function withStorePath(
  command: string,
  configFile: string | undefined,
  io: CliIO,
  body: (path: string, configPath: string) => Promise<number> | number,
): Promise<number> {
  try {
    // The store path needs no passwords: secrets are not read (works with the agent's file on any machine).
    const loaded = await loadConfig(storeConfigFile(configFile, io), { cwd: io.cwd, env: io.env, resolveSecrets: false });
    return await body(join(resolveConfigPath(loaded, loaded.config.agent.dataDir), STORE_FILE), loaded.path);
  } catch (err) {
    if (!isCamwatchError(err)) throw err;
    io.stderr.write(`camwatch ${command}: ${describeError(err)}\n`);
    return 1;
  }
}
