import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { formatReportMarkdown, formatReportText, replaceBetweenMarkers, type LoadedClip, runEval, type EvalProgress, DEFAULT_EVAL_CONFIG } from '../../eval/index.js';
import { createLogger, describeError } from '../../core/index.js';
import type { CliCommand, CliIO } from '../types.js';
import { commandUsage } from '../usage.js';

/** A progress line per this many frames when stderr is not a terminal (a log file stays short). */
export const PLAIN_PROGRESS_EVERY_FRAMES = 250;

const usage = `Usage: camwatch eval CLIP.yaml... [options]

Runs labelled clips (eval/clips/*.yaml, format in eval/README.md) through the real pipeline offline:
the same decoder options, detector, motion gate, tracker, rules and incident lifecycle as \`camwatch run\`,
as fast as the CPU allows, with frame times from the video. Matches the incidents and line counts to the
labels and prints precision, recall, start-time and count errors per rule type for the tune and holdout
splits, and how many inferences the motion gate skipped inside the labelled empty spans.

Options:
  -c, --config FILE      global settings: models, detection, tracking (default ${DEFAULT_EVAL_CONFIG};
                         its cameras are ignored, each clip brings its own)
  -m, --model NAME       detection model from the manifest (same as --set detection.model=NAME)
      --set KEY=VALUE    override a setting, value read as YAML; repeatable. camera.KEY changes every clip's
                         camera: --set detection.scoreThreshold=0.3  --set camera.motion.enabled=false
      --json             print the report as JSON (docs/schemas/eval-report.schema.json)
      --markdown FILE    also rewrite the generated table in FILE (between its eval-table markers)
  -h, --help             this text

Progress goes to stderr. Exit status: 0 when the clips ran (whatever the scores), 1 on an error (bad clip
file, missing video, bad config, model), 2 on bad arguments.`;

/**
 * Progress on stderr: a redrawn line on a terminal (the clip that moved last: clips run side by side), a line
 * per clip and every few hundred frames elsewhere.
 */
function progressOn(stream: NodeJS.WritableStream & { isTTY?: boolean }): EvalProgress {
  const tty = stream.isTTY === true;
  const labels = new Map<LoadedClip, string>();
  return {
    note: (text) => void stream.write(`eval: ${text}\n`),
    clipStarted(index, total, clip) {
      const label = `[${index + 1}/${total}] ${clip.file}`;
      labels.set(clip, label);
      stream.write(tty ? `\r\u001b[2Keval: ${label}` : `eval: ${label} (${clip.videoLabel}, ${clip.camera.analysis.fps} fps)…\n`);
    },
    frames(clip: LoadedClip, n, videoS) {
      const label = labels.get(clip) ?? clip.file;
      if (tty && n % 5 === 0) stream.write(`\r\u001b[2Keval: ${label}: ${n} frames, ${videoS.toFixed(1)} s of video`);
      else if (!tty && n % PLAIN_PROGRESS_EVERY_FRAMES === 0) stream.write(`eval: ${label}: ${n} frames, ${videoS.toFixed(1)} s of video\n`);
    },
    clipDone(clip, r) {
      const label = labels.get(clip) ?? clip.file;
      const line = `eval: ${label}: ${r.framesAnalysed} frames in ${r.elapsedS.toFixed(1)} s (${r.framesPerSecond.toFixed(1)} frames/s)\n`;
      stream.write(tty ? `\r\u001b[2K${line}` : line);
    },
  };
}

export const evalCommand: CliCommand = {
  name: 'eval',
  usage,
  async run(argv, io: CliIO) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        model: { type: 'string', short: 'm' },
        set: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        markdown: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const cli = commandUsage('eval', usage, io);
    if (values.help) return cli.help();
    if (positionals.length === 0) return cli.error('give at least one CLIP.yaml (all of them: eval/clips/*.yaml)');
    // Logs to stderr, warnings and worse unless asked: stdout holds the report (--json must stay parseable).
    const logger = createLogger({ level: io.env.CAMWATCH_LOG_LEVEL ?? 'warn', destination: pino.destination({ fd: 2, sync: true }) });
    try {
      const report = await runEval({
        clips: positionals,
        configPath: values.config ?? DEFAULT_EVAL_CONFIG,
        sets: values.set ?? [],
        ...(values.model !== undefined && { model: values.model }),
        cwd: io.cwd,
        env: io.env,
        logger,
        progress: progressOn(io.stderr),
      });
      io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReportText(report));
      if (values.markdown !== undefined) {
        const file = resolve(io.cwd, values.markdown);
        const command = io.env.CAMWATCH_EVAL_COMMAND ?? `camwatch eval ${argv.join(' ')}`;
        let doc: string;
        try {
          doc = readFileSync(file, 'utf8');
        } catch (err) {
          io.stderr.write(`camwatch eval: --markdown ${values.markdown}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})\n`);
          return 1;
        }
        try {
          writeFileSync(file, replaceBetweenMarkers(doc, formatReportMarkdown(report, command)));
        } catch (err) {
          io.stderr.write(`camwatch eval: --markdown ${values.markdown}: ${(err as Error).message}\n`);
          return 1;
        }
        io.stderr.write(`eval: table written to ${values.markdown}\n`);
      }
      return 0;
    } catch (err) {
      io.stderr.write(`camwatch eval: ${describeError(err)}\n`);
      return 1;
    } finally {
      logger.flush();
    }
  },
};
