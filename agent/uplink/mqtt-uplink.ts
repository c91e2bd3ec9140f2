import { connect, type IClientOptions, type IConnackPacket, type IDisconnectPacket, type MqttClient } from 'mqtt';
import type { MqttConfig } from '../config/schema.js';
import type { MqttTlsFiles } from '../config/secrets.js';
import type { SourceStateChange } from '../frames/types.js';
import { CamwatchError, describeError } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import { redactUrl } from '../ops/redact.js';
import type { IncidentStore, OutboxEntry } from '../store/types.js';
import type { Uplink, UplinkStats } from './types.js';
import {
  DEFAULT_RECONNECT_JITTER,
  DEFAULT_RECONNECT_MAX_MS,
  DEFAULT_RECONNECT_MIN_MS,
  reconnectDelayMs,
  type BackoffOptions,
} from './backoff.js';
import { connectFailure, connectionLost, failureKey, shouldFallBackToV4 } from './broker-errors.js';
import { DrainWindow } from './drain-window.js';
import { isHistorical, renderCameraStatePayload, renderIncidentPayload, renderStatusPayload } from './payload.js';
import {
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
import { parseCommandRequest, runCommand, type CommandHandler, type CommandRequest, type CommandResponse } from './commands.js';
import { tlsClientOptions } from './tls.js';
import { commandRejected, forgetExpiredNonces, rememberNonce, verifyCommand, type NonceMemory } from './command-auth.js';

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

export interface MqttUplinkOptions {
  /** `url` must be resolved (the embedded broker's URL when none is configured). */
  config: MqttConfig;
  agentId: string;
  store: IncidentStore;
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
  /** Last error MQTT.js emitted on this connection: explains the close that follows. */
  failure?: unknown;
  closed: boolean;
}

/** Publishes the store's outbox to an MQTT broker, at least once and in order; see the module notes in mqtt-uplink. */
export function createMqttUplink(options: MqttUplinkOptions): MqttUplink {
  return new MqttOutboxUplink(options);
}

/**
 * Delivery rules:
 * - rows go out oldest first, QoS 1, at most `maxInflight` awaiting PUBACK (capped by the broker's
 *   receive maximum);
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
    this.pollTimer = setInterval(() => this.pump(), this.options.outboxPollMs ?? DEFAULT_OUTBOX_POLL_MS);
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
    const conn = this.conn;
    if (conn?.window === undefined || this.stopping) return;
    const { topicPrefix } = this.options.config;
    const topic = item.kind === 'stats' ? statsTopic(topicPrefix, this.options.agentId) : cameraCountsTopic(topicPrefix, this.options.agentId, item.cameraId);
    const body = JSON.stringify({ ...(item.payload as object), at: new Date().toISOString() });
    conn.client.publish(topic, body, { qos: 0, retain: true }, (err) => {
      if (err !== undefined && err !== null && !conn.closed) this.log.debug({ err, topic }, 'telemetry not accepted');
    });
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
    return this.options.config.clientId ?? `camwatch-${this.options.agentId}`;
  }

  private statusTopic(): string {
    return statusTopic(this.options.config.topicPrefix, this.options.agentId);
  }

  private openConnection(): void {
    const { config, clientOptions, password } = this.options;
    const protocolVersion = this.protocolVersion;
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
      protocolVersion,
      reconnectPeriod: 0,
    };
    const client = connect(this.url, opts);
    const conn: Connection = { client, protocolVersion, closed: false };
    this.conn = conn;
    client.on('connect', (connack) => this.onConnect(conn, connack));
    client.on('error', (err) => {
      conn.failure = err;
    });
    client.on('disconnect', (packet) => this.onBrokerDisconnect(conn, packet));
    client.on('message', (topic, payload, packet) => this.onMessage(conn, topic, payload, packet.properties));
    client.on('close', () => this.onClose(conn));
  }

  private onConnect(conn: Connection, connack: IConnackPacket): void {
    if (conn !== this.conn || this.stopping) return;
    const brokerMax = connack.properties?.receiveMaximum;
    const limit = Math.min(this.options.config.maxInflight, brokerMax ?? Number.POSITIVE_INFINITY);
    conn.window = new DrainWindow(limit);
    conn.connectedAtMs = Date.now();
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
    conn.client.subscribe(commandFilter(this.options.config.topicPrefix, this.options.agentId), { qos: 1 }, (err) => {
      if (err !== undefined && err !== null && !conn.closed) this.log.warn({ err }, 'cannot subscribe to command topics; commands are unavailable');
    });
    this.pump();
  }

  private onMessage(conn: Connection, topic: string, payload: Buffer, properties?: { responseTopic?: string; correlationData?: Buffer }): void {
    const name = commandName(this.options.config.topicPrefix, this.options.agentId, topic);
    if (name === undefined || conn.closed) return;
    const request = parseCommandRequest(payload, properties);
    void this.authorizedCommand(name, request).then((response) => {
      this.log.info({ command: name, status: response.status }, 'command handled');
      if (request.responseTopic === undefined || conn.closed) return;
      const opts = {
        qos: 1 as const,
        ...(request.correlationData !== undefined && conn.protocolVersion === 5 ? { properties: { correlationData: request.correlationData } } : {}),
      };
      conn.client.publish(request.responseTopic, JSON.stringify(response), opts, (err) => {
        if (err !== undefined && err !== null && !conn.closed) this.log.warn({ err, command: name }, 'command response not accepted');
      });
    });
  }

  /** Runs the command if it passes the signature check (when a secret is set); a refusal is answered, never thrown. */
  private async authorizedCommand(name: string, request: CommandRequest): Promise<CommandResponse> {
    const secret = this.options.commandSecret;
    if (secret !== undefined) {
      const nowMs = Date.now();
      forgetExpiredNonces(this.nonces, nowMs);
      const verdict = verifyCommand({ secret, name, body: request.body, nowMs, seen: this.nonces });
      if (!verdict.ok) {
        const err = commandRejected(name, verdict.reason);
        // Fields named, values not: the body may hold a forged or captured sig, the secret is never in it.
        this.log.warn({ code: err.code, command: name, hint: err.hint }, describeError(err));
        return { status: 'error', error: `${err.code}: ${err.message}`, ...(request.transaction === undefined ? {} : { transaction: request.transaction }) };
      }
      rememberNonce(this.nonces, verdict.nonce, nowMs);
    }
    return runCommand(this.commands, name, request);
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

  /** Fills the window with the oldest unsent rows. Synchronous: the store is synchronous and MQTT.js buffers writes. */
  private pump(): void {
    const conn = this.conn;
    const window = conn?.window;
    if (conn === undefined || window === undefined || conn.closed || this.stopping) return;
    try {
      while (window.room() > 0) {
        const rows = this.options.store.pending(window.room(), window.nextAfter());
        if (rows.length === 0) return;
        for (const row of rows) this.publishRow(conn, window, row);
      }
    } catch (err) {
      this.log.error({ err }, 'outbox drain failed; retrying on the next notify or acknowledgement');
    }
  }

  private publishRow(conn: Connection, window: DrainWindow, row: OutboxEntry): void {
    const { store, config, agentId } = this.options;
    // The row's own event, not the incident's latest state: an unsent `new` must go out as `new`.
    const record = store.event(row.seq);
    let topic: string;
    try {
      if (record === undefined) throw new Error(`incident ${row.incidentId} of outbox row ${row.seq} is not in the store`);
      topic = incidentTopic(config.topicPrefix, agentId, record.incident.category, record.incident.type);
    } catch (err) {
      // Skipped on this connection only (the row stays unsent): one bad row must not stall the rest.
      window.sent(row.seq);
      window.acked(row.seq);
      this.log.error({ err, seq: row.seq, incidentId: row.incidentId }, 'outbox row cannot be published; skipped');
      return;
    }
    const historical = isHistorical(row, conn.connectedAtMs ?? Date.now());
    const jpeg = record!.snapshotJpeg;
    const evidence = config.snapshot === 'topic' && jpeg !== undefined ? evidenceTopic(config.topicPrefix, agentId, record!.incident.id, record!.incident.sequence ?? 1) : undefined;
    const payload = renderIncidentPayload(record!, config.snapshot, { historical, evidenceTopic: evidence, maxInlineBytes: config.maxInlineSnapshotBytes });
    store.markAttempt(row.seq);
    window.sent(row.seq);
    const publishEvent = () => conn.client.publish(topic, payload, { qos: 1 }, (err) => this.onPublishDone(conn, window, row, err));
    if (evidence === undefined) return void publishEvent();
    // Evidence first: when the IOC sees the event, the picture it names is already at the broker. The row
    // counts as sent only after both PUBACKs.
    conn.client.publish(evidence, jpeg!, { qos: 1 }, (err) => (err ? this.onPublishDone(conn, window, row, err) : publishEvent()));
  }

  private onPublishDone(conn: Connection, window: DrainWindow, row: OutboxEntry, err: Error | undefined): void {
    window.acked(row.seq);
    if (err === undefined || err === null) {
      // The PUBACK arrived: the broker owns the message now. Only here does a row become sent.
      try {
        this.options.store.markSent(row.seq);
        this.published += 1;
      } catch (storeErr) {
        this.log.error({ err: storeErr, seq: row.seq }, 'cannot mark outbox row sent; it will be published again');
      }
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
