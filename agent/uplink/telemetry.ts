import type { Logger } from '../core/index.js';
import type { SourceStateChange } from '../frames/index.js';
import type { Outbox, StoreUsage } from '../store/index.js';
import type { MqttOptions } from './options.js';
import { renderCameraStatePayload } from './payload.js';
import type { BrokerLink } from './session.js';
import { statsPayload, storeWarnings, warningsKey, type AgentStatsInput, type StatsPayload } from './stats.js';
import { cameraCountsTopic, cameraStateTopic, statsTopic } from './topics.js';

export interface TelemetryOptions {
  config: Pick<MqttOptions, 'topicPrefix'>;
  agentId: string;
  /** Read for its usage (disk, quotas) on each stats message. */
  store: Pick<Outbox, 'usage'>;
  /** The link to publish on, undefined while down or stopping: telemetry is not stored, it waits for the next value. */
  link: () => BrokerLink | undefined;
  /** The uplink's own figures, carried in the stats message. */
  uplinkFigures: () => StatsPayload['uplink'];
  /** The uplink's logger (component already bound). */
  logger: Logger;
}

/**
 * The retained telemetry messages, published as given: camera states (the latest per camera, re-sent on
 * every connect), line counts, and stats with the store's warnings. Not stored: the next value supersedes
 * a lost one.
 */
export class TelemetryPublisher {
  private readonly log: Logger;
  private readonly cameraStates = new Map<string, SourceStateChange>();
  /** The agent's last stats, re-published with fresh store warnings when they change. */
  private lastStatsInput?: AgentStatsInput;
  private lastStatsUsage?: StoreUsage;
  private lastWarningsKey = '';

  constructor(private readonly options: TelemetryOptions) {
    this.log = options.logger;
  }

  /** A link was accepted: the retained camera states go out on it again. */
  connected(link: BrokerLink): void {
    for (const change of this.cameraStates.values()) this.sendCameraState(link, change);
  }

  publishCameraState(change: SourceStateChange): void {
    // Retained state: only the latest per camera matters, so keep it and (re)send it on every connect.
    this.cameraStates.set(change.cameraId, change);
    const link = this.options.link();
    if (link !== undefined) this.sendCameraState(link, change);
  }

  /** `<prefix>/<agentId>/cameras/<cameraId>/counts`, QoS 0, retained, stamped with the time it was sent. */
  publishCounts(cameraId: string, payload: unknown): void {
    const link = this.options.link();
    if (link === undefined) return;
    const topic = cameraCountsTopic(this.options.config.topicPrefix, this.options.agentId, cameraId);
    const body = JSON.stringify({ ...(payload as object), at: new Date().toISOString() });
    link.client.publish(topic, body, { qos: 0, retain: true }, (err) => {
      if (err !== undefined && err !== null && !link.closed) this.log.debug({ err, topic }, 'telemetry not accepted');
    });
  }

  publishStats(stats: AgentStatsInput): void {
    this.lastStatsInput = stats;
    const link = this.options.link();
    if (link === undefined) return;
    let usage: StoreUsage | undefined;
    try {
      usage = this.options.store.usage();
    } catch (err) {
      this.log.debug({ err }, 'store usage unavailable for stats');
    }
    const payload = statsPayload(stats, {
      agentId: this.options.agentId,
      nowMs: Date.now(),
      uplink: this.options.uplinkFigures(),
      ...(usage === undefined ? {} : { store: usage }),
      ...(this.lastStatsUsage === undefined ? {} : { previousStore: this.lastStatsUsage }),
    });
    if (usage !== undefined) this.lastStatsUsage = usage;
    this.lastWarningsKey = warningsKey(payload.warnings);
    const topic = statsTopic(this.options.config.topicPrefix, this.options.agentId);
    // QoS 1 (unlike counts): the warnings ride on it.
    link.client.publish(topic, JSON.stringify(payload), { qos: 1, retain: true }, (err) => {
      if (err !== undefined && err !== null && !link.closed) this.log.debug({ err, topic }, 'stats not accepted');
    });
  }

  /** On the outbox poll: a store warning that appeared or cleared is published now, not at the next stats interval. */
  checkStoreWarnings(): void {
    if (this.lastStatsInput === undefined || this.options.link() === undefined) return;
    let usage: StoreUsage;
    try {
      usage = this.options.store.usage();
    } catch {
      return;
    }
    if (warningsKey(storeWarnings(usage, this.lastStatsUsage)) !== this.lastWarningsKey) this.publishStats(this.lastStatsInput);
  }

  private sendCameraState(link: BrokerLink, change: SourceStateChange): void {
    const topic = cameraStateTopic(this.options.config.topicPrefix, this.options.agentId, change.cameraId);
    link.client.publish(topic, renderCameraStatePayload(change), { qos: 1, retain: true }, (err) => {
      if (err !== undefined && err !== null && !link.closed) this.log.debug({ err, cameraId: change.cameraId }, 'camera state not accepted');
    });
  }
}
