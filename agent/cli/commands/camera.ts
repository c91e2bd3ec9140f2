import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_ONVIF_TIMEOUT_MS, DEFAULT_MIN_ANALYSIS_WIDTH_PX } from '../../cameras/index.js';
import { onboardCamera, resolveCameraId, type OnboardResult, type PasswordRef } from '../onboard/camera-entry.js';
import { appendCameraToConfig, existingCameraIds, readConfigText, writeSecretFile } from '../onboard/config-append.js';
import { CamwatchError, describeError, redactSecrets, DEFAULT_SECRET_MAX_BYTES, FileReadError, readTextCappedAsync } from '../../core/index.js';
import { DEFAULT_CONFIG_PATH } from '../defaults.js';
import type { CliCommand, CliIO } from '../types.js';
import { parseDurationMs } from './discover.js';
import { cameraTest, cameraTestUsage } from './camera-test.js';
import { commandUsage, isParseArgsError } from '../usage.js';

const usage = `Usage: camwatch camera add <address> [options]

Asks the camera over ONVIF for its streams, picks the analysis sub-stream (the smallest at least
--min-width wide, H.264 preferred) and the main stream (for evidence), shows them, and appends a
camera entry to the config. The password is never written into the config or printed: the entry names
a file or an environment variable. Typed at the prompt, it is saved to <config dir>/secrets/<id>.password
(mode 0600).

<address> is an IP, host:port, or the device service URL that \`camwatch discover\` prints.

Options:
  -u, --user USER            ONVIF user (often admin; some cameras need a separate ONVIF user)
      --password-file FILE   read the password from FILE (the entry will reference it)
      --password-env VAR     read the password from environment variable VAR (the entry will reference it)
                             (neither: prompted for on a terminal, saved under secrets/)
      --id ID                camera id (default: from --name, else from the address)
      --name NAME            human-readable name (default: manufacturer and model)
      --min-width PX         smallest acceptable analysis stream width (default: ${DEFAULT_MIN_ANALYSIS_WIDTH_PX})
      --timeout DURATION     per ONVIF request (default: ${DEFAULT_ONVIF_TIMEOUT_MS / 1000}s)
  -c, --config FILE          config to append to (default: ${DEFAULT_CONFIG_PATH}; created if missing)
  -y, --yes                  do not ask for confirmation (required without a terminal)
  -h, --help                 this text`;

/** A terminal-capable input: the CLI contract has none, so it is an optional extra (tests pass a fake TTY). */
export interface PromptInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
}

/** CliIO plus the input to prompt on; `process.stdin` when absent. */
export type CameraCliIO = CliIO & { stdin?: PromptInput };

/** `camwatch camera add`: onboard an ONVIF camera into the config. */
export const cameraCommand: CliCommand = {
  name: 'camera',
  usage,
  async run(argv, io: CameraCliIO) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      // Both subcommands: a technician typing `camwatch camera --help` is looking for either.
      (sub === undefined ? io.stderr : io.stdout).write(`${usage}\n\n${cameraTestUsage}\n`);
      return sub === undefined ? 2 : 0;
    }
    if (sub === 'test') return runCameraTest(rest, io);
    if (sub !== 'add') {
      io.stderr.write(`camwatch camera: unknown subcommand "${sub}" (available: add, test)\n\n${usage}\n\n${cameraTestUsage}\n`);
      return 2;
    }
    const secrets: string[] = [];
    // Defence in depth: whatever we print passes through the redactor with the password we hold.
    const out = (text: string): void => void io.stdout.write(redactSecrets(text, secrets));
    const err = (text: string): void => void io.stderr.write(redactSecrets(text, secrets));
    try {
      return await add(rest, io, secrets, out, err);
    } catch (e) {
      if (isParseArgsError(e)) return commandUsage('camera add', usage, { stdout: { write: out }, stderr: { write: err } }).error(e.message);
      err(`camwatch camera add: ${describeError(e)}\n`);
      return 1;
    }
  },
};

async function runCameraTest(argv: string[], io: CliIO): Promise<number> {
  try {
    return await cameraTest(argv, io);
  } catch (e) {
    if (isParseArgsError(e)) return commandUsage('camera test', cameraTestUsage, io).error(e.message);
    io.stderr.write(`camwatch camera test: ${describeError(e)}\n`);
    return 1;
  }
}

async function add(argv: string[], io: CameraCliIO, secrets: string[], out: (t: string) => void, err: (t: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      user: { type: 'string', short: 'u' },
      'password-file': { type: 'string' },
      'password-env': { type: 'string' },
      id: { type: 'string' },
      name: { type: 'string' },
      'min-width': { type: 'string' },
      timeout: { type: 'string' },
      config: { type: 'string', short: 'c' },
      yes: { type: 'boolean', short: 'y' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  const use = commandUsage('camera add', usage, { stdout: { write: out }, stderr: { write: err } });
  if (values.help) return use.help();
  const address = positionals[0];
  if (address === undefined || positionals.length > 1) return use.error('give exactly one camera address');
  if (values['password-file'] !== undefined && values['password-env'] !== undefined) {
    return use.error('give --password-file or --password-env, not both');
  }
  if ((values['password-file'] !== undefined || values['password-env'] !== undefined) && values.user === undefined) {
    return use.error('a password needs a user: add --user');
  }
  const minWidthPx = values['min-width'] === undefined ? undefined : Number(values['min-width']);
  if (minWidthPx !== undefined && (!Number.isInteger(minWidthPx) || minWidthPx < 1 || minWidthPx > 8192)) {
    return use.error(`--min-width "${values['min-width']}" is not a width in pixels`);
  }
  const timeoutMs = values.timeout === undefined ? undefined : parseDurationMs(values.timeout);

  const configFile = resolve(io.cwd, values.config ?? DEFAULT_CONFIG_PATH);
  const configDir = dirname(configFile);
  const existingIds = existingCameraIds(configFile, await readConfigText(configFile));
  const id = resolveCameraId({ address, existingIds, ...optional('id', values.id), ...optional('name', values.name) });
  const input = io.stdin ?? (process.stdin as PromptInput);
  const lines = new LineReader(input);

  // Credentials: where the agent will read the password later, and the password to connect now.
  let password: string | undefined;
  let passwordRef: PasswordRef | undefined;
  let typedPassword = false;
  if (values['password-file'] !== undefined) {
    const file = resolve(io.cwd, values['password-file']);
    password = await readSecret(file);
    // The loader resolves passwordFile against the config's directory.
    passwordRef = { passwordFile: relativeToConfig(configDir, file) };
  } else if (values['password-env'] !== undefined) {
    const variable = values['password-env'];
    password = io.env[variable];
    if (password === undefined || password === '') {
      throw new CamwatchError('SECRET_UNREADABLE', `environment variable ${variable} is not set or empty`);
    }
    passwordRef = { passwordEnv: variable };
  } else if (values.user !== undefined) {
    if (!input.isTTY) {
      return use.error('no terminal to ask for the password: give --password-file or --password-env');
    }
    err(`Password for ${values.user} at ${address}: `);
    password = await lines.next({ hidden: true });
    err('\n');
    if (password === '') return use.error('empty password');
    typedPassword = true;
    passwordRef = { passwordFile: join('secrets', `${id}.password`) };
  }
  if (password !== undefined) secrets.push(password);

  err(`Connecting to ${address} over ONVIF…\n`);
  const result = await onboardCamera({
    address,
    id,
    existingIds,
    ...optional('username', values.user),
    ...optional('password', password),
    ...optional('passwordRef', passwordRef),
    ...optional('name', values.name),
    ...optional('minWidthPx', minWidthPx),
    ...optional('timeoutMs', timeoutMs),
  });
  out(describeOnboarding(result));

  if (!values.yes) {
    if (!input.isTTY) return use.error('not a terminal: re-run with --yes to append the camera');
    err(`Append camera "${id}" to ${configFile}? [y/N] `);
    const answer = (await lines.next({ hidden: false })).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') {
      err('Nothing written.\n');
      return 1;
    }
  }
  if (typedPassword && password !== undefined) {
    const secretPath = await writeSecretFile(join(configDir, 'secrets'), `${id}.password`, password);
    err(`Password saved to ${secretPath} (mode 0600).\n`);
  }
  const { created } = await appendCameraToConfig(configFile, result.entry);
  out(`${created ? 'Created' : 'Updated'} ${configFile}: camera "${id}" added.\n`);
  return 0;
}

/** The summary a technician checks before saying yes. */
export function describeOnboarding(result: OnboardResult): string {
  const { report, choice, entry } = result;
  const lines = [
    `Device:   ${report.info.manufacturer} ${report.info.model} (firmware ${report.info.firmwareVersion || '?'}, serial ${report.info.serialNumber || '?'})`,
    `ONVIF:    ${report.xaddr} (auth: ${report.authMode}${report.capabilities.media2 ? ', Media2' : ''})`,
    `Clock:    camera ${formatSkew(report.clockSkewMs)}`,
    'Profiles:',
    ...report.profiles.map((p) => {
      const marks = [p === choice.analysis ? 'analysis' : '', p === choice.main ? 'main' : ''].filter(Boolean).join('+');
      const video = p.width === undefined ? (p.encoding ?? 'no video') : `${p.encoding ?? '?'} ${p.width}x${p.height ?? '?'} ${p.fps ?? '?'} fps ${p.bitrateKbps ?? '?'} kbit/s`;
      return `  ${marks.padEnd(13)} ${marks === '' ? ' ' : '→'} ${p.token} (${p.name}): ${video}${p.streamUri ? '' : ' [no stream URI]'}`;
    }),
    `Analysis: ${choice.analysis.streamUri}`,
    `Evidence: ${choice.main.streamUri}`,
    `Entry:    id ${entry.id}${'passwordFile' in entry.source && entry.source.passwordFile ? `, password from file ${entry.source.passwordFile}` : ''}${'passwordEnv' in entry.source && entry.source.passwordEnv ? `, password from $${entry.source.passwordEnv}` : ''}`,
    ...result.warnings.map((w) => `Warning:  ${w}`),
  ];
  return `${lines.join('\n')}\n`;
}

function formatSkew(ms: number): string {
  const s = Math.round(ms / 1000);
  return s === 0 ? 'in sync (within 1 s)' : `${Math.abs(s)} s ${s > 0 ? 'ahead' : 'behind'}`;
}

async function readSecret(file: string): Promise<string> {
  let text: string;
  try {
    text = await readTextCappedAsync(file, { maxBytes: DEFAULT_SECRET_MAX_BYTES });
  } catch (e) {
    throw new CamwatchError('SECRET_UNREADABLE', `cannot read password file ${file}: ${e instanceof FileReadError ? e.reason : (e as Error).message}`, { cause: e });
  }
  // Same rule as the config loader: editors add a trailing newline.
  const value = text.trim();
  if (value === '') throw new CamwatchError('SECRET_UNREADABLE', `password file ${file} is empty`);
  return value;
}

function relativeToConfig(configDir: string, file: string): string {
  const rel = relative(configDir, file);
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * Reads one line at a time from a terminal, keeping what follows a newline for the next question.
 * Hidden lines switch a real TTY to raw mode so the password is not echoed.
 */
class LineReader {
  private buffered = '';

  constructor(private readonly input: PromptInput) {}

  next(options: { hidden: boolean }): Promise<string> {
    const raw = options.hidden && typeof this.input.setRawMode === 'function';
    return new Promise<string>((resolvePromise, reject) => {
      let line = '';
      const finish = (error?: Error): void => {
        this.input.off('data', onData);
        this.input.off('end', onEnd);
        if (raw) this.input.setRawMode?.(false);
        this.input.pause();
        if (error) reject(error);
        else resolvePromise(line);
      };
      const consume = (text: string): boolean => {
        const chars = [...text];
        for (let i = 0; i < chars.length; i++) {
          const ch = chars[i] as string;
          if (ch === '\r' || ch === '\n') {
            // "\r\n" from a terminal is one line end.
            const skip = ch === '\r' && chars[i + 1] === '\n' ? 2 : 1;
            this.buffered = chars.slice(i + skip).join('');
            return true;
          }
          if (ch === '\u0003') throw new CamwatchError('SECRET_UNREADABLE', 'cancelled at the prompt');
          if (ch === '\u007f' || ch === '\b') line = [...line].slice(0, -1).join('');
          else line += ch;
        }
        return false;
      };
      const onData = (chunk: Buffer | string): void => {
        try {
          if (consume(chunk.toString())) finish();
        } catch (e) {
          finish(e as Error);
        }
      };
      const onEnd = (): void => finish(new CamwatchError('SECRET_UNREADABLE', 'input ended before a line was entered'));
      const pending = this.buffered;
      this.buffered = '';
      try {
        if (consume(pending)) {
          resolvePromise(line);
          return;
        }
      } catch (e) {
        reject(e as Error);
        return;
      }
      if (raw) this.input.setRawMode?.(true);
      this.input.on('data', onData);
      this.input.on('end', onEnd);
      this.input.resume();
    });
  }
}
