import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkStore, recoverStore, type RecoveryReport } from '../../store/index.js';
import { DEFAULT_CONFIG_PATH, EXAMPLE_CONFIG_PATH } from '../defaults.js';
import { withStorePath } from '../store-path.js';
import type { CliCommand, CliIO } from '../types.js';
import { commandUsage } from '../usage.js';

const usage = `Usage: camwatch store check [--full] [--config FILE] [--json]
       camwatch store recover [--config FILE] [--force] [--json]

check    Is the incident store (agent.dataDir/camwatch.db) damaged? Without --full: what the agent checks at
         every start (file header and size, write-ahead log, pages of the incidents and outbox tables; under
         a second on 100,000 events). --full reads every page, snapshots included (seconds to a minute).
         Safe while the agent runs (read-only).
recover  Rebuilds a damaged store from what SQLite can still read: every readable incident, event (unsent
         ones are sent at the next start, marked historical) and snapshot. The damaged files are renamed
         aside as camwatch.db.damaged-<time> (and -wal), never deleted. Prints what was kept and lost.
         Stop the agent first: recover refuses while any process has the store open. Nothing is done when
         the store checks clean (every page read) unless --force.

Options:
  --config FILE   config whose agent.dataDir holds the store (default ${DEFAULT_CONFIG_PATH}, else ${EXAMPLE_CONFIG_PATH});
                  secrets are not read
  --full          check: every page, not only what start-up checks
  --force         recover: rebuild even when no damage is found
  --json          the result as JSON on stdout
  -h, --help      this text

Exit codes: 0 healthy / recovered / nothing to do, 1 damaged (check) or failure (recover), 2 usage error.
See docs/operations.md, "A damaged store".`;

/** `camwatch store check|recover`: find and repair a damaged incident store. */
export const storeCommand: CliCommand = {
  name: 'store',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        full: { type: 'boolean' },
        force: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
    const use = commandUsage('store', usage, io);
    if (values.help) return use.help();
    const [sub, ...rest] = positionals;
    if (rest.length > 0) return use.error(`unexpected "${rest.join(' ')}"`);
    if (sub === 'check') {
      if (values.force) return use.error('--force is for recover');
      return withStorePath('store', values.config, io, (path, configPath) => check(path, configPath, values.full === true, values.json === true, io));
    }
    if (sub === 'recover') {
      if (values.full) return use.error('--full is for check (recover always reads every page)');
      return withStorePath('store', values.config, io, (path) => recover(path, values.force === true, values.json === true, io));
    }
    return use.error(sub === undefined ? 'missing subcommand (check or recover)' : `unknown subcommand "${sub}"`);
  },
};

function check(path: string, configPath: string, full: boolean, json: boolean, io: CliIO): number {
  if (!existsSync(path)) {
    io.stdout.write(json ? `${JSON.stringify({ path, exists: false, damaged: false })}\n` : `${path} does not exist yet: the agent creates it on first start\n`);
    return 0;
  }
  const damage = checkStore(path, { full });
  if (json) {
    io.stdout.write(`${JSON.stringify({ path, exists: true, full, damaged: damage !== undefined, problems: damage?.problems ?? [] })}\n`);
  } else if (damage === undefined) {
    io.stdout.write(`${path}: no damage found (${full ? 'every page read' : 'start-up check; --full reads every page'})\n`);
  } else {
    io.stdout.write(`${path} is damaged:\n${damage.problems.map((p) => `  - ${p}`).join('\n')}\nStop the agent, then run: camwatch store recover --config ${configPath}\n`);
  }
  return damage === undefined ? 0 : 1;
}

function recover(path: string, force: boolean, json: boolean, io: CliIO): number {
  const outcome = recoverStore({ path, force });
  if (!outcome.recovered) {
    io.stdout.write(json ? `${JSON.stringify({ path, recovered: false, reason: outcome.reason })}\n` : `${outcome.reason}\n`);
    return 0;
  }
  const r = outcome.report;
  io.stdout.write(json ? `${JSON.stringify({ recovered: true, ...r })}\n` : formatReport(r));
  return 0;
}

/** The human report: damage, where the old files went, kept, lost. */
export function formatReport(r: RecoveryReport): string {
  const n = (v: number | undefined) => (v === undefined ? 'unknown (its index is damaged too)' : String(v));
  const lines = [
    `recovered ${r.path}`,
    ...(r.problems.length > 0 ? ['damage found:', ...r.problems.map((p) => `  - ${p}`)] : ['no damage found; rebuilt because of --force']),
    `damaged files kept aside (not deleted): ${r.movedAside.join(', ') || 'none'}`,
    ...(r.headerRebuilt ? ['the file header was rebuilt (on a scratch copy) to read the pages behind it'] : []),
    ...(r.startedFresh ? ['nothing could be read (not even the table list): the store starts empty'] : []),
    `kept: ${r.kept.incidents} incidents, ${r.kept.events} events of which ${r.kept.unsent} not sent yet (sent at the next start), ${r.kept.snapshots} snapshots`,
    `lost: ${n(r.lost.incidents)} incidents, ${n(r.lost.events)} events of which ${n(r.lost.unsent)} not sent, ${n(r.lost.snapshots)} snapshots`,
    ...(r.rebuiltIncidents > 0 ? [`${r.rebuiltIncidents} incident(s) rebuilt from their latest event (their own row was unreadable)`] : []),
    ...(r.unsentWithoutSnapshot > 0 ? [`${r.unsentWithoutSnapshot} unsent event(s) lost their snapshot: they are sent without a picture`] : []),
    ...(r.walTransactionsLost > 0 ? [`${r.walTransactionsLost} transaction(s) after the damage in the write-ahead log could not be applied (kept in the aside -wal file)`] : []),
    'Start the agent again (systemctl start camwatch).',
  ];
  return `${lines.join('\n')}\n`;
}
