import { runCommand } from './commands/run.js';
import type { CliCommand } from './types.js';

/** Every `camwatch` subcommand, in the order `--help` lists them. */
export const commands: CliCommand[] = [runCommand];
