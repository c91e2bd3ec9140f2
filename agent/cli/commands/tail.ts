import { parseArgs } from 'node:util';
import type { IClientOptions, MqttClient } from 'mqtt';
import { loadConfig, secretValues } from '../../config/index.js';
import { describeError, redactSecrets, redactUrl } from '../../core/index.js';
import { configFileFor, DEFAULT_CONFIG_PATH, EXAMPLE_CONFIG_PATH } from '../defaults.js';
import { tlsClientOptions, embeddedCredentialsPath, readOperatorLogin, embeddedBrokerUrl } from '../../uplink/index.js';
import { connectBroker } from '../mqtt-connect.js';
import { formatTailLine, jsonLine, matchesFilter, parseTailMessage, type TailFilter } from '../tail-format.js';
import type { CliCommand, CliIO } from '../types.js';
import { commandUsage } from '../usage.js';

/** Wait before connecting again after the broker went away (ms). */
export const DEFAULT_TAIL_RECONNECT_MS = 3_000;
const DEFAULT_TOPIC_PREFIX = 'camwatch';

const usage = `Usage: camwatch tail [--config FILE | --url mqtt://HOST:PORT] [--agent ID] [--camera ID] [--type T] [--json]

Prints incidents as the IOC receives them, one line each, from the broker the agent publishes to:

  2024-05-01 08:15:02  gate-01  zone_intrusion  new  Người vào khu vực cấm / Person in restricted zone  person 0.87  01HX…

and camera and agent state changes (states from before tail started are marked "(last known)").
Events replayed after an outage are marked "(replay)". Ctrl-C stops.

Options:
  -c, --config FILE   broker URL, user and password (passwordFile / passwordEnv), TLS, topic prefix and agent id
                      from this config (default: ${DEFAULT_CONFIG_PATH}, else ${EXAMPLE_CONFIG_PATH});
                      without mqtt.url, the agent's embedded broker, logged in as its operator (the
                      credentials file in agent.dataDir: run as the agent's user, or with sudo)
      --url URL       broker URL instead (mqtt://user:password@host:1883 also works); with --url alone, every
                      agent under the "${DEFAULT_TOPIC_PREFIX}" prefix is shown
      --agent ID      only this agent ("+" for all; default: the config's agent.id)
      --camera ID     only this camera
      --type T        only incidents of this rule type (camera and agent states are still shown)
      --json          one JSON object per message: {topic, retained, kind, payload} (snapshot data left out)
  -h, --help          this text

Exit codes: 0 stopped with Ctrl-C, 1 cannot connect or subscribe, 2 usage error.`;

/** `camwatch tail`: watch incidents and camera states live from the broker. */
export const tailCommand: CliCommand = {
  name: 'tail',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        url: { type: 'string' },
        agent: { type: 'string' },
        camera: { type: 'string' },
        type: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
    const use = commandUsage('tail', usage, io);
    if (values.help) return use.help();
    if (positionals.length > 0) return use.error(`unexpected "${positionals.join(' ')}"`);
    for (const [name, value] of [['--agent', values.agent], ['--camera', values.camera], ['--type', values.type]] as const) {
      if (value !== undefined && (value === '' || /[/#]/.test(value) || (value.includes('+') && !(name === '--agent' && value === '+')))) {
        return use.error(`${name} "${value}" is not an id (no / # +)`);
      }
    }
    const target = await brokerTarget(values, io);
    const filter: TailFilter = {
      ...(values.camera === undefined ? {} : { cameraId: values.camera }),
      ...(values.type === undefined ? {} : { type: values.type }),
    };
    return tail(target, filter, values.json === true, io);
  },
};

interface BrokerTarget {
  url: string;
  /** TLS options from the config's mqtt.tls (CA, client certificate); none for --url alone. */
  clientOptions: Partial<IClientOptions>;
  username?: string;
  password?: string;
  prefix: string;
  agent: string;
  secrets: string[];
}

/** Where to connect and what to subscribe to, from --url and/or the config. */
async function brokerTarget(values: { config?: string; url?: string; agent?: string }, io: CliIO): Promise<BrokerTarget> {
  const useConfig = values.config !== undefined || values.url === undefined;
  if (!useConfig) {
    return { url: values.url!, clientOptions: {}, prefix: DEFAULT_TOPIC_PREFIX, agent: values.agent ?? '+', secrets: urlSecrets(values.url!) };
  }
  const path = configFileFor(values.config, io.cwd);
  const loaded = await loadConfig(path, { cwd: io.cwd, env: io.env });
  const { mqtt, agent } = loaded.config;
  const url = values.url ?? mqtt.url ?? embeddedBrokerUrl(mqtt.embeddedHost, mqtt.embeddedPort);
  // The embedded broker wants its operator login, from the file the agent created (readable by the agent's user).
  const login =
    values.url === undefined && mqtt.url === undefined
      ? readOperatorLogin(embeddedCredentialsPath(loaded))
      : { ...(mqtt.username === undefined ? {} : { username: mqtt.username }), ...(loaded.secrets.mqttPassword === undefined ? {} : { password: loaded.secrets.mqttPassword }) };
  return {
    url,
    clientOptions: tlsClientOptions(url, mqtt.tls, loaded.secrets.mqttTls),
    ...login,
    prefix: mqtt.topicPrefix,
    agent: values.agent ?? agent.id,
    secrets: [...secretValues(loaded), ...urlSecrets(url), ...(login.password === undefined ? [] : [login.password])],
  };
}

function urlSecrets(url: string): string[] {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === '' ? [] : [password];
  } catch {
    return [];
  }
}

/** Subscribes and prints until SIGINT/SIGTERM; reconnects after the broker goes away. */
async function tail(target: BrokerTarget, filter: TailFilter, json: boolean, io: CliIO): Promise<number> {
  const safeUrl = redactUrl(target.url);
  const base = target.prefix.replace(/\/+$/, '');
  // Only what tail prints, not `<agent>/#`: evidence topics carry raw JPEGs (mqtt.snapshot: topic) and
  // stats arrive every 30 s; an IOC ACL may also grant just these.
  const filters = [`${base}/${target.agent}/incidents/#`, `${base}/${target.agent}/cameras/+/state`, `${base}/${target.agent}/status`];
  const say = (text: string): void => void io.stderr.write(redactSecrets(`tail: ${text}\n`, target.secrets));

  let stopping = false;
  let client: MqttClient | undefined;
  let onStop: () => void = () => undefined;
  const stopped = new Promise<void>((done) => (onStop = done));
  const onSignal = (): void => {
    stopping = true;
    onStop();
  };
  // `camwatch tail | head -3` or `| grep -m1 …`: the reader went away, which is a normal way to stop
  // (exit 0), not a crash with a stack trace.
  const onStdoutError = (err: NodeJS.ErrnoException): void => {
    if (err.code !== 'EPIPE') io.stderr.write(`camwatch tail: cannot write the output: ${err.message}\n`);
    onSignal();
  };
  io.stdout.on('error', onStdoutError);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let first = true;
    while (!stopping) {
      try {
        ({ client } = await connectBroker({
          url: target.url,
          ...(target.username === undefined ? {} : { username: target.username }),
          ...(target.password === undefined ? {} : { password: target.password }),
          clientIdPrefix: 'cw-tail-',
          clientOptions: target.clientOptions,
        }));
      } catch (err) {
        // The first failure is a wrong address or password: say so and stop. Later ones are an outage.
        if (first) {
          io.stderr.write(`camwatch tail: ${redactSecrets(describeError(err), target.secrets)}\n`);
          return 1;
        }
        say(`${redactSecrets(describeError(err).split('\n')[0]!, target.secrets)}; retrying in ${DEFAULT_TAIL_RECONNECT_MS / 1000} s`);
        await delayUnlessStopped(DEFAULT_TAIL_RECONNECT_MS, stopped);
        continue;
      }
      const c = client;
      c.on('message', (topic, payload, packet) => {
        if (stopping) return;
        const msg = parseTailMessage(target.prefix, topic, payload);
        if (msg === undefined) return;
        if (msg.kind === 'invalid') {
          say(`${topic}: ${msg.reason}`);
          return;
        }
        if (!matchesFilter(msg, filter)) return;
        const line = json ? jsonLine(topic, packet.retain, msg) : formatTailLine(msg, { showAgent: target.agent === '+', retained: packet.retain, nowMs: Date.now() });
        io.stdout.write(`${line}\n`);
      });
      const closed = new Promise<void>((done) => c.once('close', () => done()));
      try {
        await c.subscribeAsync(filters, { qos: 0 });
      } catch (err) {
        await c.endAsync(true);
        io.stderr.write(`camwatch tail: the broker refused the subscription to ${filters.join(', ')}: ${(err as Error).message}\n  → The broker's ACL must let user ${target.username ?? '(anonymous)'} read these topics.\n`);
        return 1;
      }
      say(`${first ? 'watching' : 'watching again'} ${filters[0]!.replace(/incidents\/#$/, '…')} on ${safeUrl} (Ctrl-C to stop)`);
      first = false;
      await Promise.race([closed, stopped]);
      if (stopping) break;
      say(`connection to ${safeUrl} lost; reconnecting in ${DEFAULT_TAIL_RECONNECT_MS / 1000} s`);
      await delayUnlessStopped(DEFAULT_TAIL_RECONNECT_MS, stopped);
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.stdout.off('error', onStdoutError);
    await client?.endAsync(true).catch(() => undefined);
  }
}

/** Waits `ms`, or less when `stopped` resolves first; the timer is cleared so Ctrl-C exits at once. */
async function delayUnlessStopped(ms: number, stopped: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise<void>((done) => (timer = setTimeout(done, ms))), stopped]);
  clearTimeout(timer);
}
