import type { Duplex } from 'node:stream';
import { connect, type IClientOptions, type IConnackPacket, type IDisconnectPacket, type IPublishPacket, type MqttClient } from 'mqtt';
import type { MqttConfig } from '../config/schema.js';
import type { MqttTlsFiles } from '../config/secrets.js';
import type { SourceStateChange } from '../frames/index.js';
import { CamwatchError, describeError, type Logger, redactUrl } from '../core/index.js';
import type { Outbox, OutboxEntry, StoreUsage } from '../store/index.js';
import type { Uplink, UplinkStats } from './types.js';
import {
  DEFAULT_RECONNECT_JITTER,
  DEFAULT_RECONNECT_MAX_MS,
  DEFAULT_RECONNECT_MIN_MS,
  reconnectDelayMs,
  type BackoffOptions,
} from './backoff.js';
import { connectFailure, connectionLost, failureKey, shouldFallBackToV4 } from './broker-errors.js';
import { DrainWindow, type Lane } from './drain-window.js';
import { DEFAULT_HISTORICAL_AFTER_MS, incidentPayload, isHistorical, renderCameraStatePayload, renderStatusPayload } from './payload.js';
import { cloudEventPublishProperties } from './cloudevents.js';
import {
  cameraCountBinsTopic,
  cameraCountsTopic,
  cameraStateTopic,
  commandFilter,
  commandName,
  commandTopic,
  evidenceTopic,
  incidentTopic,
  statsTopic,
  statusTopic,
} from './topics.js';
import { COMMAND_ERROR_CODES, DEFAULT_COMMAND_LIMITS, displayName, errorResponse, runCommand, type CommandHandler, type CommandLimits, type CommandResponse } from './commands.js';
import { takeCommand, type Reply } from './command-intake.js';
import { PacketCapStream } from './packet-cap.js';
import type { DroppedPacket } from './packet-filter.js';
import { tlsClientOptions } from './tls.js';
import { statsPayload, storeWarnings, warningsKey, type AgentStatsInput } from './stats.js';
import type { NonceMemory } from './command-auth.js';

/** MQTT 5 first: reason codes on CONNACK/PUBACK make failures explainable. 3.1.1 if the broker refuses 5. */
export const DEFAULT_MQTT_PROTOCOL_VERSION = 5;
/** No CONNACK within this time (ms) fails the attempt: something that is not an MQTT broker is listening. */
export const DEFAULT_MQTT_CONNECT_TIMEOUT_MS = 10_000;
/** On stop(), how long (ms) to wait for PUBACKs of rows already in flight, so a clean shutdown sends no duplicate. */
export const DEFAULT_STOP_DRAIN_TIMEOUT_MS = 3_000;
/** On stop(), how long (ms) the retained `offline` status and the DISCONNECT may take. */
export const DEFAULT_STOP_DISCONNECT_TIMEOUT_MS = 2_000;
/**
 * While connected, the outbox is also checked this often (ms) without a notify(): rows queued by another
 * process (`camwatch incidents resend`) go out without a reload. One indexed query; nothing when idle.
 */
export const DEFAULT_OUTBOX_POLL_MS = 5_000;
/**
 * Largest packet accepted from the broker (bytes; mqtt.maxPacketBytes). Only commands come in, capped at
 * 64 KiB (mqtt.commands.maxBytes) plus topic and properties; 1 MiB leaves room to raise that cap without
 * touching this one, and bounds what MQTT.js buffers for one packet (it reads each whole before use).
 * What the agent sends (events with inline JPEGs of up to maxInlineSnapshotBytes, 256 KiB by default;
 * snapshot answers of up to 512 KiB base64-encoded) is bounded by those settings and the broker's own limit.
 */
export const DEFAULT_MQTT_MAX_PACKET_BYTES = 1024 * 1024;
/** Distinct topics whose ignored retained command or oversized packet is logged at warn; further ones at debug (bounded memory). */
const MAX_WARNED_TOPICS = 256;

export interface MqttUplinkOptions {
  /** `url` must be resolved (the embedded broker's URL when none is configured). */
  config: MqttConfig;
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
  backoff?: Partial<BackoffOptions>;
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
}

export interface MqttUplink extends Uplink {
  stats(): MqttUplinkStats;
  /**
   * Answers requests on `<prefix>/<agentId>/cmd/<name>` (see commands.ts). Register before start() or at
   * any time; the subscription covers every name, and unknown names get an error response.
   */
  onCommand(name: string, handler: CommandHandler): void;
}

/** One network connection attempt and, once CONNACKed, its drain window. */
interface Connection {
  client: MqttClient;
  protocolVersion: 4 | 5;
  window?: DrainWindow;
  /** When the broker accepted this connection (epoch ms): rows stored before it are replays. */
  connectedAtMs?: number;
  /** The outbox's last seq when the broker accepted this connection: rows above it are the live lane. */
  boundarySeq?: number;
  /** Last error MQTT.js emitted on this connection: explains the close that follows. */
  failure?: unknown;
  closed: boolean;
}

/** The client id the uplink connects with: mqtt.clientId, default `camwatch-<agentId>` (the embedded broker reserves it). */
export function uplinkClientId(config: Pick<MqttConfig, 'clientId'>, agentId: string): string {
  return config.clientId ?? `camwatch-${agentId}`;
}

/** Publishes the store's outbox to an MQTT broker, at least once and in order; see the module notes in mqtt-uplink. */
export function createMqttUplink(options: MqttUplinkOptions): MqttUplink {
  return new MqttOutboxUplink(options);
}

/**
 * Delivery rules:
 * - rows go out QoS 1, at most `maxInflight` awaiting PUBACK (capped by the broker's receive maximum):
 *   rows stored during this connection (live) first, in order; the backlog (stored before it, or queued by
 *   resend) oldest first, flagged historical, with a quarter of the window kept for it (see DrainWindow);
 * - a row is marked sent only in its PUBACK callback: a crash or disconnect before that leaves it unsent,
 *   and it is published again (same incident id) by the next connection or process;
 * - on disconnect the window is dropped with the client; the next connection starts again from the first
 *   unsent row. One MQTT.js client per connection (reconnectPeriod 0) so the library never replays its
 *   own in-flight copies on top of ours;
 * - reconnects back off exponentially; each distinct failure is logged once, repeats at debug.
 */
class MqttOutboxUplink implements MqttUplink {
  private readonly log: Logger;
  private readonly url: string;
  private readonly safeUrl: string;
  private readonly backoff: BackoffOptions;
  private protocolVersion: 4 | 5;
  private conn?: Connection;
  private started = false;
  private stopping = false;
  private stopPromise?: Promise<void>;
  private reconnectTimer?: NodeJS.Timeout;
  private pumpScheduled?: NodeJS.Immediate;
  private pollTimer?: NodeJS.Timeout;
  private failures = 0;
  private lastFailureKey?: string;
  private lastError?: string;
  private lastPublishFailureKey?: string;
  private published = 0;
  private connections = 0;
  private disconnectedAtMs?: number;
  private readonly cameraStates = new Map<string, SourceStateChange>();
  private readonly commands = new Map<string, CommandHandler>();
  private readonly nonces: NonceMemory = new Map();
  /** Topics already warned about (retained command, oversized packet): once each, not at every connect. */
  private readonly warnedTopics = new Set<string>();
  /** PUBACKed rows not yet marked sent: written together once per event-loop turn (see flushAcks). */
  private ackedSeqs: number[] = [];
  /** Rows published by the running pump, their attempt counted together when it ends. */
  private attemptSeqs: number[] = [];
  /** The agent's last stats, re-published with fresh store warnings when they change. */
  private lastStatsInput?: AgentStatsInput;
  private lastStatsUsage?: StoreUsage;
  private lastWarningsKey = '';

  constructor(private readonly options: MqttUplinkOptions) {
    this.log = options.logger.child({ component: 'uplink' });
    if (options.config.url === undefined || options.config.url.length === 0) {
      throw new CamwatchError('MQTT_UNREACHABLE', 'mqtt.url is not set and no embedded broker URL was given', {
        hint: 'Set mqtt.url, or leave it out so the agent starts its embedded broker.',
      });
    }
    this.url = options.config.url;
    this.safeUrl = redactUrl(this.url);
    this.backoff = {
      minMs: options.backoff?.minMs ?? DEFAULT_RECONNECT_MIN_MS,
      maxMs: options.backoff?.maxMs ?? DEFAULT_RECONNECT_MAX_MS,
      jitter: options.backoff?.jitter ?? DEFAULT_RECONNECT_JITTER,
    };
    const requested = options.clientOptions?.protocolVersion ?? DEFAULT_MQTT_PROTOCOL_VERSION;
    this.protocolVersion = requested === 5 ? 5 : 4;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.log.info({ url: this.safeUrl, clientId: this.clientId(), pending: this.options.store.pendingCount() }, 'uplink starting');
    // Does not wait for the broker: incidents are stored and drained whenever it answers.
    this.openConnection();
    this.pollTimer = setInterval(() => {
      this.pump();
      this.checkStoreWarnings();
    }, this.options.outboxPollMs ?? DEFAULT_OUTBOX_POLL_MS);
    this.pollTimer.unref();
  }

  notify(): void {
    this.schedulePump();
  }

  publishCameraState(change: SourceStateChange): void {
    // Retained state: only the latest per camera matters, so keep it and (re)send it on every connect.
    this.cameraStates.set(change.cameraId, change);
    const conn = this.conn;
    if (conn?.window !== undefined && !this.stopping) this.sendCameraState(conn, change);
  }

  publishTelemetry(item: { kind: 'stats'; payload: unknown } | { kind: 'counts'; cameraId: string; payload: unknown }): void {
    if (item.kind === 'stats') {
      this.publishStats((item.payload ?? {}) as AgentStatsInput);
      return;
    }
    const conn = this.conn;
    if (conn?.window === undefined || this.stopping) return;
    const topic = cameraCountsTopic(this.options.config.topicPrefix, this.options.agentId, item.cameraId);
    const body = JSON.stringify({ ...(item.payload as object), at: new Date().toISOString() });
    conn.client.publish(topic, body, { qos: 0, retain: true }, (err) => {
      if (err !== undefined && err !== null && !conn.closed) this.log.debug({ err, topic }, 'telemetry not accepted');
    });
  }

  publishStats(stats: AgentStatsInput): void {
    this.lastStatsInput = stats;
    const conn = this.conn;
    if (conn?.window === undefined || this.stopping) return;
    let usage: StoreUsage | undefined;
    try {
      usage = this.options.store.usage();
    } catch (err) {
      this.log.debug({ err }, 'store usage unavailable for stats');
    }
    const own = this.stats();
    const payload = statsPayload(stats, {
      agentId: this.options.agentId,
      nowMs: Date.now(),
      uplink: { connected: own.connected, published: own.published, backlog: own.pending, inflight: own.inflight },
      ...(usage === undefined ? {} : { store: usage }),
      ...(this.lastStatsUsage === undefined ? {} : { previousStore: this.lastStatsUsage }),
    });
    if (usage !== undefined) this.lastStatsUsage = usage;
    this.lastWarningsKey = warningsKey(payload.warnings);
    const topic = statsTopic(this.options.config.topicPrefix, this.options.agentId);
    // QoS 1 (unlike counts): the warnings ride on it.
    conn.client.publish(topic, JSON.stringify(payload), { qos: 1, retain: true }, (err) => {
      if (err !== undefined && err !== null && !conn.closed) this.log.debug({ err, topic }, 'stats not accepted');
    });
  }

  /** On the outbox poll: a store warning that appeared or cleared is published now, not at the next stats interval. */
  private checkStoreWarnings(): void {
    if (this.lastStatsInput === undefined || this.conn?.window === undefined) return;
    let usage: StoreUsage;
    try {
      usage = this.options.store.usage();
    } catch {
      return;
    }
    if (warningsKey(storeWarnings(usage, this.lastStatsUsage)) !== this.lastWarningsKey) this.publishStats(this.lastStatsInput);
  }

  stats(): MqttUplinkStats {
    const stats: MqttUplinkStats = {
      connected: this.conn?.window !== undefined,
      published: this.published,
      pending: this.options.store.pendingCount(),
      inflight: this.conn?.window?.inflightCount() ?? 0,
      protocolVersion: this.protocolVersion,
      connections: this.connections,
    };
    if (this.lastError !== undefined) stats.lastError = this.lastError;
    return stats;
  }

  onCommand(name: string, handler: CommandHandler): void {
    commandTopic(this.options.config.topicPrefix, this.options.agentId, name); // throws on a name that is not a topic level
    this.commands.set(name, handler);
  }

  stop(): Promise<void> {
    this.stopPromise ??= this.shutdown();
    return this.stopPromise;
  }

  // ---- connection lifecycle ------------------------------------------------------------------------

  private clientId(): string {
    return uplinkClientId(this.options.config, this.options.agentId);
  }

  private statusTopic(): string {
    return statusTopic(this.options.config.topicPrefix, this.options.agentId);
  }

  private openConnection(): void {
    const { config, clientOptions, password } = this.options;
    const protocolVersion = this.protocolVersion;
    const maxPacketBytes = this.maxPacketBytes();
    const opts: IClientOptions = {
      clientId: this.clientId(),
      keepalive: config.keepaliveSeconds,
      connectTimeout: DEFAULT_MQTT_CONNECT_TIMEOUT_MS,
      // The outbox is the session: nothing to resume on the broker side.
      clean: true,
      will: {
        topic: this.statusTopic(),
        payload: renderStatusPayload({ state: 'offline', agentId: this.options.agentId, reason: 'connection-lost' }),
        qos: 1,
        retain: true,
      },
      ...(config.username === undefined ? {} : { username: config.username }),
      ...(password === undefined ? {} : { password }),
      ...tlsClientOptions(this.url, config.tls, this.options.tlsFiles),
      ...clientOptions,
      // MQTT 5: the broker must not send the agent anything larger (it drops such a message for this client).
      ...(protocolVersion === 5 ? { properties: { ...clientOptions?.properties, maximumPacketSize: maxPacketBytes } } : {}),
      protocolVersion,
      reconnectPeriod: 0,
      manualConnect: true,
    };
    const client = connect(this.url, opts);
    const conn: Connection = { client, protocolVersion, closed: false };
    this.conn = conn;
    // Over 3.1.1 nothing stops a broker from sending a 256 MB packet, and MQTT.js would read it whole:
    // the transport it reads from drops oversized packets as they stream by (packet-cap.ts).
    const internals = client as unknown as { streamBuilder: (c: MqttClient) => Duplex };
    const buildStream = internals.streamBuilder;
    internals.streamBuilder = (c) => new PacketCapStream(buildStream(c), maxPacketBytes, (packet) => this.onOversizedPacket(conn, packet));
    client.on('connect', (connack) => this.onConnect(conn, connack));
    client.on('error', (err) => {
      conn.failure = err;
    });
    client.on('disconnect', (packet) => this.onBrokerDisconnect(conn, packet));
    client.on('message', (topic, payload, packet) => this.onMessage(conn, topic, payload, packet));
    client.on('close', () => this.onClose(conn));
    client.connect();
  }

  private maxPacketBytes(): number {
    return this.options.config.maxPacketBytes ?? DEFAULT_MQTT_MAX_PACKET_BYTES;
  }

  private commandLimits(): CommandLimits {
    return { ...DEFAULT_COMMAND_LIMITS, ...this.options.config.commands };
  }

  private onConnect(conn: Connection, connack: IConnackPacket): void {
    if (conn !== this.conn || this.stopping) return;
    const brokerMax = connack.properties?.receiveMaximum;
    const limit = Math.min(this.options.config.maxInflight, brokerMax ?? Number.POSITIVE_INFINITY);
    conn.window = new DrainWindow(limit);
    conn.connectedAtMs = Date.now();
    conn.boundarySeq = this.options.store.lastSeq();
    conn.failure = undefined;
    this.connections += 1;
    const outageMs = this.disconnectedAtMs === undefined ? undefined : Date.now() - this.disconnectedAtMs;
    this.log.info(
      {
        url: this.safeUrl,
        protocolVersion: conn.protocolVersion,
        maxInflight: limit,
        pending: this.options.store.pendingCount(),
        ...(outageMs === undefined ? {} : { outageMs, failedAttempts: this.failures }),
      },
      'connected to broker',
    );
    this.failures = 0;
    this.lastFailureKey = undefined;
    this.lastError = undefined;
    this.disconnectedAtMs = undefined;

    conn.client.publish(
      this.statusTopic(),
      renderStatusPayload({ state: 'online', agentId: this.options.agentId, at: new Date().toISOString() }),
      { qos: 1, retain: true },
      (err) => {
        if (err !== undefined && err !== null && !conn.closed) this.log.warn({ err }, 'online status not accepted by broker');
      },
    );
    for (const change of this.cameraStates.values()) this.sendCameraState(conn, change);
    // MQTT 5: nl, so the empty retained message that clears a retained command does not come back to the
    // agent; rap, so a command published retained is seen as such even live (and ignored, then cleared).
    conn.client.subscribe(commandFilter(this.options.config.topicPrefix, this.options.agentId), { qos: 1, nl: true, rap: true }, (err) => {
      if (err !== undefined && err !== null && !conn.closed) this.log.warn({ err }, 'cannot subscribe to command topics; commands are unavailable');
    });
    this.pump();
  }

  /** One command message: decided by takeCommand, run isolated, answered; nothing here may throw or reject. */
  private onMessage(conn: Connection, topic: string, payload: Buffer, packet: IPublishPacket): void {
    try {
      const name = commandName(this.options.config.topicPrefix, this.options.agentId, topic);
      if (name === undefined || conn.closed) return;
      const intake = takeCommand(
        { name, payload, retain: packet.retain, ...(packet.properties === undefined ? {} : { properties: packet.properties }) },
        {
          prefix: this.options.config.topicPrefix,
          agentId: this.options.agentId,
          limits: this.commandLimits(),
          ...(this.options.commandSecret === undefined ? {} : { secret: this.options.commandSecret }),
          nowMs: Date.now(),
          nonces: this.nonces,
        },
      );
      const command = displayName(name);
      if (intake.kind === 'ignore') {
        if (intake.reason === 'retained') this.ignoreRetainedCommand(conn, topic, `retained command "${command}" ignored: a retained command would run again at every connect; clearing it`);
        else this.log.debug({ command }, 'empty message on a command topic ignored (it clears a retained message; a command is at least {})');
        return;
      }
      if (intake.kind === 'refuse') {
        // Fields named, values not: the body may hold a forged or captured sig; the secret is never in it.
        this.log.warn({ code: intake.response.error.code, command, ...(intake.reply === undefined ? {} : { replyTo: intake.reply.topic }) }, intake.response.error.message);
        this.sendResponse(conn, command, intake.reply, intake.response);
        return;
      }
      const { request, reply } = intake;
      runCommand(this.commands, name, request)
        .catch((err: unknown) => errorResponse(request.transaction, COMMAND_ERROR_CODES.COMMAND_FAILED, `${command} failed: ${err instanceof Error ? err.message : 'unknown error'}`))
        .then((response) => {
          this.log.info({ command, status: response.status, ...(response.error === undefined ? {} : { code: response.error.code }) }, 'command handled');
          this.sendResponse(conn, command, reply, response);
        })
        .catch((err: unknown) => this.log.error({ err, command }, 'command answer failed'));
    } catch (err) {
      // Last line of defence: a bug in intake or logging must cost one command, never the process.
      this.log.error({ err, topic: topic.slice(0, 200) }, 'command message could not be handled');
    }
  }

  /** Publishes an answer on its reply topic (QoS 1, correlation data echoed over MQTT 5); never throws. */
  private sendResponse(conn: Connection, command: string, reply: Reply | undefined, response: CommandResponse): void {
    if (reply === undefined || conn.closed) return;
    let text: string;
    try {
      text = JSON.stringify(response);
    } catch (err) {
      // A handler result JSON cannot carry (a BigInt, a cycle): answered, not thrown.
      text = JSON.stringify(errorResponse(undefined, COMMAND_ERROR_CODES.COMMAND_FAILED, `${command}: the result cannot be sent as JSON (${err instanceof Error ? err.message : 'unknown error'})`));
    }
    const opts = {
      qos: 1 as const,
      ...(reply.correlationData !== undefined && conn.protocolVersion === 5 ? { properties: { correlationData: reply.correlationData } } : {}),
    };
    conn.client.publish(reply.topic, text, opts, (err) => {
      if (err !== undefined && err !== null && !conn.closed) this.log.warn({ err, command, replyTo: reply.topic }, 'command response not accepted');
    });
  }

  /**
   * A retained message on a command topic is never run, and is cleared (an empty retained message on its
   * topic; the box's ACL lets it write its own tree). If the broker refuses the clear, it stays ignored.
   */
  private ignoreRetainedCommand(conn: Connection, topic: string, message: string): void {
    this.warnOnce(topic, { topic: topic.slice(0, 200) }, message);
    if (conn.closed) return;
    conn.client.publish(topic, '', { qos: 1, retain: true }, (err) => {
      if (err !== undefined && err !== null && !conn.closed) this.log.debug({ err, topic: topic.slice(0, 200) }, 'retained command not cleared (broker refused); it stays ignored');
    });
  }

  /** Called by the packet cap for each packet over mqtt.maxPacketBytes it skipped (the connection stays up). */
  private onOversizedPacket(conn: Connection, packet: DroppedPacket): void {
    try {
      const topic = packet.topic ?? '(unknown topic)';
      const name = packet.topic === undefined ? undefined : commandName(this.options.config.topicPrefix, this.options.agentId, packet.topic);
      const text = `packet of ${packet.bytes} bytes on ${JSON.stringify(topic.slice(0, 200))} skipped unread: over mqtt.maxPacketBytes (${this.maxPacketBytes()})`;
      if (name !== undefined && packet.retain === true) this.ignoreRetainedCommand(conn, packet.topic!, `${text}; it is a retained command: clearing it`);
      else this.warnOnce(topic, { bytes: packet.bytes, topic: topic.slice(0, 200) }, text);
    } catch (err) {
      this.log.error({ err }, 'oversized packet report failed');
    }
  }

  private warnOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.warnedTopics.has(key) || this.warnedTopics.size >= MAX_WARNED_TOPICS) {
      this.log.debug(fields, message);
      return;
    }
    this.warnedTopics.add(key);
    this.log.warn(fields, message);
  }

  private onBrokerDisconnect(conn: Connection, packet: IDisconnectPacket): void {
    const code = packet.reasonCode ?? 0;
    conn.failure = new CamwatchError('MQTT_UNREACHABLE', `connection to broker ${this.safeUrl} lost: it sent DISCONNECT, ${disconnectReason(code)}`, {
      details: { url: this.safeUrl, reason: code },
    });
  }

  private onClose(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    this.flushAcks(); // acks that arrived before the close are real: keep them
    // Discard the client; its listeners stay (they check conn.closed / this.conn), including the
    // error listener, so a late emit on a dead client cannot become an uncaught 'error'.
    conn.client.end(true);
    if (conn !== this.conn) return;
    this.conn = undefined;
    if (this.stopping) return;

    const wasConnected = conn.window !== undefined;
    if (wasConnected) {
      this.disconnectedAtMs = Date.now();
      const failure = connectionLost(conn.failure, this.safeUrl);
      this.log.warn(
        { code: failure.code, inflight: conn.window?.inflightCount(), pending: this.options.store.pendingCount() },
        `${failure.message}; unacknowledged incidents stay queued and are resent`,
      );
      this.lastError = failure.message;
      this.failures = 1;
      this.scheduleReconnect(reconnectDelayMs(this.failures, this.backoff));
      return;
    }

    this.disconnectedAtMs ??= Date.now();
    if (shouldFallBackToV4(conn.protocolVersion, conn.failure)) {
      this.protocolVersion = 4;
      this.log.info({ url: this.safeUrl }, 'broker does not speak MQTT 5: using MQTT 3.1.1');
      this.scheduleReconnect(0);
      return;
    }
    this.failures += 1;
    this.reportFailure(connectFailure(conn.failure, this.safeUrl, conn.protocolVersion));
    this.scheduleReconnect(reconnectDelayMs(this.failures, this.backoff));
  }

  /** Logs a failure the first time it appears (or changes), not on every retry: hours of outage are one line. */
  private reportFailure(err: CamwatchError): void {
    this.lastError = err.message;
    const key = failureKey(err);
    const fields = { code: err.code, hint: err.hint, attempt: this.failures, ...err.details };
    if (key === this.lastFailureKey) {
      this.log.debug(fields, err.message);
      return;
    }
    this.lastFailureKey = key;
    const text = `${describeError(err)}\n  (retrying with backoff; incidents are kept until the broker acknowledges them)`;
    if (err.code === 'MQTT_UNREACHABLE') this.log.warn(fields, text);
    else this.log.error(fields, text);
  }

  private scheduleReconnect(delayMs: number): void {
    if (this.stopping) return;
    clearTimeout(this.reconnectTimer);
    this.log.debug({ delayMs, attempt: this.failures + 1 }, 'reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopping) this.openConnection();
    }, delayMs);
  }

  // ---- drain loop ----------------------------------------------------------------------------------

  private schedulePump(): void {
    if (this.pumpScheduled !== undefined || this.stopping || !this.started) return;
    this.pumpScheduled = setImmediate(() => {
      this.pumpScheduled = undefined;
      this.pump();
    });
  }

  /**
   * Fills the window: live rows first (they overtake the backlog), then the backlog oldest first, with the
   * share DrainWindow keeps for it. Synchronous: the store is synchronous and MQTT.js buffers writes.
   */
  private pump(): void {
    this.flushAcks();
    const conn = this.conn;
    const window = conn?.window;
    if (conn === undefined || window === undefined || conn.closed || this.stopping) return;
    const { store } = this.options;
    const boundary = conn.boundarySeq ?? 0;
    try {
      while (window.room() > 0) {
        // History candidates first, only to know whether the backlog is waiting; published after the live rows.
        const history = store.pendingIn('history', boundary, window.nextAfter('history'), window.room());
        const liveRoom = window.liveRoom(history.length > 0);
        const live = liveRoom > 0 ? store.pendingIn('live', boundary, window.nextAfter('live'), liveRoom) : [];
        for (const row of live) this.publishRow(conn, window, row, 'live');
        // Rows that no longer fit are fetched again by a later pump (the cursor did not pass them).
        for (const row of history.slice(0, window.room())) this.publishRow(conn, window, row, 'history');
        if (live.length === 0 && history.length === 0) return;
      }
    } catch (err) {
      this.log.error({ err }, 'outbox drain failed; retrying on the next notify or acknowledgement');
    } finally {
      this.flushAttempts();
    }
  }

  /** Marks the PUBACKed rows sent, in one transaction. A failure leaves them unsent: published again later. */
  private flushAcks(): void {
    if (this.ackedSeqs.length === 0) return;
    const seqs = this.ackedSeqs;
    this.ackedSeqs = [];
    try {
      this.options.store.markSentMany(seqs);
    } catch (err) {
      this.log.error({ err, rows: seqs.length }, 'cannot mark outbox rows sent; they will be published again');
    }
  }

  private flushAttempts(): void {
    if (this.attemptSeqs.length === 0) return;
    const seqs = this.attemptSeqs;
    this.attemptSeqs = [];
    try {
      this.options.store.markAttemptMany(seqs);
    } catch (err) {
      this.log.debug({ err }, 'cannot count publish attempts');
    }
  }

  private publishRow(conn: Connection, window: DrainWindow, row: OutboxEntry, lane: Lane): void {
    const { store, config, agentId } = this.options;
    if (row.kind === 'counts') return this.publishCountBin(conn, window, row, lane);
    // The row's own event, not the incident's latest state: an unsent `new` must go out as `new`.
    const record = store.event(row.seq);
    let topic: string;
    try {
      if (record === undefined) throw new Error(`incident ${row.incidentId} of outbox row ${row.seq} is not in the store`);
      topic = incidentTopic(config.topicPrefix, agentId, record.incident.category, record.incident.type);
      // Flood-control summaries one level down: `incidents/+/+` subscribers see only new/update/end.
      if (record.incident.status === 'summary') topic = `${topic}/summary`;
    } catch (err) {
      // Skipped on this connection only (the row stays unsent): one bad row must not stall the rest.
      window.sent(row.seq, lane);
      window.acked(row.seq);
      this.log.error({ err, seq: row.seq, incidentId: row.incidentId }, 'outbox row cannot be published; skipped');
      return;
    }
    const nowMs = Date.now();
    const historicalAfterMs = (config.historicalAfterSeconds ?? DEFAULT_HISTORICAL_AFTER_MS / 1000) * 1000;
    const historical = lane === 'history' || isHistorical(row, conn.connectedAtMs ?? nowMs, { nowMs, historicalAfterMs });
    const jpeg = record!.snapshotJpeg;
    const evidence = config.snapshot === 'topic' && jpeg !== undefined ? evidenceTopic(config.topicPrefix, agentId, record!.incident.id, record!.incident.sequence ?? 1) : undefined;
    const body = incidentPayload(record!, config.snapshot, { historical, evidenceTopic: evidence, maxInlineBytes: config.maxInlineSnapshotBytes });
    const payload = Buffer.from(JSON.stringify(body), 'utf8');
    // MQTT 5: CloudEvents attributes as properties (binary content mode); the payload is the same either way.
    const publishOptions = conn.protocolVersion === 5 && config.cloudEvents !== false ? { qos: 1 as const, properties: cloudEventPublishProperties(body) } : { qos: 1 as const };
    this.attemptSeqs.push(row.seq);
    window.sent(row.seq, lane);
    const publishEvent = () => conn.client.publish(topic, payload, publishOptions, (err) => this.onPublishDone(conn, window, row, err));
    if (evidence === undefined) return void publishEvent();
    // Evidence first: when the IOC sees the event, the picture it names is already at the broker. The row
    // counts as sent only after both PUBACKs.
    conn.client.publish(evidence, jpeg!, { qos: 1 }, (err) => (err ? this.onPublishDone(conn, window, row, err) : publishEvent()));
  }

  /**
   * A count bin (outbox row of kind `counts`): its stored payload as is, so a resend is byte-identical and
   * the IOC de-duplicates on the bin id. Same window, acks and ordering as incidents.
   */
  private publishCountBin(conn: Connection, window: DrainWindow, row: OutboxEntry, lane: Lane): void {
    const { store, config, agentId } = this.options;
    const bin = store.counts?.event(row.seq);
    let topic: string;
    try {
      if (bin === undefined) throw new Error(`count bin ${row.incidentId} of outbox row ${row.seq} is not in the store`);
      topic = cameraCountBinsTopic(config.topicPrefix, agentId, bin.cameraId);
    } catch (err) {
      window.sent(row.seq, lane);
      window.acked(row.seq);
      this.log.error({ err, seq: row.seq, binId: row.incidentId }, 'outbox row cannot be published; skipped');
      return;
    }
    this.attemptSeqs.push(row.seq);
    window.sent(row.seq, lane);
    conn.client.publish(topic, JSON.stringify(bin), { qos: 1 }, (err) => this.onPublishDone(conn, window, row, err));
  }

  private onPublishDone(conn: Connection, window: DrainWindow, row: OutboxEntry, err: Error | undefined): void {
    window.acked(row.seq);
    if (err === undefined || err === null) {
      // The PUBACK arrived: the broker owns the message now. Only now may the row become sent (written by
      // the next pump, with the other acks of this turn).
      this.ackedSeqs.push(row.seq);
      this.published += 1;
      this.schedulePump();
      return;
    }
    if (conn.closed || conn !== this.conn) return; // connection gone: the next one resends from the store
    // A PUBACK with an error reason (MQTT 5: not authorized, quota exceeded...). The row stays unsent and
    // is retried by the next connection; the rest keeps flowing.
    const key = `${(err as { code?: unknown }).code ?? err.message}`;
    if (key !== this.lastPublishFailureKey) {
      this.lastPublishFailureKey = key;
      this.log.warn({ err, seq: row.seq, incidentId: row.incidentId }, 'broker rejected an incident; kept for retry after reconnect');
    }
    this.schedulePump();
  }

  private sendCameraState(conn: Connection, change: SourceStateChange): void {
    const topic = cameraStateTopic(this.options.config.topicPrefix, this.options.agentId, change.cameraId);
    conn.client.publish(topic, renderCameraStatePayload(change), { qos: 1, retain: true }, (err) => {
      if (err !== undefined && err !== null && !conn.closed) this.log.debug({ err, cameraId: change.cameraId }, 'camera state not accepted');
    });
  }

  // ---- shutdown ------------------------------------------------------------------------------------

  private async shutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pollTimer);
    if (this.pumpScheduled !== undefined) clearImmediate(this.pumpScheduled);
    const conn = this.conn;
    if (conn === undefined) {
      this.flushAcks();
      this.log.info('uplink stopped');
      return;
    }
    if (conn.window !== undefined && !conn.closed) {
      const window = conn.window;
      await until(() => window.inflightCount() === 0 || conn.closed, DEFAULT_STOP_DRAIN_TIMEOUT_MS);
      if (!conn.closed) {
        const offline = renderStatusPayload({ state: 'offline', agentId: this.options.agentId, at: new Date().toISOString(), reason: 'shutdown' });
        await withTimeout(conn.client.publishAsync(this.statusTopic(), offline, { qos: 1, retain: true }), DEFAULT_STOP_DISCONNECT_TIMEOUT_MS);
        await withTimeout(conn.client.endAsync(false), DEFAULT_STOP_DISCONNECT_TIMEOUT_MS);
      }
    }
    conn.closed = true;
    conn.client.end(true);
    this.conn = undefined;
    this.flushAcks();
    this.log.info({ published: this.published, pending: this.options.store.pendingCount() }, 'uplink stopped');
  }
}

/** MQTT 5 DISCONNECT reason codes a broker sends (§3.14.2.1), for the log line. */
function disconnectReason(code: number): string {
  const known: Record<number, string> = {
    0: 'normal disconnection',
    137: 'server busy',
    139: 'server shutting down',
    141: 'keep alive timeout',
    142: 'session taken over (another client connected with the same mqtt.clientId)',
    151: 'quota exceeded',
    152: 'administrative action',
    156: 'use another server',
    157: 'server moved',
  };
  return `${known[code] ?? 'reason code'} (${code})`;
}

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

async function withTimeout(p: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    p.catch(() => undefined),
    new Promise((r) => {
      timer = setTimeout(r, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}
