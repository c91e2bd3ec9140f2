import { describeError, agentVersion } from '../core/index.js';
import { commands } from './registry.js';
import type { CliIO } from './types.js';
import { commandUsage, isParseArgsError } from './usage.js';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `camwatch: edge video-analytics agent\n\nUsage: camwatch <command> [options]   (camwatch <command> --help)\n\nCommands:\n${lines.join('\n')}\n`;
}

/** Runs one CLI invocation; returns the exit code (0 ok, 1 failure, 2 usage error). */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`${agentVersion()}\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.stderr.write(`camwatch: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  const command = await entry.load();
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (isParseArgsError(err)) return commandUsage(name, command.usage, io).error(err.message);
    io.stderr.write(`camwatch ${name}: ${describeError(err)}\n`);
    return 1;
  }
}
