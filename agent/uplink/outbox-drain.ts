import type { Logger } from '../core/index.js';
import type { Outbox, OutboxEntry } from '../store/index.js';
import { cloudEventPublishProperties } from './cloudevents.js';
import { DrainWindow, type Lane } from './drain-window.js';
import type { MqttOptions } from './options.js';
import { DEFAULT_HISTORICAL_AFTER_MS, incidentPayload, isHistorical } from './payload.js';
import type { BrokerLink, LinkAccepted } from './session.js';
import { cameraCountBinsTopic, evidenceTopic, incidentTopic } from './topics.js';

/** On stop(), how long (ms) to wait for PUBACKs of rows already in flight, so a clean shutdown sends no duplicate. */
export const DEFAULT_STOP_DRAIN_TIMEOUT_MS = 3_000;

export interface OutboxDrainOptions {
  config: Pick<MqttOptions, 'topicPrefix' | 'snapshot' | 'maxInlineSnapshotBytes' | 'historicalAfterSeconds' | 'cloudEvents'>;
  agentId: string;
  store: Outbox;
  /** The uplink's logger (component already bound). */
  logger: Logger;
}

/** The link being drained into, with its window. */
interface Drained {
  link: BrokerLink;
  window: DrainWindow;
  /** When the broker accepted the link (epoch ms): rows stored before it are replays. */
  connectedAtMs: number;
  /** The outbox's last seq when the broker accepted the link: rows above it are the live lane. */
  boundarySeq: number;
}

/**
 * Publishes the store's outbox on the session's link, at least once and in order:
 * - rows go out QoS 1, at most `maxInflight` awaiting PUBACK (capped by the broker's receive maximum):
 *   rows stored during this connection (live) first, in order; the backlog (stored before it, or queued by
 *   resend) oldest first, flagged historical, with a quarter of the window kept for it (see DrainWindow);
 * - a row is marked sent only in its PUBACK callback: a crash or disconnect before that leaves it unsent,
 *   and it is published again (same incident id) by the next connection or process;
 * - on disconnect the window is dropped with the link; the next link starts again from the first unsent row.
 */
export class OutboxDrain {
  private readonly log: Logger;
  private drained?: Drained;
  private stopping = false;
  private pumpScheduled?: NodeJS.Immediate;
  private lastPublishFailureKey?: string;
  private publishedCount = 0;
  /** PUBACKed rows not yet marked sent: written together once per event-loop turn (see flushAcks). */
  private ackedSeqs: number[] = [];
  /** Rows published by the running pump, their attempt counted together when it ends. */
  private attemptSeqs: number[] = [];

  constructor(private readonly options: OutboxDrainOptions) {
    this.log = options.logger;
  }

  /** Starts draining into a link the broker just accepted. */
  attach(link: BrokerLink, accepted: LinkAccepted): void {
    this.drained = { link, window: new DrainWindow(accepted.maxInflight), connectedAtMs: accepted.connectedAtMs, boundarySeq: this.options.store.lastSeq() };
    this.pump();
  }

  /** The link went away: the acks it delivered are kept; its unacknowledged rows stay unsent. */
  detach(): void {
    this.flushAcks();
  }

  /** Wakes the drain: new outbox rows exist. */
  notify(): void {
    if (this.pumpScheduled !== undefined || this.stopping) return;
    this.pumpScheduled = setImmediate(() => {
      this.pumpScheduled = undefined;
      this.pump();
    });
  }

  /** Rows published and acknowledged since start. */
  published(): number {
    return this.publishedCount;
  }

  /** Rows published on the last link and not yet acknowledged. */
  inflightCount(): number {
    return this.drained?.window.inflightCount() ?? 0;
  }

  /** Waits (at most `timeoutMs`) until `link` has no row in flight or closes. */
  async settle(link: BrokerLink, timeoutMs: number = DEFAULT_STOP_DRAIN_TIMEOUT_MS): Promise<void> {
    const drained = this.drained;
    if (drained === undefined || drained.link !== link) return;
    const deadline = Date.now() + timeoutMs;
    while (drained.window.inflightCount() !== 0 && !link.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  /** No more publishing: rows still in flight may be acknowledged (flushAcks keeps them). */
  stop(): void {
    this.stopping = true;
    if (this.pumpScheduled !== undefined) clearImmediate(this.pumpScheduled);
  }

  /**
   * Fills the window: live rows first (they overtake the backlog), then the backlog oldest first, with the
   * share DrainWindow keeps for it. Synchronous: the store is synchronous and MQTT.js buffers writes.
   */
  pump(): void {
    this.flushAcks();
    const drained = this.drained;
    if (drained === undefined || drained.link.closed || this.stopping) return;
    const { window, boundarySeq: boundary } = drained;
    const { store } = this.options;
    try {
      while (window.room() > 0) {
        // History candidates first, only to know whether the backlog is waiting; published after the live rows.
        const history = store.pendingIn('history', boundary, window.nextAfter('history'), window.room());
        const liveRoom = window.liveRoom(history.length > 0);
        const live = liveRoom > 0 ? store.pendingIn('live', boundary, window.nextAfter('live'), liveRoom) : [];
        for (const row of live) this.publishRow(drained, row, 'live');
        // Rows that no longer fit are fetched again by a later pump (the cursor did not pass them).
        for (const row of history.slice(0, window.room())) this.publishRow(drained, row, 'history');
        if (live.length === 0 && history.length === 0) return;
      }
    } catch (err) {
      this.log.error({ err }, 'outbox drain failed; retrying on the next notify or acknowledgement');
    } finally {
      this.flushAttempts();
    }
  }

  /** Marks the PUBACKed rows sent, in one transaction. A failure leaves them unsent: published again later. */
  flushAcks(): void {
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

  private publishRow(drained: Drained, row: OutboxEntry, lane: Lane): void {
    const { store, config, agentId } = this.options;
    const { link, window } = drained;
    if (row.kind === 'counts') return this.publishCountBin(drained, row, lane);
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
    const historical = lane === 'history' || isHistorical(row, drained.connectedAtMs, { nowMs, historicalAfterMs });
    const jpeg = record!.snapshotJpeg;
    const evidence = config.snapshot === 'topic' && jpeg !== undefined ? evidenceTopic(config.topicPrefix, agentId, record!.incident.id, record!.incident.sequence ?? 1) : undefined;
    const body = incidentPayload(record!, config.snapshot, { historical, evidenceTopic: evidence, maxInlineBytes: config.maxInlineSnapshotBytes });
    const payload = Buffer.from(JSON.stringify(body), 'utf8');
    // MQTT 5: CloudEvents attributes as properties (binary content mode); the payload is the same either way.
    const publishOptions = link.protocolVersion === 5 && config.cloudEvents !== false ? { qos: 1 as const, properties: cloudEventPublishProperties(body) } : { qos: 1 as const };
    this.attemptSeqs.push(row.seq);
    window.sent(row.seq, lane);
    const publishEvent = () => link.client.publish(topic, payload, publishOptions, (err) => this.onPublishDone(drained, row, err));
    if (evidence === undefined) return void publishEvent();
    // Evidence first: when the IOC sees the event, the picture it names is already at the broker. The row
    // counts as sent only after both PUBACKs.
    link.client.publish(evidence, jpeg!, { qos: 1 }, (err) => (err ? this.onPublishDone(drained, row, err) : publishEvent()));
  }

  /**
   * A count bin (outbox row of kind `counts`): its stored payload as is, so a resend is byte-identical and
   * the IOC de-duplicates on the bin id. Same window, acks and ordering as incidents.
   */
  private publishCountBin(drained: Drained, row: OutboxEntry, lane: Lane): void {
    const { store, config, agentId } = this.options;
    const { link, window } = drained;
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
    link.client.publish(topic, JSON.stringify(bin), { qos: 1 }, (err) => this.onPublishDone(drained, row, err));
  }

  private onPublishDone(drained: Drained, row: OutboxEntry, err: Error | undefined): void {
    drained.window.acked(row.seq);
    if (err === undefined || err === null) {
      // The PUBACK arrived: the broker owns the message now. Only now may the row become sent (written by
      // the next pump, with the other acks of this turn).
      this.ackedSeqs.push(row.seq);
      this.publishedCount += 1;
      this.notify();
      return;
    }
    if (drained.link.closed || drained !== this.drained) return; // link gone: the next one resends from the store
    // A PUBACK with an error reason (MQTT 5: not authorized, quota exceeded...). The row stays unsent and
    // is retried by the next connection; the rest keeps flowing.
    const key = `${(err as { code?: unknown }).code ?? err.message}`;
    if (key !== this.lastPublishFailureKey) {
      this.lastPublishFailureKey = key;
      this.log.warn({ err, seq: row.seq, incidentId: row.incidentId }, 'broker rejected an incident; kept for retry after reconnect');
    }
    this.notify();
  }
}
