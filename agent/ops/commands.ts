import { open } from 'node:fs/promises';
import type { CommandHandler } from '../uplink/index.js';
import type { StoredClip } from '../store/index.js';
import type { ReloadPlan } from './reload-plan.js';
import type { AgentStatus } from './status-report.js';

/** What the IOC's commands may do to the running agent; the Agent implements it. */
export interface CommandTarget {
  acknowledge(incidentId: string): number | undefined;
  status(): AgentStatus;
  reloadFromDisk(): Promise<ReloadPlan>;
  snapshot(cameraId: string): Promise<{ cameraId: string; capturedAt: string; width: number; height: number; jpeg: Buffer } | undefined>;
  resend(selector: { incidentIds: string[] } | { sinceMs: number }): number;
  cameraIds(): string[];
  /** The stored clip of an incident (absent: none, not yet cut, or pruned). */
  clip?(incidentId: string): StoredClip | undefined;
}

/**
 * Clip bytes per `clip` answer by default: 128 KiB is ~171 KiB as base64, inside the embedded broker's
 * 256 KiB packet cap with room for the JSON around it. The IOC asks for the next chunk at `nextOffset`.
 */
export const DEFAULT_CLIP_CHUNK_BYTES = 128 * 1024;
/** The largest chunk a request may ask for (`maxBytes`): the snapshot answer's cap, for the same reason. */
export const MAX_CLIP_CHUNK_BYTES = 512 * 1024;

/** Snapshots answered inline are capped: a response is one MQTT message, and brokers cap those too. */
export const DEFAULT_MAX_SNAPSHOT_RESPONSE_BYTES = 512 * 1024;

function requireString(request: Record<string, unknown>, field: string, what: string): string {
  const value = request[field];
  if (typeof value !== 'string' || value.length === 0) throw new Error(`${what} needs a "${field}" string`);
  return value;
}

/**
 * The IOC's commands (`<prefix>/<agentId>/cmd/<name>`): each validates its request and throws a readable
 * error, which the uplink answers as `{status: "error", error}`; nothing here can crash the agent.
 */
export function agentCommands(target: CommandTarget): Record<string, CommandHandler> {
  return {
    ack: (req) => {
      const id = requireString(req, 'id', 'ack');
      const cancelled = target.acknowledge(id);
      if (cancelled === undefined) throw new Error(`no incident ${id}`);
      return { id, cancelled };
    },
    status: () => target.status(),
    reload: () => target.reloadFromDisk(),
    snapshot: async (req) => {
      const cameraId = requireString(req, 'camera', 'snapshot');
      if (!target.cameraIds().includes(cameraId)) throw new Error(`no running camera "${cameraId}" (cameras: ${target.cameraIds().join(', ') || 'none'})`);
      const shot = await target.snapshot(cameraId);
      if (!shot) throw new Error(`camera "${cameraId}" has not delivered a frame yet`);
      if (shot.jpeg.length > DEFAULT_MAX_SNAPSHOT_RESPONSE_BYTES) throw new Error(`snapshot of ${shot.jpeg.length} bytes exceeds the ${DEFAULT_MAX_SNAPSHOT_RESPONSE_BYTES} byte response cap`);
      return { cameraId, capturedAt: shot.capturedAt, width: shot.width, height: shot.height, contentType: 'image/jpeg', data: shot.jpeg.toString('base64') };
    },
    clip: async (req) => {
      const id = requireString(req, 'id', 'clip');
      const offset = req.offset === undefined ? 0 : req.offset;
      if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) throw new Error('clip "offset" must be a byte offset (integer >= 0)');
      const maxBytes = req.maxBytes === undefined ? DEFAULT_CLIP_CHUNK_BYTES : req.maxBytes;
      if (typeof maxBytes !== 'number' || !Number.isInteger(maxBytes) || maxBytes < 1024 || maxBytes > MAX_CLIP_CHUNK_BYTES) {
        throw new Error(`clip "maxBytes" must be an integer from 1024 to ${MAX_CLIP_CHUNK_BYTES} (bytes per answer; brokers cap message size)`);
      }
      const clip = target.clip?.(id);
      if (clip === undefined) throw new Error(`no clip for incident ${id} (clips off for its camera, not cut yet, or pruned by clips.maxStoreBytes)`);
      if (offset > clip.bytes) throw new Error(`clip "offset" ${offset} is past the clip's end (${clip.bytes} bytes)`);
      const length = Math.min(maxBytes, clip.bytes - offset);
      const data = Buffer.alloc(length);
      const file = await open(clip.path, 'r');
      try {
        await file.read(data, 0, length, offset);
      } finally {
        await file.close();
      }
      const next = offset + length < clip.bytes ? { nextOffset: offset + length } : {};
      return {
        id,
        cameraId: clip.cameraId,
        contentType: 'video/mp4',
        durationSeconds: clip.durationSeconds,
        totalBytes: clip.bytes,
        sha256: clip.sha256,
        offset,
        bytes: length,
        ...next,
        data: data.toString('base64'),
      };
    },
    resend: (req) => {
      if (Array.isArray(req.ids)) {
        const ids = req.ids.filter((x): x is string => typeof x === 'string');
        if (ids.length === 0) throw new Error('resend "ids" must be a list of incident ids');
        return { queued: target.resend({ incidentIds: ids }) };
      }
      const since = requireString(req, 'since', 'resend');
      const sinceMs = Date.parse(since);
      if (Number.isNaN(sinceMs)) throw new Error(`resend "since" must be an ISO 8601 time, got "${since}"`);
      return { queued: target.resend({ sinceMs }) };
    },
  };
}
