import { parseArgs } from 'node:util';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { configFileFor } from './defaults.js';
import type { CliIO } from './types.js';
import { commandUsage } from './usage.js';

/** A parsed `camwatch <name> <subcommand> [--config FILE] [--json]` with its config loaded. */
export interface ConfigSubcommand {
  path: string;
  json: boolean;
  loaded: LoadedConfig;
}

/**
 * Parses `camwatch <name> <subcommand> [--config FILE] [--json]` (`console url`, `broker credentials`) and
 * loads the config without its secrets: these commands read the data directory and one section, never a
 * camera or broker password. Returns the exit code instead when it answered `--help` or a usage error.
 */
export async function readConfigSubcommand(argv: string[], io: CliIO, name: string, subcommand: string, usage: string): Promise<ConfigSubcommand | number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  const use = commandUsage(name, usage, io);
  if (values.help) return use.help();
  if (positionals.length !== 1 || positionals[0] !== subcommand) {
    return use.error(positionals.length === 0 ? `missing subcommand (${subcommand})` : `unexpected "${positionals.join(' ')}"`);
  }
  const path = configFileFor(values.config, io.cwd);
  const loaded = await loadConfig(path, { cwd: io.cwd, env: io.env, resolveSecrets: false });
  return { path, json: values.json === true, loaded };
}
