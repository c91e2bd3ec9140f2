import { accessSync, constants as fsConstants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CamwatchError } from '../core/index.js';
import type { FfmpegVersion } from './ffmpeg-args.js';
import { FfmpegProcess, type FfmpegExit } from './ffmpeg-process.js';

/**
 * Finding the ffmpeg binary and the one-shot ffmpeg runs (`-version`, `-decoders`, the eval harness's
 * renders): short processes through the same owner (ffmpeg-process.ts) as the camera decoders.
 */

const DEFAULT_FFMPEG = 'ffmpeg';
/** A `-version` / `-decoders` query answers in well under a second; 10 s means a wedged binary. */
const QUERY_TIMEOUT_MS = 10_000;
/** Last stderr characters kept from a one-shot render, for its error message. */
const RENDER_STDERR_CHARS = 2_000;
/** A render reads files and ends; 10 min covers the longest eval clip on a 2-core box. */
const RENDER_TIMEOUT_MS = 600_000;

/**
 * The ffmpeg binary to use: `ffmpegPath`, else $FFMPEG_PATH, else `ffmpeg` on $PATH. Throws
 * FFMPEG_MISSING when it is not an executable file. Synchronous so a FrameSource fails at creation.
 */
export function resolveFfmpegPath(ffmpegPath?: string): string {
  const wanted = ffmpegPath ?? process.env.FFMPEG_PATH ?? DEFAULT_FFMPEG;
  const candidates = wanted.includes('/')
    ? [wanted]
    : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, wanted));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // try the next PATH entry
    }
  }
  throw new CamwatchError('FFMPEG_MISSING', `ffmpeg not found: ${wanted}`, { details: { ffmpegPath: wanted } });
}

/** What a one-shot run printed and how it ended. */
export interface FfmpegCapture {
  exit: FfmpegExit;
  stdout: string;
}

/** Runs ffmpeg with `args` to its end (or `timeoutMs`), collecting stdout; never rejects. */
export async function captureFfmpeg(ffmpegPath: string, args: readonly string[], options: { timeoutMs: number; stderrTailLines?: number }): Promise<FfmpegCapture> {
  const chunks: Buffer[] = [];
  const proc = new FfmpegProcess({
    ffmpegPath,
    args,
    timeoutMs: options.timeoutMs,
    ...(options.stderrTailLines !== undefined && { stderrTailLines: options.stderrTailLines }),
    onStdout: (chunk) => {
      chunks.push(chunk);
      return undefined;
    },
  });
  proc.start();
  const exit = await proc.done;
  return { exit, stdout: Buffer.concat(chunks).toString('utf8') };
}

/** Why a one-shot run failed, in a few words; undefined when it exited 0. */
export function captureFailure({ exit }: FfmpegCapture): string | undefined {
  if (exit.spawnError) return exit.spawnError.message;
  if (exit.timedOut) return 'timed out';
  if (exit.signal) return `killed by ${exit.signal}`;
  return exit.code === 0 ? undefined : `exit code ${exit.code ?? '?'}`;
}

const versionCache = new Map<string, Promise<FfmpegVersion>>();

/** `ffmpeg -version`, once per binary. Rejects with FFMPEG_MISSING when it cannot be run. */
export function probeFfmpeg(ffmpegPath: string): Promise<FfmpegVersion> {
  let pending = versionCache.get(ffmpegPath);
  if (!pending) {
    pending = captureFfmpeg(ffmpegPath, ['-hide_banner', '-version'], { timeoutMs: QUERY_TIMEOUT_MS }).then((run) => {
      const failure = captureFailure(run);
      if (failure === undefined) return parseFfmpegVersion(run.stdout);
      versionCache.delete(ffmpegPath);
      throw new CamwatchError('FFMPEG_MISSING', `cannot run ${ffmpegPath} -version: ${failure}`);
    });
    versionCache.set(ffmpegPath, pending);
  }
  return pending;
}

/** `ffmpeg -decoders` as text (for doctor). Rejects with a short reason when it cannot be run. */
export async function listFfmpegDecoders(ffmpegPath: string): Promise<string> {
  const run = await captureFfmpeg(ffmpegPath, ['-hide_banner', '-decoders'], { timeoutMs: QUERY_TIMEOUT_MS });
  const failure = captureFailure(run);
  if (failure !== undefined) throw new Error(failure);
  return run.stdout;
}

/**
 * One-shot ffmpeg run that writes a file (the eval harness renders derived clips with it): `args` after
 * the binary, as ffmpeg takes them. Resolves when ffmpeg exits 0; rejects with the end of its stderr
 * otherwise. Not supervised: it reads files and ends.
 */
export async function runFfmpeg(ffmpegPath: string, args: readonly string[], options: { timeoutMs?: number } = {}): Promise<void> {
  const run = await captureFfmpeg(ffmpegPath, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], {
    timeoutMs: options.timeoutMs ?? RENDER_TIMEOUT_MS,
  });
  const failure = captureFailure(run);
  if (failure === undefined) return;
  const tail = run.exit.stderrTail.join('\n').trim().slice(-RENDER_STDERR_CHARS);
  throw new Error(`ffmpeg failed (${failure})${tail ? `: ${tail}` : ''}`);
}

/**
 * `ffmpeg version 5.1.9-0+deb12u1 ...` → 5.1; `n6.0` → 6.0. Git builds (`N-112345-g…`) and unknown
 * words count as new (99.0): recent option names are the safer guess for a self-built ffmpeg.
 */
export function parseFfmpegVersion(text: string): FfmpegVersion {
  const word = /ffmpeg version (\S+)/.exec(text)?.[1] ?? 'unknown';
  const m = /^n?(\d+)\.(\d+)/.exec(word);
  if (!m) return { major: 99, minor: 0, raw: word };
  return { major: Number(m[1]), minor: Number(m[2]), raw: word };
}
