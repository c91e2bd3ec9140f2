import type { IClientOptions } from 'mqtt';
import type { Logger } from '../core/index.js';
import type { SourceStateChange } from '../frames/index.js';
import type { Outbox } from '../store/index.js';
import type { ReconnectDelays } from './backoff.js';
import { CommandServer } from './command-server.js';
import type { CommandHandler } from './commands.js';
import type { MqttOptions, MqttTlsFiles } from './options.js';
import { DEFAULT_STOP_DRAIN_TIMEOUT_MS, OutboxDrain } from './outbox-drain.js';
import { BrokerSession, DEFAULT_MQTT_MAX_PACKET_BYTES, type BrokerLink } from './session.js';
import type { AgentStatsInput } from './stats.js';
import { TelemetryPublisher } from './telemetry.js';
import type { Uplink, UplinkStats } from './types.js';

/**
 * While connected, the outbox is also checked this often (ms) without a notify(): rows queued by another
 * process (`camwatch incidents resend`) go out without a reload. One indexed query; nothing when idle.
 */
export const DEFAULT_OUTBOX_POLL_MS = 5_000;

export interface MqttUplinkOptions {
  /** `url` must be resolved (the embedded broker's URL when none is configured). */
  config: MqttOptions;
  agentId: string;
  store: Outbox;
  /** Broker password, already read from password / passwordFile / passwordEnv. */
  password?: string;
  logger: Logger;
  /** Contents of the mqtt.tls files (LoadedConfig.secrets.mqttTls); used for mqtts:// and wss:// URLs. */
  tlsFiles?: MqttTlsFiles;
  /** Shared secret commands must be signed with (LoadedConfig.secrets.commandSecret); absent: unsigned accepted. */
  commandSecret?: string;
  /** Extra MQTT.js options (protocolVersion...). Reconnection stays with the uplink. */
  clientOptions?: Partial<IClientOptions>;
  /** Reconnect delays; tests shorten them. */
  backoff?: ReconnectDelays;
  /** Overrides DEFAULT_OUTBOX_POLL_MS (tests). */
  outboxPollMs?: number;
}

export interface MqttUplinkStats extends UplinkStats {
  /** Rows published on this connection and not yet acknowledged. */
  inflight: number;
  /** MQTT version in use (4 after falling back from 5). */
  protocolVersion: 4 | 5;
  /** Successful connections since start (1 + reconnects). */
  connections: number;
  /** The broker acknowledged the command subscription on the current connection: commands sent now are answered. */
  commandsSubscribed: boolean;
}

export interface MqttUplink extends Uplink {
  stats(): MqttUplinkStats;
  /**
   * Answers requests on `<prefix>/<agentId>/cmd/<name>` (see commands.ts). Register before start() or at
   * any time; the subscription covers every name, and unknown names get an error response.
   */
  onCommand(name: string, handler: CommandHandler): void;
}

/** Publishes the store's outbox to an MQTT broker, at least once and in order; see OutboxDrain and BrokerSession. */
export function createMqttUplink(options: MqttUplinkOptions): MqttUplink {
  return new MqttOutboxUplink(options);
}

/**
 * The uplink as the agent sees it, composed of four parts over one broker link: the session (connection,
 * MQTT 5 → 3.1.1 fallback, backoff, packet cap, online/offline status), the outbox drain, the command
 * server and the telemetry publisher. It only wires them and sequences start and stop.
 */
class MqttOutboxUplink implements MqttUplink {
  private readonly log: Logger;
  private readonly session: BrokerSession;
  private readonly drain: OutboxDrain;
  private readonly commands: CommandServer;
  private readonly telemetry: TelemetryPublisher;
  private started = false;
  private stopping = false;
  private stopPromise?: Promise<void>;
  private pollTimer?: NodeJS.Timeout;

  constructor(private readonly options: MqttUplinkOptions) {
    const { config, agentId, store } = options;
    this.log = options.logger.child({ component: 'uplink' });
    this.session = new BrokerSession({
      config,
      agentId,
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.tlsFiles === undefined ? {} : { tlsFiles: options.tlsFiles }),
      ...(options.clientOptions === undefined ? {} : { clientOptions: options.clientOptions }),
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      logger: this.log,
      hooks: {
        onUp: (link, accepted) => {
          this.telemetry.connected(link);
          this.commands.subscribe(link);
          this.drain.attach(link, accepted);
        },
        onDown: () => this.drain.detach(),
        onMessage: (link, topic, payload, packet) => this.commands.onMessage(link, topic, payload, packet),
        onOversizedPacket: (link, packet) => this.commands.onOversizedPacket(link, packet),
        pendingCount: () => store.pendingCount(),
        inflightCount: () => this.drain.inflightCount(),
      },
    });
    this.drain = new OutboxDrain({ config, agentId, store, logger: this.log });
    this.commands = new CommandServer({
      config,
      agentId,
      ...(options.commandSecret === undefined ? {} : { commandSecret: options.commandSecret }),
      maxPacketBytes: config.maxPacketBytes ?? DEFAULT_MQTT_MAX_PACKET_BYTES,
      logger: this.log,
    });
    this.telemetry = new TelemetryPublisher({
      config,
      agentId,
      store,
      link: () => this.activeLink(),
      uplinkFigures: () => {
        const own = this.stats();
        return { connected: own.connected, published: own.published, backlog: own.pending, inflight: own.inflight };
      },
      logger: this.log,
    });
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.log.info({ url: this.session.safeUrl, clientId: this.session.clientId(), pending: this.options.store.pendingCount() }, 'uplink starting');
    // Does not wait for the broker: incidents are stored and drained whenever it answers.
    this.session.start();
    this.pollTimer = setInterval(() => {
      this.drain.pump();
      this.telemetry.checkStoreWarnings();
    }, this.options.outboxPollMs ?? DEFAULT_OUTBOX_POLL_MS);
    this.pollTimer.unref();
  }

  notify(): void {
    if (this.started) this.drain.notify();
  }

  publishCameraState(change: SourceStateChange): void {
    this.telemetry.publishCameraState(change);
  }

  publishTelemetry(item: Parameters<Uplink['publishTelemetry']>[0]): void {
    if (item.kind === 'stats') this.telemetry.publishStats(item.payload);
    else this.telemetry.publishCounts(item.cameraId, item.payload);
  }

  publishStats(stats: AgentStatsInput): void {
    this.telemetry.publishStats(stats);
  }

  stats(): MqttUplinkStats {
    const up = this.session.current() !== undefined;
    const stats: MqttUplinkStats = {
      connected: up,
      published: this.drain.published(),
      pending: this.options.store.pendingCount(),
      inflight: up ? this.drain.inflightCount() : 0,
      protocolVersion: this.session.protocolVersion(),
      connections: this.session.connections(),
      commandsSubscribed: this.commands.subscribedOn(this.session.current()),
    };
    const lastError = this.session.lastError();
    if (lastError !== undefined) stats.lastError = lastError;
    return stats;
  }

  onCommand(name: string, handler: CommandHandler): void {
    this.commands.onCommand(name, handler);
  }

  stop(): Promise<void> {
    this.stopPromise ??= this.shutdown();
    return this.stopPromise;
  }

  /** The link telemetry may publish on: up and not stopping. */
  private activeLink(): BrokerLink | undefined {
    return this.stopping ? undefined : this.session.current();
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.pollTimer);
    this.drain.stop();
    const wasOpen = await this.session.stop((link) => this.drain.settle(link, DEFAULT_STOP_DRAIN_TIMEOUT_MS));
    this.drain.flushAcks();
    if (wasOpen) this.log.info({ published: this.drain.published(), pending: this.options.store.pendingCount() }, 'uplink stopped');
    else this.log.info('uplink stopped');
  }
}
