import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../core/index.js';
import { cutClip, type ClipMaskRenderer, type CutClip } from './cut.js';
import { clipReady, clipWindow, segmentsCovering, type ClipWindow, type ClipWindowOptions, type RingSegment } from './window.js';

/** How long (ms) after a clip's window ends the recorder waits for the segment that closes it before cutting with what the ring has (a camera that went down). */
export const DEFAULT_CLIP_LATE_MS = 15_000;

/** The part of the ring a recorder reads. */
export interface SegmentSource {
  segments(): RingSegment[];
  pathOf(segment: RingSegment): string;
  pin(fromMs: number): () => void;
}

/** A clip cut for an incident: the file and the window it covers (the first segment may start up to one segment early). */
export interface IncidentClip extends CutClip {
  incidentId: string;
  cameraId: string;
  /** Wall time of the clip's first and last frame (epoch ms). */
  fromMs: number;
  toMs: number;
  /** The incident was still open (or longer than maxSeconds) at the cap. */
  capped: boolean;
}

/** One camera's clip settings, its ring, and where clips go. */
export interface ClipRecorderOptions extends ClipWindowOptions {
  cameraId: string;
  ring: SegmentSource;
  ffmpegPath: string;
  /** Folder the clips are written to (`<incidentId>.mp4`). */
  outDir: string;
  logger: Logger;
  /** A clip exists (called once per incident, in cut order). */
  onClip: (clip: IncidentClip) => void;
  /** Privacy masks burned into every clip by re-encoding (cameras[].clips.maskPrivacy with masks); absent: stream copy. */
  mask?: ClipMaskRenderer;
  lateMs?: number;
  now?: () => number;
}

interface Job {
  incidentId: string;
  startMs: number;
  endMs?: number;
  release: () => void;
  timer?: NodeJS.Timeout;
  state: 'waiting' | 'cutting' | 'done';
}

/**
 * One camera's clips: every incident becomes a job when it starts; the clip is cut (one cut at a time per
 * camera) as soon as the ring holds a segment past the window's end (`postSeconds` after the incident ended,
 * or the cap), or `lateMs` after that at the latest, with whatever the ring has.
 */
export class ClipRecorder {
  private readonly options: ClipRecorderOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly jobs = new Map<string, Job>();
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(options: ClipRecorderOptions) {
    this.options = options;
    this.log = options.logger;
    this.now = options.now ?? Date.now;
    mkdirSync(options.outDir, { recursive: true });
  }

  /** Incidents waiting for their clip. */
  get waiting(): number {
    return [...this.jobs.values()].filter((j) => j.state === 'waiting').length;
  }

  /** An incident started (or was seen again after a restart): its clip is planned. */
  incidentStarted(incidentId: string, startMs: number): void {
    if (this.stopped || this.jobs.has(incidentId)) return;
    const { fromMs } = clipWindow(startMs, undefined, this.options);
    const job: Job = { incidentId, startMs, release: this.options.ring.pin(fromMs), state: 'waiting' };
    this.jobs.set(incidentId, job);
    this.check(job);
  }

  /** An incident ended (`endMs`: the last time its condition was seen). One-shot incidents end as they start. */
  incidentEnded(incidentId: string, startMs: number, endMs: number): void {
    if (this.stopped) return;
    if (!this.jobs.has(incidentId)) this.incidentStarted(incidentId, startMs);
    const job = this.jobs.get(incidentId);
    if (job === undefined) return;
    if (job.state === 'done') {
      this.jobs.delete(incidentId); // cut at the cap already; nothing more to do
      return;
    }
    job.endMs = endMs;
    this.check(job);
  }

  /** A segment closed: cut the clips it completes. */
  onSegment(): void {
    for (const job of this.jobs.values()) this.check(job);
  }

  /**
   * Cuts every clip whose incident ended, now, with what the ring has (shutdown: a shorter post-roll beats no
   * clip); clips of open incidents are dropped. Resolves when the cuts are done.
   */
  async flush(): Promise<void> {
    for (const job of this.jobs.values()) {
      if (job.state !== 'waiting') continue;
      if (job.endMs === undefined) this.finish(job);
      else this.cut(job, clipWindow(job.startMs, job.endMs, this.options));
    }
    this.stopped = true;
    await this.queue;
  }

  private check(job: Job): void {
    if (job.state !== 'waiting') return;
    const window = clipWindow(job.startMs, job.endMs, this.options);
    if (clipReady(this.options.ring.segments(), window.toMs)) return this.cut(job, window);
    clearTimeout(job.timer);
    const delayMs = Math.max(0, window.toMs + (this.options.lateMs ?? DEFAULT_CLIP_LATE_MS) - this.now());
    job.timer = setTimeout(() => {
      if (job.state !== 'waiting') return;
      this.log.warn({ incidentId: job.incidentId }, 'clip: the ring has no segment past the clip window (camera down?); cutting what it has');
      this.cut(job, window);
    }, delayMs);
    job.timer.unref();
  }

  private cut(job: Job, window: ClipWindow): void {
    clearTimeout(job.timer);
    job.state = 'cutting';
    this.queue = this.queue.then(() => this.runCut(job, window));
  }

  private async runCut(job: Job, window: ClipWindow): Promise<void> {
    const { ring, cameraId } = this.options;
    const segments = segmentsCovering(ring.segments(), window.fromMs, window.toMs);
    try {
      if (segments.length === 0) {
        this.log.warn({ incidentId: job.incidentId }, 'clip: no ring segment covers the incident (the ring was not recording)');
        return;
      }
      const durationMs = segments.reduce((sum, s) => sum + (s.endMs - s.startMs), 0);
      const clip = await cutClip({
        ffmpegPath: this.options.ffmpegPath,
        segmentPaths: segments.map((s) => ring.pathOf(s)),
        durationMs,
        outPath: join(this.options.outDir, `${job.incidentId}.mp4`),
        ...(this.options.mask !== undefined && { mask: this.options.mask }),
      });
      const result: IncidentClip = { ...clip, incidentId: job.incidentId, cameraId, fromMs: segments[0]!.startMs, toMs: segments.at(-1)!.endMs, capped: window.capped };
      this.log.info({ incidentId: job.incidentId, durationSeconds: clip.durationSeconds, bytes: clip.bytes, capped: window.capped, masked: this.options.mask !== undefined }, 'clip cut');
      this.options.onClip(result);
    } catch (err) {
      this.log.warn({ err, incidentId: job.incidentId }, 'clip could not be cut');
    } finally {
      this.finish(job);
    }
  }

  private finish(job: Job): void {
    clearTimeout(job.timer);
    job.release();
    job.state = 'done';
    // A capped clip of a still-open incident stays as `done` until the incident ends (see incidentEnded).
    if (job.endMs !== undefined) this.jobs.delete(job.incidentId);
  }
}
