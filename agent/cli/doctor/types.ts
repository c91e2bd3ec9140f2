import type { LoadedConfig } from '../../config/index.js';
import { isCamwatchError } from '../../core/index.js';
import type { Progress } from '../progress.js';

/** How one doctor check came out; `skip` when it could not run because an earlier check failed or it does not apply. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** One line of the doctor's report. */
export interface CheckResult {
  /** Short name in the first column: `ffmpeg`, `broker`, `camera gate-01`. */
  name: string;
  status: CheckStatus;
  /** What was found, one line. */
  detail: string;
  /** On warn/fail: what to do next, one line. */
  fix?: string;
  /** CamwatchError code of the failure, when there is one (see docs/errors.md). */
  code?: string;
}

/** What every check may read: the loaded config (secrets resolved when they could be) and options. */
export interface DoctorContext {
  loaded: LoadedConfig;
  /** Seconds of video each camera probe decodes. */
  probeSeconds: number;
  env: NodeJS.ProcessEnv;
  progress: Progress;
}

/** A named check; `run` never throws for a problem it is meant to find (it returns a fail). */
export interface DoctorCheck {
  name: string;
  run(ctx: DoctorContext): Promise<CheckResult>;
}

export const pass = (name: string, detail: string): CheckResult => ({ name, status: 'pass', detail });
export const skip = (name: string, detail: string): CheckResult => ({ name, status: 'skip', detail });
export const warn = (name: string, detail: string, fix: string): CheckResult => ({ name, status: 'warn', detail, fix });
export const fail = (name: string, detail: string, fix: string, code?: string): CheckResult => ({
  name,
  status: 'fail',
  detail,
  fix,
  ...(code === undefined ? {} : { code }),
});

/** A fail line from a thrown error: a CamwatchError brings its code and its hint as the fix. */
export function failFrom(name: string, err: unknown, fallbackFix: string): CheckResult {
  if (isCamwatchError(err)) return fail(name, firstLine(err.message), err.hint, err.code);
  return fail(name, firstLine(err instanceof Error ? err.message : String(err)), fallbackFix);
}

/** Config errors span several lines; the report has one line per check. */
function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
