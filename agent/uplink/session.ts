import type { Duplex } from 'node:stream';
import type { IClientOptions, IConnackPacket, IDisconnectPacket, IPublishPacket, MqttClient } from 'mqtt';
import { backoffDelayMs, type BackoffOptions, CamwatchError, describeError, isCamwatchError, type Logger, redactUrl } from '../core/index.js';
import { reconnectBackoff, type ReconnectDelays } from './backoff.js';
import { connectWithFallback, DEFAULT_MQTT_PROTOCOL_VERSION } from './broker-connect.js';
import { connectFailure, connectionLost, disconnectReason, failureKey } from './broker-errors.js';
import type { MqttOptions, MqttTlsFiles } from './options.js';
import { PacketCapStream } from './packet-cap.js';
import type { DroppedPacket } from './packet-filter.js';
import { renderStatusPayload } from './payload.js';
import { tlsClientOptions } from './tls.js';
import { statusTopic } from './topics.js';

/** No CONNACK within this time (ms) fails the attempt: something that is not an MQTT broker is listening. */
export const DEFAULT_MQTT_CONNECT_TIMEOUT_MS = 10_000;
/** On stop(), how long (ms) the retained `offline` status and the DISCONNECT may take. */
export const DEFAULT_STOP_DISCONNECT_TIMEOUT_MS = 2_000;
/**
 * Largest packet accepted from the broker (bytes; mqtt.maxPacketBytes). Only commands come in, capped at
 * 64 KiB (mqtt.commands.maxBytes) plus topic and properties; 1 MiB leaves room to raise that cap without
 * touching this one, and bounds what MQTT.js buffers for one packet (it reads each whole before use).
 * What the agent sends (events with inline JPEGs of up to maxInlineSnapshotBytes, 256 KiB by default;
 * snapshot answers of up to 512 KiB base64-encoded) is bounded by those settings and the broker's own limit.
 */
export const DEFAULT_MQTT_MAX_PACKET_BYTES = 1024 * 1024;

/** One network connection to the broker, handed to the parts that publish on it. */
export interface BrokerLink {
  readonly client: MqttClient;
  /** MQTT version of this connection (4 after falling back from 5). */
  readonly protocolVersion: 4 | 5;
  /** Set when the connection ended: callbacks that arrive later on it are ignored. */
  closed: boolean;
}

/** What the broker granted when it accepted a link. */
export interface LinkAccepted {
  /** When the broker accepted it (epoch ms): rows stored before it are replays. */
  connectedAtMs: number;
  /** Messages allowed in flight: mqtt.maxInflight, capped by the broker's receive maximum (MQTT 5). */
  maxInflight: number;
}

/** What the session tells the uplink's other parts; none of these may throw. */
export interface SessionHooks {
  /** The broker accepted `link` (the online status is already on its way). */
  onUp(link: BrokerLink, accepted: LinkAccepted): void;
  /** `link`, once accepted, is gone (lost or stopped). */
  onDown(link: BrokerLink): void;
  onMessage(link: BrokerLink, topic: string, payload: Buffer, packet: IPublishPacket): void;
  /** A packet over mqtt.maxPacketBytes was skipped unread (the connection stays up). */
  onOversizedPacket(link: BrokerLink, packet: DroppedPacket): void;
  /** Outbox rows not yet sent, and rows in flight, for the log lines. */
  pendingCount(): number;
  inflightCount(): number;
}

export interface BrokerSessionOptions {
  /** `url` must be resolved (the embedded broker's URL when none is configured). */
  config: MqttOptions;
  agentId: string;
  password?: string;
  tlsFiles?: MqttTlsFiles;
  /** Extra MQTT.js options (protocolVersion...). Reconnection stays with the session. */
  clientOptions?: Partial<IClientOptions>;
  backoff?: ReconnectDelays;
  /** The uplink's logger (component already bound). */
  logger: Logger;
  hooks: SessionHooks;
}

/** The client id the uplink connects with: mqtt.clientId, default `camwatch-<agentId>` (the embedded broker reserves it). */
export function uplinkClientId(config: Pick<MqttOptions, 'clientId'>, agentId: string): string {
  return config.clientId ?? `camwatch-${agentId}`;
}

/** A link as the session keeps it: with what explains its end. */
interface SessionLink extends BrokerLink {
  /** Last error MQTT.js emitted, or the broker's DISCONNECT: explains the close that follows. */
  failure?: unknown;
}

/**
 * The uplink's connection to the broker, kept up for as long as it runs:
 * - MQTT 5 first, 3.1.1 from then on if the broker refuses 5 (connectWithFallback);
 * - one MQTT.js client per connection (reconnectPeriod 0), so the library never replays its own in-flight
 *   copies on top of the outbox's; reconnects back off exponentially (kernel backoff); each distinct
 *   failure is logged once, repeats at debug;
 * - a retained `online` status on connect, `offline` as the Last Will and on stop;
 * - incoming packets over mqtt.maxPacketBytes skipped as they stream by (packet-cap.ts).
 */
export class BrokerSession {
  readonly safeUrl: string;
  private readonly url: string;
  private readonly backoff: BackoffOptions;
  private readonly log: Logger;
  private protocolVersionInUse: 4 | 5;
  /** The accepted link, until it closes. */
  private link?: SessionLink;
  private attempt?: AbortController;
  private stopping = false;
  private reconnectTimer?: NodeJS.Timeout;
  private failures = 0;
  private lastFailureKey?: string;
  private lastErrorText?: string;
  private connectionCount = 0;
  private disconnectedAtMs?: number;

  constructor(private readonly options: BrokerSessionOptions) {
    this.log = options.logger;
    if (options.config.url === undefined || options.config.url.length === 0) {
      throw new CamwatchError('MQTT_UNREACHABLE', 'mqtt.url is not set and no embedded broker URL was given', {
        hint: 'Set mqtt.url, or leave it out so the agent starts its embedded broker.',
      });
    }
    this.url = options.config.url;
    this.safeUrl = redactUrl(this.url);
    this.backoff = reconnectBackoff(options.backoff);
    const requested = options.clientOptions?.protocolVersion ?? DEFAULT_MQTT_PROTOCOL_VERSION;
    this.protocolVersionInUse = requested === 5 ? 5 : 4;
  }

  /** Opens the first connection; does not wait for the broker. */
  start(): void {
    this.open();
  }

  /** The link the broker accepted, while it is up. */
  current(): BrokerLink | undefined {
    return this.link;
  }

  clientId(): string {
    return uplinkClientId(this.options.config, this.options.agentId);
  }

  /** MQTT version in use (4 after falling back from 5). */
  protocolVersion(): 4 | 5 {
    return this.protocolVersionInUse;
  }

  /** Successful connections since start (1 + reconnects). */
  connections(): number {
    return this.connectionCount;
  }

  /** Why the broker is not reachable now, if it is not. */
  lastError(): string | undefined {
    return this.lastErrorText;
  }

  /**
   * Ends the session: `settle` may wait for the link's rows in flight, then the retained `offline` status
   * and a DISCONNECT are sent, each within DEFAULT_STOP_DISCONNECT_TIMEOUT_MS. Resolves true when a
   * connection was open or being opened.
   */
  async stop(settle: (link: BrokerLink) => Promise<void>): Promise<boolean> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    const attempting = this.attempt !== undefined;
    this.attempt?.abort();
    const link = this.link;
    if (link === undefined) return attempting;
    if (!link.closed) {
      await settle(link);
      if (!link.closed) {
        const offline = renderStatusPayload({ state: 'offline', agentId: this.options.agentId, at: new Date().toISOString(), reason: 'shutdown' });
        await withTimeout(link.client.publishAsync(this.statusTopic(), offline, { qos: 1, retain: true }), DEFAULT_STOP_DISCONNECT_TIMEOUT_MS);
        await withTimeout(link.client.endAsync(false), DEFAULT_STOP_DISCONNECT_TIMEOUT_MS);
      }
    }
    link.closed = true;
    link.client.end(true);
    this.link = undefined;
    return true;
  }

  private statusTopic(): string {
    return statusTopic(this.options.config.topicPrefix, this.options.agentId);
  }

  private maxPacketBytes(): number {
    return this.options.config.maxPacketBytes ?? DEFAULT_MQTT_MAX_PACKET_BYTES;
  }

  private clientOptions(protocolVersion: 4 | 5): IClientOptions {
    const { config, clientOptions, password } = this.options;
    return {
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
      ...(protocolVersion === 5 ? { properties: { ...clientOptions?.properties, maximumPacketSize: this.maxPacketBytes() } } : {}),
    };
  }

  private open(): void {
    const attempt = new AbortController();
    this.attempt = attempt;
    let link: SessionLink | undefined;
    connectWithFallback({
      url: this.url,
      firstVersion: this.protocolVersionInUse,
      clientOptions: (version) => this.clientOptions(version),
      prepare: (client, version) => {
        link = this.prepare(client, version);
      },
      onFallback: () => {
        this.disconnectedAtMs ??= Date.now();
        this.protocolVersionInUse = 4;
        this.log.info({ url: this.safeUrl }, 'broker does not speak MQTT 5: using MQTT 3.1.1');
      },
      signal: attempt.signal,
    }).then(
      ({ connack }) => {
        if (this.attempt === attempt) this.attempt = undefined;
        this.onConnect(link!, connack);
      },
      (err: unknown) => {
        if (this.attempt === attempt) this.attempt = undefined;
        if (link !== undefined) link.closed = true;
        this.onConnectFailed(err);
      },
    );
  }

  /** A new client, before it connects: the packet cap in front of its transport, and its listeners. */
  private prepare(client: MqttClient, protocolVersion: 4 | 5): SessionLink {
    const link: SessionLink = { client, protocolVersion, closed: false };
    const { hooks } = this.options;
    // Over 3.1.1 nothing stops a broker from sending a 256 MB packet, and MQTT.js would read it whole:
    // the transport it reads from drops oversized packets as they stream by (packet-cap.ts).
    const internals = client as unknown as { streamBuilder: (c: MqttClient) => Duplex };
    const buildStream = internals.streamBuilder;
    internals.streamBuilder = (c) => new PacketCapStream(buildStream(c), this.maxPacketBytes(), (packet) => hooks.onOversizedPacket(link, packet));
    // Listeners stay on a dead client (they check link.closed), the error one included, so a late emit
    // cannot become an uncaught 'error'.
    client.on('error', (err) => {
      link.failure = err;
    });
    client.on('disconnect', (packet) => this.onBrokerDisconnect(link, packet));
    client.on('message', (topic, payload, packet) => hooks.onMessage(link, topic, payload, packet));
    return link;
  }

  private onConnect(link: SessionLink, connack: IConnackPacket): void {
    if (this.stopping || link.closed) {
      link.closed = true;
      link.client.end(true);
      return;
    }
    const { hooks } = this.options;
    this.link = link;
    link.client.on('close', () => this.onClose(link));
    // The socket may have closed between the CONNACK and this continuation: its 'close' went unheard.
    if (!link.client.connected) return this.onClose(link);
    const brokerMax = connack.properties?.receiveMaximum;
    const accepted: LinkAccepted = {
      connectedAtMs: Date.now(),
      maxInflight: Math.min(this.options.config.maxInflight, brokerMax ?? Number.POSITIVE_INFINITY),
    };
    link.failure = undefined;
    this.connectionCount += 1;
    const outageMs = this.disconnectedAtMs === undefined ? undefined : Date.now() - this.disconnectedAtMs;
    this.log.info(
      {
        url: this.safeUrl,
        protocolVersion: link.protocolVersion,
        maxInflight: accepted.maxInflight,
        pending: hooks.pendingCount(),
        ...(outageMs === undefined ? {} : { outageMs, failedAttempts: this.failures }),
      },
      'connected to broker',
    );
    this.failures = 0;
    this.lastFailureKey = undefined;
    this.lastErrorText = undefined;
    this.disconnectedAtMs = undefined;

    link.client.publish(
      this.statusTopic(),
      renderStatusPayload({ state: 'online', agentId: this.options.agentId, at: new Date().toISOString() }),
      { qos: 1, retain: true },
      (err) => {
        if (err !== undefined && err !== null && !link.closed) this.log.warn({ err }, 'online status not accepted by broker');
      },
    );
    hooks.onUp(link, accepted);
  }

  private onConnectFailed(err: unknown): void {
    if (this.stopping) return;
    this.disconnectedAtMs ??= Date.now();
    this.failures += 1;
    this.reportFailure(isCamwatchError(err) ? err : connectFailure(err, this.safeUrl, this.protocolVersionInUse));
    this.scheduleReconnect(backoffDelayMs(this.failures, this.backoff));
  }

  private onBrokerDisconnect(link: SessionLink, packet: IDisconnectPacket): void {
    const code = packet.reasonCode ?? 0;
    link.failure = new CamwatchError('MQTT_UNREACHABLE', `connection to broker ${this.safeUrl} lost: it sent DISCONNECT, ${disconnectReason(code)}`, {
      details: { url: this.safeUrl, reason: code },
    });
  }

  private onClose(link: SessionLink): void {
    if (link.closed) return;
    link.closed = true;
    const { hooks } = this.options;
    hooks.onDown(link); // acks that arrived before the close are real: kept
    link.client.end(true);
    if (link !== this.link) return;
    this.link = undefined;
    if (this.stopping) return;
    this.disconnectedAtMs = Date.now();
    const failure = connectionLost(link.failure, this.safeUrl);
    this.log.warn(
      { code: failure.code, inflight: hooks.inflightCount(), pending: hooks.pendingCount() },
      `${failure.message}; unacknowledged incidents stay queued and are resent`,
    );
    this.lastErrorText = failure.message;
    this.failures = 1;
    this.scheduleReconnect(backoffDelayMs(this.failures, this.backoff));
  }

  /** Logs a failure the first time it appears (or changes), not on every retry: hours of outage are one line. */
  private reportFailure(err: CamwatchError): void {
    this.lastErrorText = err.message;
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
      if (!this.stopping) this.open();
    }, delayMs);
  }
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
