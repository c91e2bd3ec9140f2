/** What a CLI command may touch: injected so tests run commands in-process or as a spawned binary alike. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** One `camwatch <name>` subcommand; `run` returns the process exit code. */
export interface CliCommand {
  name: string;
  /** Full `--help` text. */
  usage: string;
  run(argv: string[], io: CliIO): Promise<number>;
}
