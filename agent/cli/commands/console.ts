import { isLoopbackHost } from '../../config/index.js';
import { consoleTokenPath, readConsoleToken } from '../../console/index.js';
import { DEFAULT_CONFIG_PATH, EXAMPLE_CONFIG_PATH } from '../defaults.js';
import type { CliCommand } from '../types.js';
import { readConfigSubcommand } from '../config-subcommand.js';

const usage = `Usage: camwatch console url [--config FILE] [--json]

The link that opens the agent's web console (live view, zone/line/rule editor, incidents, counts) with its
token: http://127.0.0.1:8089/#token=…. The token is in the fragment (after #): the browser keeps it to
the page and never sends it in a request line. From a laptop, open an SSH tunnel first:

  ssh -L 8089:127.0.0.1:8089 <user>@<box>

then open the printed link on the laptop. Run this as the agent's user (sudo -u camwatch …) or with sudo:
the token file (console.tokenFile, else agent.dataDir/console-token) is mode 0600. The agent creates it at
its first start.

Options:
  -c, --config FILE   the agent's config (default: ${DEFAULT_CONFIG_PATH}, else ${EXAMPLE_CONFIG_PATH})
      --json          {url, tunnel, file} on stdout
  -h, --help          this text

Exit codes: 0 printed, 1 the console is disabled or the token cannot be read, 2 usage error.`;

/** `camwatch console url`: the console's link with its token, and the SSH tunnel line. */
export const consoleCommand: CliCommand = {
  name: 'console',
  usage,
  async run(argv, io) {
    const parsed = await readConfigSubcommand(argv, io, 'console', 'url', usage);
    if (typeof parsed === 'number') return parsed;
    const { path, loaded } = parsed;
    const settings = loaded.config.console;
    if (!settings.enabled) {
      io.stderr.write(`camwatch console: console.enabled is false in ${path}.\n  → Set console.enabled: true and restart the agent (systemctl restart camwatch).\n`);
      return 1;
    }
    const file = consoleTokenPath(loaded);
    const token = readConsoleToken(file);
    if (token === undefined) {
      io.stderr.write(`camwatch console: no token in ${file} yet.\n  → Start the agent once (it generates the token), then run this again.\n`);
      return 1;
    }
    // 0.0.0.0 / :: listen everywhere; locally (and through the tunnel) the console is on loopback.
    const host = settings.host === '0.0.0.0' || settings.host === '::' || isLoopbackHost(settings.host) ? '127.0.0.1' : settings.host;
    // Percent-encoded: a hand-written token (openssl rand -base64) holds + / =, and the page reads the fragment
    // with decodeURIComponent (console-ui/assets/app/api.js tokenFromFragment), so a raw `%` or `&` would break it.
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${settings.port}/#token=${encodeURIComponent(token)}`;
    const tunnel = `ssh -L ${settings.port}:127.0.0.1:${settings.port} <user>@<box>`;
    if (parsed.json) {
      io.stdout.write(`${JSON.stringify({ url, tunnel, file })}\n`);
      return 0;
    }
    io.stdout.write(`${url}\n`);
    io.stderr.write(`From a laptop: ${tunnel}, then open the link above there. Keep it private: it lets its holder edit the config.\n`);
    return 0;
  },
};
