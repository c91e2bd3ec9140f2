import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/index.js';
import { Agent } from '../../ops/index.js';
import { createLogger, describeError } from '../../core/index.js';
import { DEFAULT_CONFIG_PATH } from '../defaults.js';
import type { CliCommand } from '../types.js';
import { commandUsage } from '../usage.js';

const usage = `Usage: camwatch run [--config FILE]

Starts the agent: reads every enabled camera, detects and tracks objects, raises incidents,
stores them in SQLite and publishes them to MQTT. Logs are JSON lines (pipe through pino-pretty).

Options:
  -c, --config FILE   config file (default: ${DEFAULT_CONFIG_PATH}, else config/camwatch.example.yaml)
  -h, --help          this text

Signals: SIGINT/SIGTERM stop cleanly (unsent incidents stay in the store and are sent on the next start).
         SIGHUP re-reads the config: only cameras whose entry changed restart; an invalid file is
         rejected with its errors logged and the running config kept.`;

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'start the agent',
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
    const agent = new Agent({ loaded, logger });
    const onHangup = () => {
      logger.info({ config: configPath }, 'SIGHUP: reloading config');
      loadConfig(configPath, { env: io.env })
        .then((next) => agent.reload(next))
        .catch((err: unknown) => logger.error({ err }, `config reload rejected, still running the previous config: ${describeError(err)}`));
    };
    process.on('SIGHUP', onHangup);
    const stopped = new Promise<void>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        logger.info({ signal }, 'stopping');
        void agent.stop().then(resolve);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
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
