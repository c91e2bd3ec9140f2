/** Where usage text goes: the command's streams, or a redacting wrapper around them (camera add). */
interface UsageOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** What every command answers to `--help` (exit 0) and to a bad invocation (exit 2, the usage after the reason). */
export interface CommandUsage {
  help(): number;
  error(message: string): number;
}

/** `name` as typed after `camwatch` (e.g. `camera add`), `usage` its help text. */
export function commandUsage(name: string, usage: string, io: UsageOutput): CommandUsage {
  return {
    help() {
      io.stdout.write(`${usage}\n`);
      return 0;
    },
    error(message) {
      io.stderr.write(`camwatch ${name}: ${message}\n\n${usage}\n`);
      return 2;
    },
  };
}

/** parseArgs throws TypeErrors with an ERR_PARSE_ARGS_* code for unknown or malformed options: a usage error, not a failure. */
export function isParseArgsError(err: unknown): err is TypeError {
  return err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS');
}
