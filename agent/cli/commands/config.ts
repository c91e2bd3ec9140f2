import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, configJsonSchemaText } from '../../config/index.js';
import { describeError, isCamwatchError } from '../../core/index.js';
import { DEFAULT_CONFIG_PATH, EXAMPLE_CONFIG_PATH } from '../defaults.js';
import type { CliCommand, CliIO } from '../types.js';
import { commandUsage } from '../usage.js';

const usage = `Usage: camwatch config validate [FILE] [--json] [--no-secrets]
       camwatch config schema

validate   Checks a config file without starting anything and lists every error with file:line:col.
           FILE defaults to ${DEFAULT_CONFIG_PATH}, else ${EXAMPLE_CONFIG_PATH}.
           Prints "OK: N cameras, M rules" and exits 0, or prints the errors and exits 1.
schema     Prints the config's JSON Schema (for editors: yaml-language-server, VS Code YAML).

Options:
  --json         validate: print the result as JSON on stdout (errors as a list of {path, message, line, col})
  --no-secrets   validate: do not read passwordFile / passwordEnv (checking a box's file on another machine)
  -h, --help     this text

Exit codes: 0 valid, 1 invalid, 2 usage error.`;

/** `camwatch config …`: validate a config file or print its JSON Schema. */
export const configCommand: CliCommand = {
  name: 'config',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, 'no-secrets': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    const [sub, ...rest] = positionals;
    const use = commandUsage('config', usage, io);
    if (values.help) return use.help();
    if (sub === 'schema' && rest.length === 0) {
      io.stdout.write(configJsonSchemaText());
      return 0;
    }
    if (sub === 'validate' && rest.length <= 1) {
      return validate(rest[0], { json: values.json === true, secrets: values['no-secrets'] !== true }, io);
    }
    return use.error(sub === undefined ? 'missing subcommand' : `unexpected "${positionals.join(' ')}"`);
  },
};

/** The file a technician means when they name none: their own config, else the shipped example. */
function defaultConfigFile(cwd: string): string {
  return existsSync(resolve(cwd, DEFAULT_CONFIG_PATH)) ? DEFAULT_CONFIG_PATH : EXAMPLE_CONFIG_PATH;
}

async function validate(file: string | undefined, options: { json: boolean; secrets: boolean }, io: CliIO): Promise<number> {
  const path = file ?? defaultConfigFile(io.cwd);
  try {
    const loaded = await loadConfig(path, { cwd: io.cwd, env: io.env, resolveSecrets: options.secrets });
    const cameras = loaded.config.cameras.length;
    const rules = loaded.config.cameras.reduce((n, c) => n + c.rules.length, 0);
    if (options.json) {
      io.stdout.write(`${JSON.stringify({ ok: true, file: path, cameras, rules, secretsChecked: options.secrets })}\n`);
    } else {
      io.stdout.write(`OK: ${cameras} cameras, ${rules} rules (${path}${options.secrets ? '' : '; secrets not checked'})\n`);
    }
    return 0;
  } catch (err) {
    if (!isCamwatchError(err)) throw err;
    if (options.json) {
      const issues = Array.isArray(err.details.issues) ? err.details.issues : [];
      io.stdout.write(`${JSON.stringify({ ok: false, file: path, code: err.code, message: err.message, hint: err.hint, issues })}\n`);
    } else {
      io.stderr.write(`${describeError(err)}\n`);
    }
    return 1;
  }
}
