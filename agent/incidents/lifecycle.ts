import type { Box, RgbImage } from '../detection/index.js';
import type { RuleHit } from '../rules/index.js';
import { iou } from '../core/index.js';
import { applyHitDetails, hitOverlay, incidentFromHit, normaliseBox, type IncidentContext } from './create.js';
import { snapshotQuality } from './quality.js';
import { decideRestore, findResumable, restoredEnd, ruleFingerprint } from './resume.js';
import { privateFrame, renderEvidence, type Snapshot, type SnapshotOptions, type SnapshotOverlay } from './snapshot.js';
import type { EndReason, Incident, IncidentRecord, OpenIncidentState, SuspendedIncident } from './types.js';

/** At most one `update` per incident this often (ms), unless the snapshot improves a lot. */
export const DEFAULT_UPDATE_INTERVAL_MS = 10_000;
/** Even a much better snapshot waits this long after the previous event (ms). */
export const DEFAULT_MIN_UPDATE_GAP_MS = 2_000;
/** "A lot better": quality at least this much above the best sent (0.5 = +50 %) sends an update early. */
export const DEFAULT_SNAPSHOT_JUMP = 0.5;
/** An update due by time carries a new snapshot only if it beats the best sent by this much (+10 %). */
export const DEFAULT_SNAPSHOT_GAIN = 0.1;
/** An open incident with no hit for this long is ended by `tick` (ms): its rule was rebuilt or stopped. */
export const DEFAULT_STALE_MS = 60_000;
/** A stationary object under a new track id is "the same object" if its box overlaps the old one this much. */
export const DEFAULT_SAME_PLACE_IOU = 0.5;
/** Evidence kept from a `pending` hit is dropped after this long without its incident starting (ms). */
export const DEFAULT_PENDING_TTL_MS = 10 * 60_000;
/** At most this many pending evidence snapshots are kept (each ~30–60 KB of JPEG). */
export const DEFAULT_MAX_PENDING = 32;

/**
 * Rule types whose objects stand still: after such an incident ends, a new track at the same place
 * (box IoU ≥ DEFAULT_SAME_PLACE_IOU) is the same object for the cooldown, whatever its track id. For
 * moving objects the place says nothing (the next car on the lane is another car).
 */
export const STATIONARY_RULE_TYPES: ReadonlySet<string> = new Set(['illegal_stop', 'object_left', 'dumping']);

/** Draws and encodes a snapshot; injectable so tests need no image library. */
export type SnapshotRenderer = (image: RgbImage, overlay: SnapshotOverlay, options: SnapshotOptions) => Promise<Snapshot>;

/** Options of the lifecycle; everything but agentId and camera has a default. */
export interface LifecycleOptions extends IncidentContext {
  render?: SnapshotRenderer;
  updateIntervalMs?: number;
  minUpdateGapMs?: number;
  snapshotJump?: number;
  snapshotGain?: number;
  staleMs?: number;
  samePlaceIou?: number;
  pendingTtlMs?: number;
  maxPending?: number;
}

interface OpenIncident {
  key: string;
  incident: Incident;
  ruleType: string;
  startMs: number;
  lastHitMs: number;
  lastSentMs: number;
  /** Quality of the snapshot the IOC has (0 when none). */
  bestQuality: number;
  acked: boolean;
  /** The snapshot is evidence from the start of the condition (dumping's person): updates never replace it. */
  evidenceLocked: boolean;
  lastHit: RuleHit;
  /** See OpenIncidentState.ruleFingerprint ('' when the rule is not in the camera's config, e.g. in unit tests). */
  ruleFingerprint: string;
  /** See OpenIncidentState.durationOffsetSeconds. */
  durationOffsetSeconds: number;
  /** Counts the pictures asked for: only the latest one's description goes on the incident's later events. */
  evidenceGeneration: number;
}

/** An incident restored after a restart or reload, waiting for its condition to be seen again. */
interface RestoredIncident extends SuspendedIncident {
  deadlineMs: number;
  /** How it ends if not seen again by the deadline. */
  reason: EndReason;
}

interface CooldownEntry {
  ruleId: string;
  ruleType: string;
  trackId: number;
  box: Box;
  untilMs: number;
}

interface PendingEvidence {
  tMs: number;
  hasPerson: boolean;
  /** The picture of the pending hit, rendering since the hit arrived (absent: no frame, or snapshots off). */
  snapshot?: Promise<Snapshot | undefined>;
}

/** Where a record's picture comes from, decided with the record and drawn after it. */
type EvidenceRequest = { frame: RgbImage; hit: RuleHit } | { pending: Promise<Snapshot | undefined>; fallback?: { frame: RgbImage; hit: RuleHit } };

/** A decided record on its way out: records leave in the order they were decided, each once its picture is drawn. */
interface Outgoing {
  record: IncidentRecord;
  ready: boolean;
  /** This record carries a picture of its own (later records of the incident then describe that picture). */
  ownsEvidence: boolean;
}

/**
 * The incident lifecycle of one camera. Rules report phases (start / update / end / pending) under a
 * stable key; this maps each key to ONE incident id and decides which events reach the store:
 * - `start` opens an incident (`status: new`, with the snapshot); a start without key is a one-shot
 *   event (line_crossing) that is never updated or ended;
 * - `update` is throttled: one per `updateIntervalMs`, earlier only for a much better snapshot
 *   (higher score, larger, less occluded, not cut by the frame edge);
 * - `end` closes it with `endedAt` and `durationSeconds`;
 * - after an incident ends, the same rule and object (same track, or for stationary objects the same
 *   place) cannot open another for the hit's `cooldownMs`; a condition that is still on when the
 *   cooldown runs out opens then;
 * - an acknowledged incident sends no more updates (its end is still sent, so the IOC can close it).
 * Decisions are deterministic given hits and their times, and synchronous: a call reads and writes the state
 * in one step, so timers calling `tick` while `handle` awaits a picture cannot see half a decision. Pictures
 * are drawn afterwards by the injected renderer and only attached to the records; records leave in the
 * order they were decided (a `tick` end waits behind the update whose picture is still drawing, and comes
 * out of that `handle` call).
 */
export class IncidentLifecycle {
  private readonly opts: LifecycleOptions;
  private readonly render: SnapshotRenderer;
  private readonly open = new Map<string, OpenIncident>();
  private readonly keyById = new Map<string, string>();
  private readonly deferred = new Map<string, RuleHit>();
  private readonly pending = new Map<string, PendingEvidence>();
  private cooldowns: CooldownEntry[] = [];
  private restored: RestoredIncident[] = [];
  private frameSize?: { width: number; height: number };
  /** Records decided and not yet handed out, oldest first. */
  private readonly outgoing: Outgoing[] = [];

  constructor(options: LifecycleOptions) {
    this.opts = options;
    this.render = options.render ?? renderEvidence;
  }

  /**
   * Feeds one frame's hits (from every rule of the camera). `frame` is the analysed frame the hits refer
   * to; without it (camera_down from a timer) incidents carry no snapshot. Returns the records to store,
   * in order.
   */
  async handle(hits: readonly RuleHit[], frame?: RgbImage): Promise<IncidentRecord[]> {
    const drawing = this.decide(hits, frame);
    if (drawing.length > 0) await Promise.all(drawing);
    return this.takeReady();
  }

  /**
   * The decisions of `handle`, in one synchronous step: state updated, records queued, their pictures
   * started. Returns the pictures being drawn; `takeReady` hands out the records once they are.
   */
  private decide(hits: readonly RuleHit[], frame: RgbImage | undefined): Promise<void>[] {
    if (frame) this.frameSize = { width: frame.width, height: frame.height };
    const drawing: Promise<void>[] = [];
    for (const hit of hits) this.one(hit, frame, drawing);
    return drawing;
  }

  /** Records at the head of the queue whose pictures are done, in decision order. */
  private takeReady(): IncidentRecord[] {
    const out: IncidentRecord[] = [];
    while (this.outgoing.length > 0 && this.outgoing[0]!.ready) out.push(this.outgoing.shift()!.record);
    return out;
  }

  /** Queues a decided record; with `evidence`, its picture is drawn now and attached when done. */
  private enqueue(record: IncidentRecord, drawing?: Promise<void>[], evidence?: EvidenceRequest, o?: OpenIncident): void {
    const entry: Outgoing = { record, ready: evidence === undefined, ownsEvidence: evidence !== undefined };
    this.outgoing.push(entry);
    if (evidence === undefined) return;
    const generation = o === undefined ? 0 : ++o.evidenceGeneration;
    const picture = this.picture(evidence)
      .then((snap) => {
        if (snap !== undefined) this.attach(entry, snap, o, generation);
      })
      // Losing the picture is better than losing the incident, or holding back every record after it.
      .catch((err: unknown) => this.opts.onSnapshotError?.(err))
      .finally(() => {
        entry.ready = true;
      });
    drawing?.push(picture);
  }

  private async picture(evidence: EvidenceRequest): Promise<Snapshot | undefined> {
    if ('frame' in evidence) return this.draw(evidence.frame, hitOverlay(evidence.hit));
    const snap = await evidence.pending;
    if (snap !== undefined || evidence.fallback === undefined) return snap;
    // The pending hit's picture failed: the start's own frame is the next best evidence.
    return this.draw(evidence.fallback.frame, hitOverlay(evidence.fallback.hit));
  }

  /**
   * Puts a drawn picture on its record, and its description on the incident's later events (already queued,
   * or still to come) until another picture replaces it. Decision state is not touched.
   */
  private attach(entry: Outgoing, snap: Snapshot, o: OpenIncident | undefined, generation: number): void {
    const meta = { contentType: 'image/jpeg' as const, width: snap.width, height: snap.height, bytes: snap.jpeg.length };
    entry.record.incident.snapshot = meta;
    entry.record.snapshotJpeg = snap.jpeg;
    if (snap.cleanJpeg !== undefined) entry.record.cleanJpeg = snap.cleanJpeg;
    const id = entry.record.incident.id;
    for (const later of this.outgoing.slice(this.outgoing.indexOf(entry) + 1)) {
      if (later.record.incident.id !== id) continue;
      if (later.ownsEvidence) break;
      later.record.incident.snapshot = { ...meta };
    }
    if (o !== undefined && o.evidenceGeneration === generation) o.incident.snapshot = { ...meta };
  }

  /**
   * Timer upkeep: ends incidents whose rule stopped reporting (`staleMs`), forgets expired cooldowns,
   * deferred starts and pending evidence. Returns the `end` records.
   */
  tick(tMs: number): IncidentRecord[] {
    const staleMs = this.opts.staleMs ?? DEFAULT_STALE_MS;
    for (const o of [...this.open.values()]) {
      if (tMs - o.lastHitMs > staleMs) this.enqueue(this.close(o, o.lastHit, Math.max(o.lastHitMs, o.startMs), 'stale'));
    }
    for (const r of this.restored.filter((x) => tMs >= x.deadlineMs)) this.enqueue(this.endRestored(r, r.reason, tMs));
    this.cooldowns = this.cooldowns.filter((c) => c.untilMs > tMs);
    for (const [key, hit] of this.deferred) if (tMs - hit.tMs > staleMs) this.deferred.delete(key);
    const ttl = this.opts.pendingTtlMs ?? DEFAULT_PENDING_TTL_MS;
    for (const [key, p] of this.pending) if (tMs - p.tMs > ttl) this.pending.delete(key);
    return this.takeReady();
  }

  /** Ends every open incident now (camera removed, rules rebuilt after a frame size change), restored ones too. */
  closeAll(tMs: number, reason: EndReason = 'agent_stop'): IncidentRecord[] {
    for (const o of [...this.open.values()]) this.enqueue(this.close(o, o.lastHit, tMs, reason));
    for (const r of [...this.restored]) this.enqueue(this.endRestored(r, reason, tMs));
    this.deferred.clear();
    this.pending.clear();
    return this.takeReady();
  }

  /**
   * Takes incidents left open by a previous process (from the store) or by the camera's previous lifecycle
   * (a reload). Those whose rule is gone or changed end now (returned); the others wait for their condition
   * until a grace period runs out and then end as `agent_restart` (after a restart) or `camera_reload`.
   */
  restore(incidents: readonly SuspendedIncident[], nowMs: number, after: 'restart' | 'reload'): IncidentRecord[] {
    for (const s of incidents) {
      const decision = decideRestore(s, this.opts.camera, nowMs);
      if (decision.action === 'end') this.enqueue(restoredEnd(s, decision.reason, nowMs));
      else this.restored.push({ ...s, deadlineMs: decision.deadlineMs, reason: after === 'restart' ? 'agent_restart' : 'camera_reload' });
    }
    return this.takeReady();
  }

  /**
   * Hands over every open incident without ending it (the camera restarts on a reload, the agent stops):
   * the next lifecycle of the camera, or the next process through the store, continues or ends them.
   */
  suspend(): SuspendedIncident[] {
    const out: SuspendedIncident[] = [...this.open.values()].map((o) => ({ state: this.stateOf(o), incident: structuredClone(o.incident) }));
    out.push(...this.restored.map(({ state, incident }) => ({ state, incident })));
    this.open.clear();
    this.keyById.clear();
    this.restored = [];
    this.deferred.clear();
    this.pending.clear();
    return out;
  }

  /**
   * The IOC acknowledged an incident: its further updates are not sent (the end still is). Returns false
   * for an id that is not open here.
   */
  acknowledge(incidentId: string): boolean {
    const key = this.keyById.get(incidentId);
    const o = key === undefined ? undefined : this.open.get(key);
    const restored = this.restored.find((r) => r.incident.id === incidentId);
    if (restored !== undefined) restored.state.acked = true;
    if (o === undefined) return restored !== undefined;
    o.acked = true;
    return true;
  }

  /** Copies of the open incidents (for status pages), restored ones still waiting for their condition included. */
  openIncidents(): Incident[] {
    return [...this.open.values(), ...this.restored].map((o) => structuredClone(o.incident));
  }

  /** Decides one hit (synchronously): state updated, its record (if any) queued, its picture started. */
  private one(hit: RuleHit, frame: RgbImage | undefined, drawing: Promise<void>[]): void {
    const phase = hit.phase ?? 'start';
    const key = hit.key;
    if (phase === 'pending') {
      // A rule may hand an older frame that shows the evidence (the person by a static object).
      if (key !== undefined) this.keepEvidence(key, hit, hit.evidenceFrame ?? frame);
      return;
    }
    if (key === undefined) {
      // One-shot event: opens and is done.
      if (phase !== 'start' || this.inCooldown(hit)) return;
      this.addCooldown(hit);
      const incident = incidentFromHit(hit, frame ?? this.frameSize, this.opts);
      this.enqueue({ incident }, drawing, this.snapshotsOn() && frame !== undefined ? { frame, hit } : undefined);
      return;
    }
    const o = this.open.get(key);
    if (phase === 'end') {
      this.deferred.delete(key);
      this.pending.delete(key);
      if (o) this.enqueue(this.close(o, hit, hit.tMs, 'cleared'));
      return;
    }
    if (o !== undefined) return this.update(o, hit, frame, drawing);
    // A condition left open by the previous process or lifecycle, seen again: it continues under its id.
    const resumed = this.resumable(hit);
    if (resumed !== undefined) return this.resume(key, resumed, hit, frame, drawing);
    // A start, or an update of a key not open here (deferred by a cooldown, or started before this lifecycle).
    if (this.inCooldown(hit)) {
      this.deferred.set(key, hit);
      return;
    }
    this.deferred.delete(key);
    this.start(key, hit, frame, drawing);
  }

  private snapshotsOn(): boolean {
    return this.opts.snapshot !== false;
  }

  private start(key: string, hit: RuleHit, frame: RgbImage | undefined, drawing: Promise<void>[]): void {
    const kept = this.pending.get(key);
    this.pending.delete(key);
    const incident = incidentFromHit(hit, frame ?? this.frameSize, this.opts);
    // The pending hit's picture (the person by the object) is the evidence; else the start's own frame.
    const fallback = frame === undefined ? undefined : { frame, hit };
    let evidence: EvidenceRequest | undefined;
    if (this.snapshotsOn()) {
      if (kept?.snapshot !== undefined) evidence = { pending: kept.snapshot, ...(fallback && { fallback }) };
      else evidence = fallback;
    }
    const o: OpenIncident = {
      key,
      incident,
      ruleType: hit.ruleType,
      startMs: hit.tMs,
      lastHitMs: hit.tMs,
      lastSentMs: hit.tMs,
      // Decided on the picture being asked for, not on its drawing succeeding (decisions wait for no picture).
      bestQuality: evidence !== undefined ? this.quality(hit) : 0,
      acked: false,
      evidenceLocked: evidence !== undefined && kept?.snapshot !== undefined && kept.hasPerson,
      lastHit: hit,
      ruleFingerprint: ruleFingerprint(this.opts.camera, hit.ruleId) ?? '',
      durationOffsetSeconds: 0,
      evidenceGeneration: 0,
    };
    this.open.set(key, o);
    this.keyById.set(incident.id, key);
    this.enqueue({ incident: structuredClone(incident), open: this.stateOf(o) }, drawing, evidence, o);
  }

  private resumable(hit: RuleHit): RestoredIncident | undefined {
    if (this.restored.length === 0) return undefined;
    const size = this.frameSize;
    const bbox = size && hit.category !== 'health' ? normaliseBox(hit.box, size.width, size.height) : undefined;
    return findResumable(hit, bbox, this.restored);
  }

  /**
   * Continues a restored incident under the new rule key: one `update` now (the IOC learns it is still on,
   * with a fresh picture unless its evidence is locked), then the usual throttled updates.
   */
  private resume(key: string, r: RestoredIncident, hit: RuleHit, frame: RgbImage | undefined, drawing: Promise<void>[]): void {
    this.restored = this.restored.filter((x) => x !== r);
    const { state } = r;
    const incident = structuredClone(r.incident);
    incident.sequence = state.sequence;
    // The new episode began `hit.durationSeconds` ago; the incident began at state.startMs.
    const episodeStartMs = hit.tMs - (hit.durationSeconds ?? 0) * 1000;
    const o: OpenIncident = {
      key,
      incident,
      ruleType: hit.ruleType,
      startMs: state.startMs,
      lastHitMs: hit.tMs,
      lastSentMs: hit.tMs,
      bestQuality: state.bestQuality,
      acked: state.acked,
      evidenceLocked: state.evidenceLocked,
      lastHit: hit,
      ruleFingerprint: state.ruleFingerprint,
      durationOffsetSeconds: Math.max(0, (episodeStartMs - state.startMs) / 1000),
      evidenceGeneration: 0,
    };
    this.open.set(key, o);
    this.keyById.set(incident.id, key);
    this.refresh(o.incident, hit, 'update', o.durationOffsetSeconds);
    const fresh = frame !== undefined && !o.evidenceLocked && this.snapshotsOn();
    if (fresh) o.bestQuality = this.quality(hit);
    this.enqueue({ incident: structuredClone(o.incident), open: this.stateOf(o) }, drawing, fresh ? { frame, hit } : undefined, o);
  }

  private endRestored(r: RestoredIncident, reason: EndReason, tMs: number): IncidentRecord {
    this.restored = this.restored.filter((x) => x !== r);
    return restoredEnd(r, reason, tMs);
  }

  /** What the store keeps of an open incident so a restart can continue it. */
  private stateOf(o: OpenIncident): OpenIncidentState {
    return {
      key: o.key,
      ruleId: o.incident.ruleId,
      ruleType: o.ruleType,
      ruleFingerprint: o.ruleFingerprint,
      ...(o.incident.zoneId !== undefined && { zoneId: o.incident.zoneId }),
      bbox: [...o.incident.bbox],
      sequence: o.incident.sequence,
      startMs: o.startMs,
      lastHitMs: o.lastHitMs,
      lastSentMs: o.lastSentMs,
      bestQuality: o.bestQuality,
      evidenceLocked: o.evidenceLocked,
      acked: o.acked,
      durationOffsetSeconds: o.durationOffsetSeconds,
    };
  }

  private update(o: OpenIncident, hit: RuleHit, frame: RgbImage | undefined, drawing: Promise<void>[]): void {
    o.lastHitMs = hit.tMs;
    o.lastHit = hit;
    if (o.acked) return;
    const interval = this.opts.updateIntervalMs ?? DEFAULT_UPDATE_INTERVAL_MS;
    const gap = this.opts.minUpdateGapMs ?? DEFAULT_MIN_UPDATE_GAP_MS;
    const jump = this.opts.snapshotJump ?? DEFAULT_SNAPSHOT_JUMP;
    const gain = this.opts.snapshotGain ?? DEFAULT_SNAPSHOT_GAIN;
    const elapsed = hit.tMs - o.lastSentMs;
    // Snapshot quality matters only when a snapshot can be sent (a frame, snapshots on, not locked evidence).
    const q = frame && !o.evidenceLocked && this.opts.snapshot !== false ? this.quality(hit) : 0;
    const muchBetter = q > 0 && q > o.bestQuality * (1 + jump);
    if (!(elapsed >= interval || (muchBetter && elapsed >= gap))) return;

    this.refresh(o.incident, hit, 'update', o.durationOffsetSeconds);
    o.lastSentMs = hit.tMs;
    const better = frame !== undefined && q > 0 && q > o.bestQuality * (1 + gain);
    if (better) o.bestQuality = q;
    this.enqueue({ incident: structuredClone(o.incident), open: this.stateOf(o) }, drawing, better ? { frame, hit } : undefined, o);
  }

  private close(o: OpenIncident, hit: RuleHit, tMs: number, reason: EndReason): IncidentRecord {
    this.open.delete(o.key);
    this.keyById.delete(o.incident.id);
    this.refresh(o.incident, hit, 'end', o.durationOffsetSeconds);
    o.incident.endedAt = new Date(tMs).toISOString();
    o.incident.updatedAt = o.incident.endedAt;
    o.incident.endReason = reason;
    if (hit.durationSeconds === undefined) o.incident.durationSeconds = Math.max(0, (tMs - o.startMs) / 1000);
    this.addCooldown(hit);
    return { incident: structuredClone(o.incident) };
  }

  /** Latest facts of the condition onto the incident, as an event of the given status. */
  private refresh(incident: Incident, hit: RuleHit, status: 'update' | 'end', durationOffsetSeconds = 0): void {
    incident.status = status;
    incident.updatedAt = new Date(hit.tMs).toISOString();
    incident.sequence += 1;
    // The best detection that supported the incident, not the latest (a partly hidden object scores low).
    incident.score = Math.max(incident.score, hit.score);
    incident.trackId = hit.trackId;
    incident.className = hit.className;
    const size = this.frameSize;
    if (size && hit.category !== 'health') incident.bbox = normaliseBox(hit.box, size.width, size.height);
    if (hit.durationSeconds !== undefined) incident.durationSeconds = Math.round((hit.durationSeconds + durationOffsetSeconds) * 1000) / 1000;
    if (hit.counts !== undefined) incident.counts = structuredClone(hit.counts);
    applyHitDetails(incident, hit);
  }

  /** Keeps the frame of a `pending` hit (drawn now) as the evidence of the incident its key may open. */
  private keepEvidence(key: string, hit: RuleHit, frame: RgbImage | undefined): void {
    const hasPerson = hit.evidenceBox !== undefined;
    const existing = this.pending.get(key);
    // The first view is kept unless a later one shows the person and it did not.
    if (existing !== undefined && (existing.hasPerson || !hasPerson)) return;
    const entry: PendingEvidence = { tMs: hit.tMs, hasPerson };
    if (frame !== undefined && this.snapshotsOn()) entry.snapshot = this.draw(frame, hitOverlay(hit));
    this.pending.set(key, entry);
    const max = this.opts.maxPending ?? DEFAULT_MAX_PENDING;
    while (this.pending.size > max) this.pending.delete(this.pending.keys().next().value!);
  }

  private async draw(frame: RgbImage, overlay: SnapshotOverlay): Promise<Snapshot | undefined> {
    try {
      // Privacy before drawing, on the clean frame; a failing privacy step loses the picture, never leaks it.
      // Without privacy the renderer is called in this same step (no await): the picture starts with its decision.
      const privacy = this.opts.privacy;
      const shown = privacy === undefined || privacy.none ? frame : await privateFrame(frame, privacy, (overlay.boxes ?? []).map((b) => b.box));
      return await this.render(shown, overlay, this.opts.snapshot || {});
    } catch (err) {
      // Losing the picture is better than losing the incident.
      this.opts.onSnapshotError?.(err);
      return undefined;
    }
  }

  private quality(hit: RuleHit): number {
    const size = this.frameSize;
    if (size === undefined) return 0;
    return snapshotQuality({ score: hit.detectionScore ?? hit.score, box: hit.box, ...(hit.occlusion !== undefined && { occlusion: hit.occlusion }) }, size.width, size.height);
  }

  private inCooldown(hit: RuleHit): boolean {
    const samePlaceIou = this.opts.samePlaceIou ?? DEFAULT_SAME_PLACE_IOU;
    return this.cooldowns.some((c) => {
      if (c.ruleId !== hit.ruleId || hit.tMs >= c.untilMs) return false;
      // Zone- and camera-level incidents (trackId 0): one per rule at a time.
      if (hit.trackId === 0 || c.trackId === 0) return hit.trackId === c.trackId;
      if (c.trackId === hit.trackId) return true;
      return STATIONARY_RULE_TYPES.has(hit.ruleType) && iou(c.box, hit.box) >= samePlaceIou;
    });
  }

  private addCooldown(hit: RuleHit): void {
    const ms = hit.cooldownMs ?? 0;
    if (ms <= 0) return;
    // Expired entries go here too, so memory stays bounded even if the caller never ticks.
    this.cooldowns = this.cooldowns.filter((c) => c.untilMs > hit.tMs);
    this.cooldowns.push({ ruleId: hit.ruleId, ruleType: hit.ruleType, trackId: hit.trackId, box: { ...hit.box }, untilMs: hit.tMs + ms });
  }
}
