import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import type { CameraConfig } from '../config/index.js';
import type { Logger } from '../core/index.js';
import { lineToFrame, zoneToFrame } from '../rules/index.js';
import type { LiveFrame } from './port.js';

/** JPEG quality of live frames: ~25 KB for 640×360 street scenes, enough to place a zone corner. */
export const DEFAULT_LIVE_JPEG_QUALITY = 70;
/** Points of a track's trail sent (newest last): two seconds at 5 fps is enough to see where it goes. */
export const DEFAULT_LIVE_TRAIL_POINTS = 20;
/** A comment line every this often keeps proxies and the SSH tunnel from closing an idle stream (ms). */
export const DEFAULT_LIVE_KEEPALIVE_MS = 15_000;

/** One event of the live stream (`event: frame`); every coordinate is in analysis-frame pixels. */
export interface LiveEvent {
  seq: number;
  at: string;
  width: number;
  height: number;
  /** The analysis frame as a base64 JPEG. */
  jpeg: string;
  detections: Array<{ class: string; score: number; box: [number, number, number, number] }>;
  tracks: Array<{ id: number; class: string; box: [number, number, number, number]; trail: Array<[number, number]> }>;
  zones: Array<{ id: string; name?: string; points: Array<[number, number]> }>;
  lines: Array<{ id: string; name?: string; from: [number, number]; to: [number, number] }>;
  counts: ReadonlyArray<{ ruleId: string; lineId: string; counts: unknown }>;
}

export interface LiveHubOptions {
  fps: number;
  liveFrame: (cameraId: string) => LiveFrame | undefined;
  camera: (cameraId: string) => CameraConfig | undefined;
  logger: Logger;
}

/** One connected viewer: at most one event per `minIntervalMs` (its own `fps`, at most console.liveFps). */
interface ViewerState {
  minIntervalMs: number;
  lastSentMs: number;
}

interface Channel {
  viewers: Map<ServerResponse, ViewerState>;
  timer: NodeJS.Timeout;
  lastSeq?: number;
  encoding: boolean;
}

const round = (v: number) => Math.round(v * 10) / 10;
const box = (b: { x1: number; y1: number; x2: number; y2: number }): [number, number, number, number] => [round(b.x1), round(b.y1), round(b.x2), round(b.y2)];

/** The event of one frame, without its JPEG: pure, for the tests and the stream alike. */
export function liveEventBody(frame: LiveFrame, camera: CameraConfig | undefined): Omit<LiveEvent, 'jpeg'> {
  const geo = { frameWidth: frame.width, frameHeight: frame.height, ...(frame.sourceWidth === undefined ? {} : { sourceWidth: frame.sourceWidth }), ...(frame.sourceHeight === undefined ? {} : { sourceHeight: frame.sourceHeight }) };
  const zones: LiveEvent['zones'] = [];
  const lines: LiveEvent['lines'] = [];
  for (const z of camera?.zones ?? []) {
    try {
      zones.push({ id: z.id, ...(z.name === undefined ? {} : { name: z.name }), points: zoneToFrame(z, geo).map((p) => [round(p.x), round(p.y)]) });
    } catch {
      // pixels units before the stream size is known: the rules could not place it either.
    }
  }
  for (const l of camera?.lines ?? []) {
    try {
      const s = lineToFrame(l, geo);
      lines.push({ id: l.id, ...(l.name === undefined ? {} : { name: l.name }), from: [round(s.from.x), round(s.from.y)], to: [round(s.to.x), round(s.to.y)] });
    } catch {
      // as above
    }
  }
  return {
    seq: frame.seq,
    at: new Date(frame.capturedAtMs).toISOString(),
    width: frame.width,
    height: frame.height,
    detections: frame.detections.map((d) => ({ class: d.className, score: Math.round(d.score * 1000) / 1000, box: box(d.box) })),
    tracks: frame.tracks.map((t) => ({
      id: t.id,
      class: t.className,
      box: box(t.box),
      trail: t.history.slice(-DEFAULT_LIVE_TRAIL_POINTS).map((p): [number, number] => [round(p.x), round(p.y)]),
    })),
    zones,
    lines,
    counts: frame.lineCounts,
  };
}

/** The analysis frame (RGB24) as a JPEG. */
export function encodeFrameJpeg(frame: Pick<LiveFrame, 'width' | 'height' | 'data'>, quality = DEFAULT_LIVE_JPEG_QUALITY): Promise<Buffer> {
  return sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } }).jpeg({ quality }).toBuffer();
}

/**
 * Live views as Server-Sent Events. A camera's timer runs only while it has a viewer, and each new frame is
 * encoded once for all its viewers: with nobody watching the console costs nothing per frame.
 */
export class LiveHub {
  private readonly channels = new Map<string, Channel>();
  private readonly keepalive: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: LiveHubOptions) {
    this.keepalive = setInterval(() => {
      for (const ch of this.channels.values()) for (const res of ch.viewers.keys()) res.write(': keepalive\n\n');
    }, DEFAULT_LIVE_KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /** Viewers connected now, over all cameras. */
  get viewers(): number {
    let n = 0;
    for (const ch of this.channels.values()) n += ch.viewers.size;
    return n;
  }

  /**
   * Adds a viewer (its response already has the SSE headers); it leaves when its connection closes. `fps`
   * lowers its own rate (a slow link), never above console.liveFps.
   */
  join(cameraId: string, res: ServerResponse, fps = this.options.fps): void {
    if (this.closed) {
      res.end();
      return;
    }
    let ch = this.channels.get(cameraId);
    if (ch === undefined) {
      const periodMs = Math.max(1, Math.round(1000 / this.options.fps));
      const channel: Channel = { viewers: new Map(), encoding: false, timer: setInterval(() => void this.tick(cameraId, channel), periodMs) };
      ch = channel;
      this.channels.set(cameraId, ch);
    }
    // 10 % slack: a viewer at the channel's own rate must not miss every other tick to timer jitter.
    ch.viewers.set(res, { minIntervalMs: (1000 / Math.min(fps, this.options.fps)) * 0.9, lastSentMs: 0 });
    const log = this.options.logger;
    log.info({ camera: cameraId, viewers: this.viewers }, 'console: live viewer joined');
    res.once('close', () => this.leave(cameraId, res));
  }

  private leave(cameraId: string, res: ServerResponse): void {
    const ch = this.channels.get(cameraId);
    if (ch === undefined || !ch.viewers.delete(res)) return;
    if (ch.viewers.size === 0) {
      clearInterval(ch.timer);
      this.channels.delete(cameraId);
    }
    this.options.logger.info({ camera: cameraId, viewers: this.viewers }, 'console: live viewer left');
  }

  private async tick(cameraId: string, ch: Channel): Promise<void> {
    // A slow encode (busy box) skips ticks rather than queueing them.
    if (ch.encoding) return;
    const nowMs = Date.now();
    const due = [...ch.viewers].filter(([, v]) => nowMs - v.lastSentMs >= v.minIntervalMs);
    if (due.length === 0) return;
    const frame = this.options.liveFrame(cameraId);
    if (frame === undefined || frame.seq === ch.lastSeq) return;
    ch.lastSeq = frame.seq;
    ch.encoding = true;
    try {
      const body = liveEventBody(frame, this.options.camera(cameraId));
      const jpeg = await encodeFrameJpeg(frame);
      const event: LiveEvent = { ...body, jpeg: jpeg.toString('base64') };
      const text = `id: ${event.seq}\nevent: frame\ndata: ${JSON.stringify(event)}\n\n`;
      for (const [res, viewer] of due) {
        // A viewer on a slow link whose buffer is still full misses this frame instead of piling them up.
        if (res.writableNeedDrain || res.writableEnded) continue;
        viewer.lastSentMs = nowMs;
        res.write(text);
      }
    } catch (err) {
      this.options.logger.warn({ err, camera: cameraId }, 'console: live frame failed; trying the next');
    } finally {
      ch.encoding = false;
    }
  }

  /** Ends every stream (agent stopping); later joins are closed at once. */
  close(): void {
    this.closed = true;
    clearInterval(this.keepalive);
    for (const [id, ch] of this.channels) {
      clearInterval(ch.timer);
      for (const res of ch.viewers.keys()) res.end();
      this.channels.delete(id);
    }
  }
}
