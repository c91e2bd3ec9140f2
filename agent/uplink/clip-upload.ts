import { existsSync } from 'node:fs';
import { backoffDelayMs, type BackoffOptions, type Logger } from '../core/index.js';
import { clipUploadUrl, shownUrl, type ClipUploadOptions } from '../clips/index.js';
import type { ClipStore, StoredClip } from '../store/index.js';
import { httpPutFile } from './http-put.js';

/**
 * Retry delays of a clip upload: 2 s, 4 s ... capped at 5 min, ±20 %. An upload endpoint behind a box's
 * 4G link is often away for minutes; a clip is evidence, not an alarm, so a few minutes' delay costs nothing.
 */
export const DEFAULT_CLIP_UPLOAD_BACKOFF: Readonly<BackoffOptions> = { initialDelayMs: 2_000, maxDelayMs: 300_000, multiplier: 2, jitterRatio: 0.2 };

/** The clip queue, the upload settings (`clips.upload`) and the retry delays. */
export interface ClipUploaderOptions {
  clips: ClipStore;
  upload: ClipUploadOptions;
  agentId: string;
  logger: Logger;
  backoff?: BackoffOptions;
  now?: () => number;
  random?: () => number;
}

/** What the upload lane has done since start. */
export interface ClipUploadStats {
  uploaded: number;
  failedAttempts: number;
  pending: number;
}

/**
 * The clip upload lane: uploads the store's queued clips one at a time over HTTP(S) (`clips.upload`, e.g. an
 * S3 presigned PUT), oldest due first; a failure (network down, timeout, any non-2xx answer) leaves the clip
 * queued and due again after a backoff, so every clip is uploaded at least once, across outages and restarts
 * (the queue is in the store). Runs beside the MQTT drain, never in it: a slow upload delays no incident.
 * Neither a URL's query string (presigned signatures) nor the headers (Authorization) are ever logged.
 */
export class ClipUploader {
  private readonly options: ClipUploaderOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private abort = new AbortController();
  private stopped = false;
  private again = false;
  private readonly counters = { uploaded: 0, failedAttempts: 0 };
  /** Failed attempts per clip in this process: the backoff starts short again after a restart. */
  private readonly failures = new Map<string, number>();

  constructor(options: ClipUploaderOptions) {
    this.options = options;
    this.log = options.logger.child({ component: 'clip-upload' });
    this.now = options.now ?? Date.now;
  }

  start(): void {
    const queued = this.options.clips.retryUploadsNow(this.now());
    if (queued > 0) this.log.info({ queued }, 'clip uploads queued before the restart: retrying now');
    this.notify();
  }

  /** A clip was queued (or time passed): upload what is due. */
  notify(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.notify();
      } else this.schedule();
    });
  }

  stats(): ClipUploadStats {
    return { ...this.counters, pending: this.options.clips.uploadsPending() };
  }

  /** Stops after aborting the upload in flight (it stays queued: uploaded again after the restart). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    const due = this.options.clips.nextUploadDueMs();
    if (due === undefined) return;
    this.timer = setTimeout(() => this.notify(), Math.max(0, due - this.now()));
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const clip = this.options.clips.dueUploads(this.now(), 1)[0];
      if (clip === undefined) return;
      await this.uploadOne(clip);
    }
  }

  private async uploadOne(clip: StoredClip): Promise<void> {
    const { upload, agentId, clips } = this.options;
    const url = clipUploadUrl(upload.urlTemplate, { agentId, cameraId: clip.cameraId, incidentId: clip.incidentId });
    const fields = { incidentId: clip.incidentId, url: shownUrl(url), bytes: clip.bytes, attempt: clip.uploadAttempts + 1 };
    if (!existsSync(clip.path)) {
      // The file is gone (deleted by hand): nothing will ever upload it; its row stays for the record.
      this.log.error(fields, 'clip file missing; its upload is dropped');
      clips.markUploaded(clip.incidentId);
      return;
    }
    try {
      const response = await httpPutFile({
        url,
        method: upload.method,
        headers: upload.headers,
        path: clip.path,
        bytes: clip.bytes,
        contentType: 'video/mp4',
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(upload.timeoutSeconds * 1000)]),
      });
      if (response.status < 200 || response.status > 299) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
      clips.markUploaded(clip.incidentId);
      this.failures.delete(clip.incidentId);
      this.counters.uploaded++;
      this.log.info(fields, 'clip uploaded');
    } catch (err) {
      if (this.stopped) return; // aborted by stop(): still queued, not a failure
      this.counters.failedAttempts++;
      const failures = (this.failures.get(clip.incidentId) ?? 0) + 1;
      this.failures.set(clip.incidentId, failures);
      const delayMs = backoffDelayMs(failures, this.options.backoff ?? DEFAULT_CLIP_UPLOAD_BACKOFF, this.options.random);
      clips.markUploadFailed(clip.incidentId, this.now() + delayMs);
      // The error's own text may quote the URL (some network errors do): only its reason is kept.
      const reason = describeFailure(err, url);
      this.log.warn({ ...fields, reason, retryInMs: delayMs }, 'clip upload failed; retrying later');
    }
  }
}

/** A failure in a few words, the URL (with its query string) removed from whatever the error says. */
function describeFailure(err: unknown, url: string): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const text = e.name === 'TimeoutError' ? 'timed out' : [e.message, e.cause?.code ?? e.cause?.message].filter(Boolean).join(': ');
  return text.split(url).join(shownUrl(url)).replace(/\?\S*/g, '?…');
}
