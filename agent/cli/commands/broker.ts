import { redactUrl } from '../../core/index.js';
import { commandTreeOf, embeddedCredentialsPath, readOperatorLogin, embeddedBrokerUrl } from '../../uplink/index.js';
import { DEFAULT_CONFIG_PATH, EXAMPLE_CONFIG_PATH } from '../defaults.js';
import type { CliCommand } from '../types.js';
import { readConfigSubcommand } from '../config-subcommand.js';

const usage = `Usage: camwatch broker credentials [--config FILE] [--json]

The login of the agent's embedded MQTT broker (used when the config has no mqtt.url): user, password, the
file that holds them, and a mosquitto_sub line that watches everything the agent publishes.

The agent generates the login at its first start into agent.dataDir/embedded-broker-credentials.json
(mqtt.embeddedCredentialsFile), mode 0600, and reuses it at every start. Run this as the agent's user
(sudo -u camwatch camwatch broker credentials) or with sudo. To choose the password, edit the file (keep
mode 0600; 16 characters at least) and restart the agent.

This user may read every topic under the topic prefix and publish commands (<prefix>/<agent.id>/cmd/<name>,
not retained); the agent alone writes incidents, status, cameras, stats and responses.

Options:
  -c, --config FILE   the agent's config (default: ${DEFAULT_CONFIG_PATH}, else ${EXAMPLE_CONFIG_PATH})
      --json          {url, host, port, username, password, file, topicPrefix, commandTopics} on stdout
  -h, --help          this text

Exit codes: 0 printed, 1 no embedded broker (mqtt.url is set) or the file cannot be read, 2 usage error.`;

/** `camwatch broker credentials`: how to log in to the agent's embedded broker. */
export const brokerCommand: CliCommand = {
  name: 'broker',
  usage,
  async run(argv, io) {
    const parsed = await readConfigSubcommand(argv, io, 'broker', 'credentials', usage);
    if (typeof parsed === 'number') return parsed;
    const { path, loaded } = parsed;
    const { mqtt, agent } = loaded.config;
    if (mqtt.url !== undefined) {
      io.stderr.write(
        `camwatch broker: ${path} sets mqtt.url (${redactUrl(mqtt.url)}): the agent publishes there and starts no embedded broker.\n` +
          `  → Ask that broker's administrator for a login; camwatch tail --config ${path} uses the config's own.\n`,
      );
      return 1;
    }
    const file = embeddedCredentialsPath(loaded);
    const login = readOperatorLogin(file);
    const url = embeddedBrokerUrl(mqtt.embeddedHost, mqtt.embeddedPort);
    const { hostname, port } = new URL(url);
    const host = hostname.replace(/^\[|\]$/g, '');
    const prefix = mqtt.topicPrefix.replace(/\/+$/, '');
    const commands = `${commandTreeOf({ topicPrefix: mqtt.topicPrefix, agentId: agent.id, agentClientId: '' })}<name>`;
    if (parsed.json) {
      io.stdout.write(`${JSON.stringify({ url, host, port: Number(port), username: login.username, password: login.password, file, topicPrefix: prefix, commandTopics: commands })}\n`);
      return 0;
    }
    io.stdout.write(
      [
        `broker    ${url}  (embedded; agent ${agent.id})`,
        `user      ${login.username}`,
        `password  ${login.password}`,
        `file      ${file}`,
        '',
        'Watch everything the agent publishes:',
        `  mosquitto_sub -h ${host} -p ${port} -u ${login.username} -P ${shellQuote(login.password)} -t ${shellQuote(`${prefix}/#`)} -v`,
        '',
        `This user reads ${prefix}/# and may publish commands on ${commands} (not retained); nothing else.`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};

/** `text` as one POSIX shell word (single quotes; a quote inside becomes '\''). */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}
