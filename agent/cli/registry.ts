import { brokerCommand } from './commands/broker.js';
import { cameraCommand } from './commands/camera.js';
import { configCommand } from './commands/config.js';
import { consoleCommand } from './commands/console.js';
import { countsCommand } from './commands/counts.js';
import { detectCommand } from './commands/detect.js';
import { doctorCommand } from './commands/doctor.js';
import { evalCommand } from './commands/eval.js';
import { discoverCommand } from './commands/discover.js';
import { incidentsCommand } from './commands/incidents.js';
import { runCommand } from './commands/run.js';
import { statusCommand } from './commands/status.js';
import { storeCommand } from './commands/store.js';
import { tailCommand } from './commands/tail.js';
import type { CliCommand } from './types.js';

/** Every `camwatch` subcommand, in the order `--help` lists them. */
export const commands: CliCommand[] = [runCommand, discoverCommand, cameraCommand, detectCommand, evalCommand, configCommand, incidentsCommand, countsCommand, storeCommand, doctorCommand, statusCommand, tailCommand, brokerCommand, consoleCommand];
