import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../../core/index.js';
import { openStore, openStoreReader, type IncidentSummary, type StoreAdmin } from '../../store/index.js';
import { DEFAULT_OUTBOX_POLL_MS } from '../../uplink/index.js';
import { DEFAULT_CONFIG_PATH, EXAMPLE_CONFIG_PATH } from '../defaults.js';
import { withStorePath } from '../store-path.js';
import type { CliCommand, CliIO } from '../types.js';
import { commandUsage } from '../usage.js';

/** Rows `list` prints when --limit is not given. */
export const DEFAULT_INCIDENTS_LIST_LIMIT = 50;

const usage = `Usage: camwatch incidents list [--since ISO|1h] [--camera ID] [--type T] [--limit N] [--json]
       camwatch incidents show ID [--snapshot out.jpg] [--clean-snapshot clean.jpg] [--full-snapshot full.jpg] [--json]
       camwatch incidents resend (--since TIME | ID...)

list     Incidents in the store, newest first: time, camera, type, status, class, score, sent?, id.
         "sent" is yes when every event reached the broker, else how many are still queued.
show     One incident: its latest state and every event (outbox row) with when it was sent.
         --snapshot FILE writes its latest snapshot JPEG; --clean-snapshot FILE the same picture
         without the box drawn on it (privacy masks and blur applied as to every still);
         --full-snapshot FILE the main stream's full-resolution still (cameras[].stills.fullResolution).
resend   Queues copies of already-sent events again (incidents by ID, or every event stored since
         TIME), e.g. after the IOC lost data. Events still queued go out anyway and are not copied.
         The running agent needs no reload: it checks its outbox every ${DEFAULT_OUTBOX_POLL_MS / 1000} s.
         Copies carry "historical": true; the IOC drops those it already has (same id, status, sequence).

list and show open the store read-only: safe while the agent runs.

Options:
  --config FILE   config whose agent.dataDir holds the store (default ${DEFAULT_CONFIG_PATH}, else ${EXAMPLE_CONFIG_PATH});
                  secrets are not read
  --since TIME    ISO time (2024-05-01T08:00:00Z) or an age: 30s, 15m, 1h, 2d
  --camera ID     list: only this camera
  --type T        list: only this rule type
  --limit N       list: at most N rows (default ${DEFAULT_INCIDENTS_LIST_LIMIT})
  --json          list/show: JSON on stdout
  -h, --help      this text

Exit codes: 0 ok, 1 failure (store unreadable, unknown incident), 2 usage error.`;

/** `camwatch incidents …`: inspect the incident store and re-queue events for the IOC. */
export const incidentsCommand: CliCommand = {
  name: 'incidents',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        since: { type: 'string' },
        camera: { type: 'string' },
        type: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        snapshot: { type: 'string' },
        'clean-snapshot': { type: 'string' },
        'full-snapshot': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
    const use = commandUsage('incidents', usage, io);
    if (values.help) return use.help();
    const [sub, ...rest] = positionals;
    const now = Date.now();
    let sinceMs: number | undefined;
    if (values.since !== undefined) {
      sinceMs = parseSince(values.since, now);
      if (sinceMs === undefined) return use.error(`--since ${JSON.stringify(values.since)} is neither an ISO time nor an age like 1h`);
    }
    let limit = DEFAULT_INCIDENTS_LIST_LIMIT;
    if (values.limit !== undefined) {
      limit = Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1) return use.error(`--limit must be a positive integer, got ${JSON.stringify(values.limit)}`);
    }
    if (sub === 'list' && rest.length === 0) {
      const filter = { limit, ...(sinceMs === undefined ? {} : { sinceMs }), ...(values.camera === undefined ? {} : { cameraId: values.camera }), ...(values.type === undefined ? {} : { type: values.type }) };
      return withStorePath('incidents', values.config, io, (path) => list(path, filter, values.json === true, io));
    }
    if (sub === 'show' && rest.length === 1) {
      return withStorePath('incidents', values.config, io, (path) => show(path, rest[0]!, { json: values.json === true, snapshot: values.snapshot, cleanSnapshot: values['clean-snapshot'], fullSnapshot: values['full-snapshot'] }, io));
    }
    if (sub === 'resend') {
      if ((sinceMs === undefined) === (rest.length === 0)) return use.error('resend takes either --since TIME or incident ids');
      return withStorePath('incidents', values.config, io, (path) => resend(path, sinceMs === undefined ? { incidentIds: rest } : { sinceMs }, io));
    }
    return use.error(sub === undefined ? 'missing subcommand' : `unexpected "${positionals.join(' ')}"`);
  },
};

/** `--since`: an ISO time, or an age before `nowMs` (`90s`, `15m`, `1h`, `2d`). Undefined when neither (pure). */
export function parseSince(text: string, nowMs: number): number | undefined {
  const age = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (age) {
    const unitMs = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[age[2] as 's' | 'm' | 'h' | 'd'];
    return nowMs - Number(age[1]) * unitMs;
  }
  // Date.parse accepts plain numbers and odd forms; require something that starts like a date.
  if (!/^\d{4}-\d\d-\d\d/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function list(path: string, filter: Parameters<ReturnType<typeof openStoreReader>['list']>[0], json: boolean, io: CliIO): number {
  const reader = openStoreReader(path);
  try {
    const rows = reader.list(filter);
    if (json) {
      io.stdout.write(`${JSON.stringify(rows.map(summaryJson))}\n`);
      return 0;
    }
    io.stdout.write(formatTable(rows));
    return 0;
  } finally {
    reader.close();
  }
}

async function show(path: string, id: string, options: { json: boolean; snapshot: string | undefined; cleanSnapshot?: string | undefined; fullSnapshot?: string | undefined }, io: CliIO): Promise<number> {
  const reader = openStoreReader(path);
  try {
    const detail = reader.show(id);
    if (detail === undefined) {
      io.stderr.write(`camwatch incidents: no incident ${JSON.stringify(id)} in ${path}\n`);
      return 1;
    }
    if (options.snapshot !== undefined) {
      if (detail.snapshotJpeg === undefined) {
        io.stderr.write(`camwatch incidents: incident ${id} has no snapshot\n`);
        return 1;
      }
      await writeFile(resolve(io.cwd, options.snapshot), detail.snapshotJpeg);
    }
    if (options.cleanSnapshot !== undefined) {
      if (detail.cleanJpeg === undefined) {
        io.stderr.write(`camwatch incidents: incident ${id} has no clean snapshot (pruned by the store quota, or stored by an older camwatch)\n`);
        return 1;
      }
      await writeFile(resolve(io.cwd, options.cleanSnapshot), detail.cleanJpeg);
    }
    if (options.fullSnapshot !== undefined) {
      if (detail.fullJpeg === undefined) {
        io.stderr.write(`camwatch incidents: incident ${id} has no full-resolution still (stills.fullResolution off, the main stream did not answer in time, or pruned)\n`);
        return 1;
      }
      await writeFile(resolve(io.cwd, options.fullSnapshot), detail.fullJpeg);
    }
    const { snapshotJpeg: _bytes, cleanJpeg: _clean, fullJpeg: _full, ...rest } = detail;
    if (options.json) {
      io.stdout.write(`${JSON.stringify({ ...summaryJson(rest), history: rest.history })}\n`);
      return 0;
    }
    const inc = detail.incident;
    const lines = [
      `incident ${inc.id}  ${inc.title.en}`,
      `  camera    ${inc.cameraId}${inc.cameraName ? ` (${inc.cameraName})` : ''}`,
      `  type      ${inc.category}/${inc.type}  rule ${inc.ruleId}  severity ${inc.severity}`,
      `  status    ${inc.status} (sequence ${inc.sequence ?? 1})${detail.ackedAtMs === undefined ? '' : `, acknowledged ${iso(detail.ackedAtMs)}`}`,
      `  object    ${inc.className} score ${inc.score.toFixed(2)} track ${inc.trackId}`,
      `  started   ${inc.startedAt}${inc.endedAt ? `  ended ${inc.endedAt}` : ''}${inc.durationSeconds === undefined ? '' : `  (${inc.durationSeconds.toFixed(1)} s)`}`,
      `  snapshot  ${inc.snapshot ? `${inc.snapshot.width}x${inc.snapshot.height}, ${inc.snapshot.bytes} bytes` : 'none'}${options.snapshot ? ` → ${options.snapshot}` : ''}`,
      '  events:',
      ...detail.history.map((h) => {
        const state = h.cancelledAtMs !== undefined ? 'cancelled (acknowledged)' : h.sentAtMs !== undefined ? `sent ${iso(h.sentAtMs)}` : `queued (${h.attempts} attempts)`;
        return `    #${h.seq} ${h.status.padEnd(6)} seq ${h.sequence ?? '-'}  stored ${iso(h.createdAtMs)}  ${state}${h.resendOf === undefined ? '' : `  resend of #${h.resendOf}`}`;
      }),
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    reader.close();
  }
}

function resend(path: string, selector: { incidentIds: string[] } | { sinceMs: number }, io: CliIO): number {
  if (!existsSync(path)) {
    io.stderr.write(`camwatch incidents: no incident store at ${path}\n`);
    return 1;
  }
  // Writes go through the store (same transactions and migrations as the agent); its logs stay quiet.
  const store: StoreAdmin = openStore({ path, logger: createLogger({ level: 'silent' }) });
  try {
    if ('incidentIds' in selector) {
      const unknown = selector.incidentIds.filter((id) => store.get(id) === undefined);
      if (unknown.length > 0) {
        io.stderr.write(`camwatch incidents: no incident ${unknown.join(', ')} in ${path}; nothing queued\n`);
        return 1;
      }
    }
    const queued = store.resend(selector);
    const incidents = new Set(queued.map((q) => q.incidentId)).size;
    io.stdout.write(
      `queued ${queued.length} event(s) of ${incidents} incident(s); the running agent publishes them within ${DEFAULT_OUTBOX_POLL_MS / 1000} s (no reload needed)\n`,
    );
    return 0;
  } finally {
    store.close();
  }
}

function summaryJson(s: IncidentSummary): Record<string, unknown> {
  return {
    ...s.incident,
    storedAt: iso(s.createdAtMs),
    events: s.events,
    unsent: s.unsent,
    sent: s.unsent === 0,
    ...(s.ackedAtMs === undefined ? {} : { acknowledgedAt: iso(s.ackedAtMs) }),
  };
}

/** The list table: fixed columns, widths from the content. */
function formatTable(rows: IncidentSummary[]): string {
  const header = ['TIME', 'CAMERA', 'TYPE', 'STATUS', 'CLASS', 'SCORE', 'SENT', 'ID'];
  const body = rows.map((r) => [
    r.incident.startedAt.replace(/\.\d+Z$/, 'Z'),
    r.incident.cameraId,
    r.incident.type,
    r.incident.status,
    r.incident.className,
    r.incident.score.toFixed(2),
    r.unsent === 0 ? 'yes' : `no (${r.unsent} queued)`,
    r.incident.id,
  ]);
  if (body.length === 0) return 'no incidents\n';
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [header, ...body].map((cols) => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
