import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, secretValues, type LoadedConfig } from '../../config/index.js';
import { isCamwatchError, redactSecrets } from '../../core/index.js';
import { configFileFor, DEFAULT_CONFIG_PATH, EXAMPLE_CONFIG_PATH } from '../defaults.js';
import { brokerCheck } from '../doctor/broker-check.js';
import { cameraCheck } from '../doctor/camera-check.js';
import { clockCheck } from '../doctor/clock-check.js';
import { ffmpegCheck } from '../doctor/ffmpeg-check.js';
import { modelChecks } from '../doctor/model-check.js';
import { privacyChecks } from '../doctor/privacy-check.js';
import { DEFAULT_DISK_FAIL_BYTES, DEFAULT_DISK_WARN_BYTES, databaseCheck, diskCheck, formatBytes } from '../doctor/store-check.js';
import { fail, pass, type CheckResult, type CheckStatus, type DoctorCheck } from '../doctor/types.js';
import { createProgress, type ProgressStream } from '../progress.js';
import { DEFAULT_PROBE_SECONDS } from '../stream-probe.js';
import type { CliCommand, CliIO } from '../types.js';
import { commandUsage } from '../usage.js';

/** Longest camera probe allowed by --probe-seconds (s): the doctor is run by a person waiting for it. */
const MAX_PROBE_SECONDS = 30;

const usage = `Usage: camwatch doctor [--config FILE] [--json] [--probe-seconds N]

Checks everything the agent needs on this box and prints one line per check, PASS, WARN or FAIL, with
what to do for each problem:

  config       the file loads, every secret it names is readable
  ffmpeg       present, version, H.264 and H.265 decoders
  model file   the configured model is in the manifest, present, sha256 as the manifest says
  model load   onnxruntime opens it and runs it once
  database     the store opens (read-only: safe while the agent runs), integrity, events waiting
  disk         free space in agent.dataDir (warn under ${formatBytes(DEFAULT_DISK_WARN_BYTES)}, fail under ${formatBytes(DEFAULT_DISK_FAIL_BYTES)})
  broker       connects to mqtt.url with the configured user and password (CONNACK); with the embedded broker, its login file
  clock        time sync (chrony or systemd-timesyncd)
  camera ID    each camera: reachable, credentials, codec, resolution, fps (decodes a few seconds)

Options:
  -c, --config FILE       config to check (default: ${DEFAULT_CONFIG_PATH}, else ${EXAMPLE_CONFIG_PATH})
      --probe-seconds N   seconds of video decoded per camera, 1..${MAX_PROBE_SECONDS} (default: ${DEFAULT_PROBE_SECONDS})
      --json              print the results as JSON: {ok, config, checks: [{name, status, detail, fix, code}]}
  -h, --help              this text

Exit codes: 0 nothing failed (warnings allowed), 1 a check failed, 2 usage error.`;

/** `camwatch doctor`: is this box ready to run the agent, and if not, what to fix. */
export const doctorCommand: CliCommand = {
  name: 'doctor',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        json: { type: 'boolean' },
        'probe-seconds': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
    const use = commandUsage('doctor', usage, io);
    if (values.help) return use.help();
    if (positionals.length > 0) return use.error(`unexpected "${positionals.join(' ')}" (give the config with --config)`);
    const probeSeconds = values['probe-seconds'] === undefined ? DEFAULT_PROBE_SECONDS : Number(values['probe-seconds']);
    if (!Number.isFinite(probeSeconds) || probeSeconds < 1 || probeSeconds > MAX_PROBE_SECONDS) {
      return use.error(`--probe-seconds "${values['probe-seconds']}" must be a number of seconds from 1 to ${MAX_PROBE_SECONDS}`);
    }
    const configPath = configFileFor(values.config, io.cwd);
    return doctor({ configPath, json: values.json === true, probeSeconds }, io);
  },
};

interface DoctorOptions {
  configPath: string;
  json: boolean;
  probeSeconds: number;
}

async function doctor(options: DoctorOptions, io: CliIO): Promise<number> {
  const { loaded, result: configResult } = await loadForDoctor(options.configPath, io);
  const checks: DoctorCheck[] = loaded === undefined
    ? []
    : [ffmpegCheck, ...modelChecks(), ...privacyChecks(loaded.config), databaseCheck, diskCheck, brokerCheck, clockCheck, ...loaded.config.cameras.map(cameraCheck)];
  const secrets = loaded === undefined ? [] : secretValues(loaded);
  const colour = !options.json && (io.stdout as { isTTY?: boolean }).isTTY === true && io.env.NO_COLOR === undefined;
  const width = Math.max(configResult.name.length, ...checks.map((c) => c.name.length));
  const print = (r: CheckResult): void => {
    if (!options.json) io.stdout.write(redactSecrets(formatCheck(r, width, colour), secrets));
  };

  if (!options.json) io.stdout.write(`camwatch doctor: ${loaded?.path ?? resolve(io.cwd, options.configPath)}\n`);
  print(configResult);
  const results: CheckResult[] = [configResult];
  const progress = createProgress(io.stderr as ProgressStream, { prefix: 'doctor: ' });
  for (const check of checks) {
    let r: CheckResult;
    try {
      r = await check.run({ loaded: loaded!, probeSeconds: options.probeSeconds, env: io.env, progress });
    } catch (err) {
      // A check that throws is a bug in the check, not a verdict on the box: report it and carry on.
      r = fail(check.name, `check crashed: ${(err as Error).message}`, 'Report this with the output of camwatch doctor.');
    } finally {
      progress.stop();
    }
    results.push(r);
    print(r);
  }

  const count = (s: CheckStatus): number => results.filter((r) => r.status === s).length;
  const ok = count('fail') === 0;
  if (options.json) {
    const report = { ok, config: loaded?.path ?? resolve(io.cwd, options.configPath), checks: results };
    io.stdout.write(`${redactSecrets(JSON.stringify(report, null, 2), secrets)}\n`);
  } else {
    const parts = [`${count('pass')} passed`, `${count('warn')} warning${count('warn') === 1 ? '' : 's'}`, `${count('fail')} failed`];
    if (count('skip') > 0) parts.push(`${count('skip')} skipped`);
    io.stdout.write(`\n${parts.join(', ')}.${ok ? '' : ' Fix the FAIL lines (→) and run camwatch doctor again.'}\n`);
  }
  return ok ? 0 : 1;
}

/**
 * Loads the config for the checks. An unreadable secret fails the config line but the config is loaded
 * without secrets so every other check still runs; any other config error stops the doctor there.
 */
async function loadForDoctor(path: string, io: CliIO): Promise<{ loaded?: LoadedConfig; result: CheckResult }> {
  const options = { cwd: io.cwd, env: io.env };
  try {
    const loaded = await loadConfig(path, options);
    const cameras = loaded.config.cameras.length;
    const rules = loaded.config.cameras.reduce((n, c) => n + c.rules.length, 0);
    return { loaded, result: pass('config', `${cameras} camera${cameras === 1 ? '' : 's'}, ${rules} rule${rules === 1 ? '' : 's'}, secrets readable`) };
  } catch (err) {
    if (!isCamwatchError(err)) throw err;
    const issues = Array.isArray(err.details.issues) ? (err.details.issues as Array<{ path: string; message: string; line?: number }>) : [];
    const detail = issues.length > 0 ? issues.map((i) => `${i.line === undefined ? '' : `line ${i.line} `}${i.path}: ${i.message}`).join('; ') : err.message;
    const result = fail('config', detail, err.code === 'SECRET_UNREADABLE' ? err.hint : `${err.hint} (camwatch config validate ${path} lists every error)`, err.code);
    if (err.code !== 'SECRET_UNREADABLE') return { result };
    return { loaded: await loadConfig(path, { ...options, resolveSecrets: false }), result };
  }
}

const LABEL: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };
const COLOUR: Record<CheckStatus, string> = { pass: '\u001b[32m', warn: '\u001b[33m', fail: '\u001b[31m', skip: '\u001b[2m' };

/** `  FAIL  broker      cannot reach …` then `              → what to do` (pure). */
export function formatCheck(r: CheckResult, nameWidth: number, colour = false): string {
  const label = colour ? `${COLOUR[r.status]}${LABEL[r.status]}\u001b[0m` : LABEL[r.status];
  const head = `  ${label}  ${r.name.padEnd(nameWidth)}  ${r.detail}\n`;
  if (r.fix === undefined || r.status === 'pass' || r.status === 'skip') return head;
  // The fix lines up under the detail: 2 + label (4) + 2 + name + 2.
  return `${head}${' '.repeat(2 + 4 + 2 + nameWidth + 2)}→ ${r.code === undefined ? '' : `${r.code}: `}${r.fix}\n`;
}
