import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ClipRecorder, checkRingSpace, clipUploadUrl, createClipRing, shownUrl, type ClipMaskRenderer, type ClipRing, type IncidentClip } from '../clips/index.js';
import type { CameraConfig, LoadedConfig } from '../config/index.js';
import type { Logger } from '../core/index.js';
import type { Incident, IncidentClipInfo, IncidentRecord } from '../incidents/index.js';
import { maskOverlayPng } from '../privacy/index.js';
import { DEFAULT_STORE_DISK_RESERVE_BYTES, type IncidentStore } from '../store/index.js';

/**
 * How a clip that now exists reaches the IOC (pure): an incident that already ended gets its `end` sent again
 * with the clip and the next sequence; an open one carries the clip on its next events (`attach`).
 */
export function announceClip(latest: Incident | undefined, clip: IncidentClipInfo, now: Date): { resend?: Incident; attach: boolean } {
  if (latest === undefined) return { attach: false };
  if (latest.status !== 'end') return { attach: true };
  return { resend: { ...latest, clip, sequence: (latest.sequence ?? 1) + 1, updatedAt: now.toISOString() }, attach: false };
}

/**
 * The camera's mask overlay for its clips when `clips.maskPrivacy` is on and it has masks (else undefined: stream
 * copy). The PNG is drawn once per stream size and kept: the camera's config is fixed for the recorder's life.
 */
export function clipMaskRenderer(camera: Pick<CameraConfig, 'clips' | 'privacy'>): ClipMaskRenderer | undefined {
  if (!camera.clips.maskPrivacy || camera.privacy.masks.length === 0) return undefined;
  const masks = camera.privacy.masks;
  const cache = new Map<string, Promise<Buffer>>();
  return (width, height) => {
    const key = `${width}x${height}`;
    let png = cache.get(key);
    if (png === undefined) {
      png = maskOverlayPng(masks, width, height);
      cache.set(key, png);
    }
    return png;
  };
}

/** A ring stops within this (ms) on shutdown; the cuts of ended incidents follow it. */
const CLIP_CAMERA_STOP_TIMEOUT_MS = 10_000;

/** What the agent hands its clips: config, data directory, store and writer. */
export interface AgentClipsOptions {
  /** The config as loaded (cameras, clips settings, passwords, the config file's folder). */
  loaded: () => LoadedConfig;
  /** agent.dataDir, resolved. */
  dataDir: string;
  /** clips.ringDir, resolved; default `<dataDir>/clips/ring`. */
  ringDir?: string;
  logger: Logger;
  store: () => IncidentStore | undefined;
  /** Commits the incident events queued in the writer (a clip's incident row must exist before the clip's). */
  flushWriter: () => void;
  /** Queues an incident event (the `end` sent again with its clip). */
  write: (record: IncidentRecord) => void;
  /** A clip was stored: wake the upload lane. */
  onStored?: () => void;
}

interface CameraClips {
  ring: ClipRing;
  recorder: ClipRecorder;
}

/**
 * Evidence clips of the running agent (wiring; decisions are in agent/clips): a ring and a recorder per camera
 * with `clips.enabled`, fed the camera's incident events; each clip cut is stored with its incident, and its
 * facts ride the incident's next event, or, when the incident already ended, a repeat of its `end` with the
 * next sequence.
 */
export class AgentClips {
  private readonly options: AgentClipsOptions;
  private readonly log: Logger;
  private readonly cameras = new Map<string, CameraClips>();
  /** Clips of incidents still open: attached to their next events. */
  private readonly pending = new Map<string, IncidentClipInfo>();

  constructor(options: AgentClipsOptions) {
    this.options = options;
    this.log = options.logger.child({ component: 'clips' });
  }

  /** Start-up check: the rings of every enabled camera fit on the data directory's disk (CLIP_RING_SPACE otherwise). */
  checkSpace(): void {
    const cameras = this.options.loaded().config.cameras.filter((c) => c.enabled);
    // The rings' own file system (a tmpfs, or the data disk where the store needs its reserve too).
    mkdirSync(this.ringDir, { recursive: true });
    const total = checkRingSpace(cameras, this.ringDir, this.options.ringDir === undefined ? DEFAULT_STORE_DISK_RESERVE_BYTES : 0);
    if (total > 0) this.log.info({ ringBytes: total, cameras: cameras.filter((c) => c.clips.enabled).length }, 'clip rings sized');
  }

  get ringDir(): string {
    return this.options.ringDir ?? join(this.options.dataDir, 'clips', 'ring');
  }

  /** Starts the camera's ring and recorder when its clips are on. */
  startCamera(camera: CameraConfig): void {
    if (!camera.clips.enabled || this.cameras.has(camera.id)) return;
    const store = this.options.store();
    if (store?.clips === undefined) return;
    const loaded = this.options.loaded();
    let recorder: ClipRecorder | undefined;
    const ring = createClipRing(camera, {
      ringDir: this.ringDir,
      logger: this.options.logger,
      baseDir: loaded.baseDir,
      passwords: { camera: loaded.secrets.cameraPasswords[camera.id], clips: loaded.secrets.clipPasswords?.[camera.id] },
      onSegment: () => recorder?.onSegment(),
    });
    const mask = clipMaskRenderer(camera);
    recorder = new ClipRecorder({
      ...camera.clips,
      ...(mask !== undefined && { mask }),
      cameraId: camera.id,
      ring,
      ffmpegPath: ring.ffmpegPath,
      outDir: store.clips.dir,
      logger: this.log.child({ camera: camera.id }),
      onClip: (clip) => this.onClip(clip),
    });
    this.cameras.set(camera.id, { ring, recorder });
    ring.start();
  }

  /** Stops the camera's ring, then cuts the clips of incidents that ended (shorter post-roll), then clears the ring. */
  async stopCamera(cameraId: string): Promise<void> {
    const cam = this.cameras.get(cameraId);
    if (cam === undefined) return;
    this.cameras.delete(cameraId);
    await cam.ring.stop();
    await Promise.race([cam.recorder.flush(), new Promise((r) => setTimeout(r, CLIP_CAMERA_STOP_TIMEOUT_MS).unref())]);
    cam.ring.clear();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.cameras.keys()].map((id) => this.stopCamera(id)));
  }

  /** Ring state per camera (status, bench). */
  rings(): Array<{ cameraId: string } & ReturnType<ClipRing['stats']>> {
    return [...this.cameras].map(([cameraId, c]) => ({ cameraId, ...c.ring.stats() }));
  }

  /**
   * Every incident event of a camera passes here before the store: it plans, extends or closes the incident's
   * clip, and returns the event with the clip's facts when the clip already exists.
   */
  onIncident(record: IncidentRecord): IncidentRecord {
    const inc = record.incident;
    const cam = this.cameras.get(inc.cameraId);
    if (cam !== undefined && inc.status !== 'summary') {
      const startMs = Date.parse(inc.startedAt);
      if (Number.isFinite(startMs)) {
        if (inc.status === 'end' || (inc.status === 'new' && record.open === undefined)) {
          // A one-shot incident (a line crossing) ends as it starts.
          const endMs = Date.parse(inc.endedAt ?? inc.updatedAt ?? inc.startedAt);
          cam.recorder.incidentEnded(inc.id, startMs, Number.isFinite(endMs) ? endMs : startMs);
        } else cam.recorder.incidentStarted(inc.id, startMs);
      }
    }
    // A clip cut at the cap before a restart is in the store, not in `pending`: its incident's end still says so.
    const clip = this.pending.get(inc.id) ?? (inc.status === 'end' ? this.storedInfo(inc.id) : undefined);
    if (clip === undefined) return record;
    if (inc.status === 'end') this.pending.delete(inc.id);
    return { ...record, incident: { ...inc, clip } };
  }

  private storedInfo(incidentId: string): IncidentClipInfo | undefined {
    const stored = this.options.store()?.clips?.get(incidentId);
    return stored === undefined ? undefined : this.info(stored);
  }

  /** What the incident payload says of a clip. */
  private info(clip: { incidentId: string; cameraId: string; durationSeconds: number; bytes: number; sha256: string; fromMs: number; toMs: number }): IncidentClipInfo {
    const info: IncidentClipInfo = {
      contentType: 'video/mp4',
      durationSeconds: clip.durationSeconds,
      bytes: clip.bytes,
      sha256: clip.sha256,
      from: new Date(clip.fromMs).toISOString(),
      to: new Date(clip.toMs).toISOString(),
    };
    const { config } = this.options.loaded();
    const upload = config.clips.upload;
    if (upload !== undefined) info.url = shownUrl(clipUploadUrl(upload.urlTemplate, { agentId: config.agent.id, cameraId: clip.cameraId, incidentId: clip.incidentId }));
    return info;
  }

  private onClip(clip: IncidentClip): void {
    const store = this.options.store();
    if (store?.clips === undefined) return;
    const upload = this.options.loaded().config.clips.upload;
    try {
      this.options.flushWriter();
      store.clips.add(clip, { upload: upload !== undefined });
    } catch (err) {
      this.log.warn({ err, incidentId: clip.incidentId }, 'clip could not be stored (its incident is not in the store); deleted');
      rmSync(clip.path, { force: true });
      return;
    }
    const info = this.info(clip);
    this.options.onStored?.();
    const next = announceClip(store.get(clip.incidentId)?.incident, info, new Date());
    if (next.resend !== undefined) this.options.write({ incident: next.resend });
    else if (next.attach) this.pending.set(clip.incidentId, info);
  }
}
