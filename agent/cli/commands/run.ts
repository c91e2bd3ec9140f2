import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/index.js';
import { Agent, tuneHeapGrowth } from '../../ops/index.js';
import { createLogger, describeError } from '../../core/index.js';
import { DEFAULT_CONFIG_PATH } from '../defaults.js';
import type { CliCommand } from '../types.js';
import { commandUsage } from '../usage.js';

/**
 * After SIGTERM/SIGINT the agent has this long (ms) to stop before the process exits anyway (code 1): under
 * the unit's TimeoutStopSec (20 s, scripts/systemd/camwatch.service), so the agent, not SIGKILL, decides.
 * Each part also has its own deadline (the uplink's is 6 s), so one hung part does not use up the rest's time.
 */
export const DEFAULT_SHUTDOWN_DEADLINE_MS = 10_000;

/** Test only: names an agent component whose stop never settles (see AgentOptions.faults). */
const HANG_STOP_ENV = 'CAMWATCH_TEST_HANG_STOP';

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15 };

const usage = `Usage: camwatch run [--config FILE]

Starts the agent: reads every enabled camera, detects and tracks objects, raises incidents,
stores them in SQLite and publishes them to MQTT. Logs are JSON lines (pipe through pino-pretty).

Options:
  -c, --config FILE   config file (default: ${DEFAULT_CONFIG_PATH}, else config/camwatch.example.yaml)
  -h, --help          this text

Signals: SIGINT/SIGTERM stop cleanly within ${DEFAULT_SHUTDOWN_DEADLINE_MS / 1000} s (unsent incidents stay in the store and are
         sent on the next start), else exit with code 1. A second SIGINT/SIGTERM exits at once (code
         128 + signal: 130, 143); what is already in SQLite is safe (write-ahead log).
         SIGHUP re-reads the config: only cameras whose entry changed restart; an invalid file is
         rejected with its errors logged and the running config kept.`;

export const runCommand: CliCommand = {
  name: 'run',
  usage,
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) return commandUsage('run', usage, io).help();
    let loaded;
    try {
      loaded = await loadConfig(values.config ?? DEFAULT_CONFIG_PATH, { env: io.env });
    } catch (err) {
      io.stderr.write(`camwatch: ${describeError(err)}\n`);
      return 1;
    }
    const configPath = loaded.path;
    const logger = createLogger({ level: io.env.CAMWATCH_LOG_LEVEL ?? loaded.config.agent.logLevel });
    const heapGrowingPercent = tuneHeapGrowth();
    logger.debug({ heapGrowingPercent: heapGrowingPercent ?? 'set on the node command line' }, 'V8 old-generation growth');
    const hangOnStop = io.env[HANG_STOP_ENV];
    const agent = new Agent({ loaded, logger, ...(hangOnStop ? { faults: { hangOnStop } } : {}) });
    // The last log line first (the logger writes asynchronously), then out: no stop step runs after this.
    const exitNow = (code: number): void => logger.flush(() => process.exit(code));
    const onHangup = () => {
      logger.info({ config: configPath }, 'SIGHUP: reloading config');
      loadConfig(configPath, { env: io.env })
        .then((next) => agent.reload(next))
        .catch((err: unknown) => logger.error({ err }, `config reload rejected, still running the previous config: ${describeError(err)}`));
    };
    process.on('SIGHUP', onHangup);
    const stopped = new Promise<void>((resolve) => {
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) {
          logger.warn({ signal }, 'second signal: exiting now without waiting for the agent to stop (incidents already in SQLite are kept)');
          exitNow(128 + (SIGNAL_NUMBERS[signal] ?? 0));
          return;
        }
        stopping = true;
        logger.info({ signal, deadlineMs: DEFAULT_SHUTDOWN_DEADLINE_MS }, 'stopping');
        const deadline = setTimeout(() => {
          logger.error({ deadlineMs: DEFAULT_SHUTDOWN_DEADLINE_MS }, `the agent did not stop within ${DEFAULT_SHUTDOWN_DEADLINE_MS / 1000} s; exiting (incidents already in SQLite are kept)`);
          exitNow(1);
        }, DEFAULT_SHUTDOWN_DEADLINE_MS);
        void agent.stop().then((outcomes) => {
          clearTimeout(deadline);
          // A part that failed or hung may still hold a handle (a worker thread, a socket) that would keep the process alive.
          const unclean = outcomes.filter((o) => o.result !== 'stopped').map((o) => `${o.name} (${o.result})`);
          if (unclean.length > 0) {
            logger.error({ components: unclean }, `not every part stopped cleanly: ${unclean.join(', ')}; exiting (incidents already in SQLite are kept)`);
            exitNow(1);
            return;
          }
          resolve();
        });
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    try {
      await agent.start();
    } catch (err) {
      logger.fatal({ err }, describeError(err));
      await agent.stop();
      logger.flush();
      return 1;
    }
    await stopped;
    process.off('SIGHUP', onHangup);
    logger.flush();
    return 0;
  },
};
