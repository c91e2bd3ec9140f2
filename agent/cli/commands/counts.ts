import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { loadConfig, resolveConfigPath } from '../../config/index.js';
import { describeError, isCamwatchError, formatTable } from '../../core/index.js';
import { readCounts, type CountFilter, type CountRow } from '../../store/index.js';
import { configFileFor, DEFAULT_CONFIG_PATH, EXAMPLE_CONFIG_PATH } from '../defaults.js';
import type { CliCommand, CliIO } from '../types.js';
import { commandUsage } from '../usage.js';
import { parseSince } from './incidents.js';

/** The store file inside agent.dataDir (the agent opens the same name). */
const STORE_FILE = 'camwatch.db';

const usage = `Usage: camwatch counts [--camera ID] [--line ID] [--class C] [--period 1m|15m|SECONDS]
                      [--since TIME] [--until TIME] [--json | --csv]

Line counts (per line, class and direction) and zone occupancy (mean and max objects per class) in the
count bins the agent stored, oldest first. Bins still counting are listed as "open"; "closed" bins were
queued for the IOC (camwatch/<agent>/cameras/<camera>/counts/bins). Counts survive restarts and reloads.
Opens the store read-only: safe while the agent runs.

Options:
  --config FILE   config whose agent.dataDir holds the store (default ${DEFAULT_CONFIG_PATH}, else ${EXAMPLE_CONFIG_PATH})
  --camera ID     only this camera
  --line ID       only this line (or zone id, for occupancy rows)
  --class C       only this class (car, motorcycle, person...)
  --period P      bin length: 1m, 15m, 60s, or seconds (default: every length stored, i.e. bins and roll-ups)
  --since TIME    bins starting at or after: ISO time or an age (30m, 2h, 1d)
  --until TIME    bins starting before: ISO time or an age
  --json          JSON array of rows on stdout
  --csv           CSV with a header row on stdout
  -h, --help      this text

Exit codes: 0 ok, 1 failure (store unreadable), 2 usage error.`;

const CSV_HEADER = ['camera', 'period_s', 'start', 'end', 'state', 'kind', 'id', 'class', 'in', 'out', 'mean', 'max'] as const;

/** `camwatch counts`: the stored count bins, filtered, as a table, JSON or CSV. */
export const countsCommand: CliCommand = {
  name: 'counts',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        camera: { type: 'string' },
        line: { type: 'string' },
        class: { type: 'string' },
        period: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        json: { type: 'boolean' },
        csv: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
    const use = commandUsage('counts', usage, io);
    if (values.help) return use.help();
    if (positionals.length > 0) return use.error(`unexpected "${positionals.join(' ')}"`);
    if (values.json && values.csv) return use.error('--json and --csv exclude each other');
    const now = Date.now();
    const filter: CountFilter = {};
    if (values.camera !== undefined) filter.cameraId = values.camera;
    if (values.line !== undefined) filter.id = values.line;
    if (values.class !== undefined) filter.className = values.class;
    if (values.period !== undefined) {
      const p = parsePeriodSeconds(values.period);
      if (p === undefined) return use.error(`--period ${JSON.stringify(values.period)} is not a length like 1m, 15m, 60s or 900`);
      filter.periodSeconds = p;
    }
    for (const key of ['since', 'until'] as const) {
      const text = values[key];
      if (text === undefined) continue;
      const ms = parseSince(text, now);
      if (ms === undefined) return use.error(`--${key} ${JSON.stringify(text)} is neither an ISO time nor an age like 1h`);
      if (key === 'since') filter.sinceMs = ms;
      else filter.untilMs = ms;
    }
    const file = configFileFor(values.config, io.cwd);
    let rows: CountRow[];
    try {
      const loaded = await loadConfig(file, { cwd: io.cwd, env: io.env, resolveSecrets: false });
      rows = readCounts(join(resolveConfigPath(loaded, loaded.config.agent.dataDir), STORE_FILE), filter);
    } catch (err) {
      if (!isCamwatchError(err)) throw err;
      io.stderr.write(`camwatch counts: ${describeError(err)}\n`);
      return 1;
    }
    if (values.json) io.stdout.write(`${JSON.stringify(rows)}\n`);
    else if (values.csv) io.stdout.write(toCsv(rows));
    else if (rows.length === 0) io.stdout.write('no count bins match\n');
    else io.stdout.write(formatTable([...CSV_HEADER], rows.map(cells), { right: [1, 8, 9, 10, 11] }));
    return 0;
  },
};

/** `1m`, `15m`, `60s`, `1h` or plain seconds → seconds; undefined otherwise (pure). */
export function parsePeriodSeconds(text: string): number | undefined {
  const m = /^(\d+)\s*(s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * ({ s: 1, m: 60, h: 3600 }[(m[2] ?? 's') as 's' | 'm' | 'h']);
  return n > 0 ? n : undefined;
}

function cells(r: CountRow): string[] {
  return [r.cameraId, String(r.periodSeconds), r.start, r.end, r.state, r.kind, r.id, r.className, num(r.in), num(r.out), num(r.mean), num(r.max)];
}

function num(n: number | undefined): string {
  return n === undefined ? '' : String(n);
}

/** RFC 4180: fields with a comma, quote or newline are quoted, quotes doubled. */
export function toCsv(rows: readonly CountRow[]): string {
  const field = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [CSV_HEADER.join(','), ...rows.map((r) => cells(r).map(field).join(','))].join('\n') + '\n';
}
