import { jsonNestingDepth, printable } from '../core/index.js';

/**
 * What `camwatch tail` prints for one MQTT message (pure: topic and payload in, one line out). Payloads
 * come from the network, so every field is checked before use and made printable.
 */

/** Deepest JSON nesting tail reads from the broker: an incident event is about 4 levels deep. */
const TAIL_MAX_JSON_DEPTH = 32;

/** A message under `<prefix>/<agentId>/…`, classified by its topic. */
export type TailMessage =
  | { kind: 'incident'; agentId: string; payload: Record<string, unknown> }
  | { kind: 'camera'; agentId: string; cameraId: string; payload: Record<string, unknown> }
  | { kind: 'agent'; agentId: string; payload: Record<string, unknown> };

export interface TailFilter {
  cameraId?: string;
  type?: string;
}

/** Classifies a topic below `prefix` and parses its JSON; undefined for topics tail does not show. */
export function parseTailMessage(prefix: string, topic: string, payload: Buffer): TailMessage | { kind: 'invalid'; topic: string; reason: string } | undefined {
  const base = `${prefix.replace(/\/+$/, '')}/`;
  if (!topic.startsWith(base)) return undefined;
  const [agentId, kind, ...rest] = topic.slice(base.length).split('/');
  if (agentId === undefined || agentId === '') return undefined;
  const shown = kind === 'incidents' || kind === 'status' || (kind === 'cameras' && rest.length === 2 && rest[1] === 'state');
  if (!shown) return undefined;
  // --json prints the payload again: JSON.stringify of a body nested thousands of levels deep (a few KB from
  // anyone who may write the tree) overflows the stack and would stop tail; agents' payloads are ~4 deep.
  if (jsonNestingDepth(payload, TAIL_MAX_JSON_DEPTH) > TAIL_MAX_JSON_DEPTH) return { kind: 'invalid', topic, reason: `nested deeper than ${TAIL_MAX_JSON_DEPTH} levels` };
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    // An empty retained message clears a topic: not worth a line.
    return payload.length === 0 ? undefined : { kind: 'invalid', topic, reason: `not JSON (${payload.length} bytes)` };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { kind: 'invalid', topic, reason: 'not a JSON object' };
  const obj = body as Record<string, unknown>;
  if (kind === 'incidents') return { kind: 'incident', agentId, payload: obj };
  if (kind === 'status') return { kind: 'agent', agentId, payload: obj };
  return { kind: 'camera', agentId, cameraId: rest[0]!, payload: obj };
}

/** True when the message passes --camera / --type (pure). Agent lines always pass; --type only filters incidents. */
export function matchesFilter(msg: TailMessage, filter: TailFilter): boolean {
  if (msg.kind === 'agent') return true;
  const cameraId = msg.kind === 'camera' ? msg.cameraId : str(msg.payload.cameraId);
  if (filter.cameraId !== undefined && cameraId !== filter.cameraId) return false;
  if (filter.type !== undefined && msg.kind === 'incident' && str(msg.payload.type) !== filter.type) return false;
  return true;
}

export interface LineOptions {
  /** Show the agent id before the camera (when watching every box). */
  showAgent: boolean;
  /** The broker sent it as retained: a state from before tail started. */
  retained: boolean;
  /** For messages without a time of their own (epoch ms). */
  nowMs: number;
}

/**
 * One line: `time  camera  type  status  vi / en  class score  id` for incidents, `time  camera  camera
 * <state>` for camera states, `time  agent <id> <state>` for the box (pure; local time of this box).
 */
export function formatTailLine(msg: TailMessage, options: LineOptions): string {
  const p = msg.payload;
  const where = (camera: string): string => (options.showAgent ? `${msg.agentId}/${camera}` : camera);
  const mark = options.retained ? '  (last known)' : '';
  if (msg.kind === 'incident') {
    const title = (p.title ?? {}) as Record<string, unknown>;
    const titles = [str(title.vi), str(title.en)].filter((t) => t !== undefined).join(' / ') || '-';
    const score = typeof p.score === 'number' ? p.score.toFixed(2) : '-';
    const replay = p.historical === true ? '  (replay)' : '';
    const fields = [
      formatTime(str(p.updatedAt) ?? str(p.startedAt), options.nowMs),
      where(str(p.cameraId) ?? '?'),
      str(p.type) ?? '?',
      str(p.status) ?? '?',
      titles,
      `${str(p.className) ?? '-'} ${score}`,
      str(p.id) ?? '?',
    ];
    return printable(`${fields.join('  ')}${replay}${mark}`);
  }
  if (msg.kind === 'camera') {
    const error = str(p.lastError);
    const reconnects = typeof p.reconnects === 'number' && p.reconnects > 0 ? ` (reconnects ${p.reconnects})` : '';
    return printable(`${formatTime(str(p.at), options.nowMs)}  ${where(msg.cameraId)}  camera ${str(p.state) ?? '?'}${error === undefined ? '' : `: ${error}`}${reconnects}${mark}`);
  }
  const reason = str(p.reason);
  return printable(`${formatTime(str(p.at), options.nowMs)}  agent ${msg.agentId} ${str(p.state) ?? '?'}${reason === undefined ? '' : ` (${reason})`}${mark}`);
}

/** The message for --json: the payload without the base64 snapshot (tens of KB per line), pure. */
export function jsonLine(topic: string, retained: boolean, msg: TailMessage): string {
  let payload = msg.payload;
  const snapshot = payload.snapshot as Record<string, unknown> | undefined;
  if (snapshot !== undefined && typeof snapshot === 'object' && 'data' in snapshot) {
    const { data: _data, ...meta } = snapshot;
    payload = { ...payload, snapshot: meta };
  }
  return JSON.stringify({ topic, retained, kind: msg.kind, payload });
}

/** ISO time → `2024-05-01 15:04:05` in this box's time zone; a missing or bad time prints as now (pure given nowMs). */
export function formatTime(iso: string | undefined, nowMs: number): string {
  const ms = iso === undefined ? NaN : Date.parse(iso);
  const d = new Date(Number.isNaN(ms) ? nowMs : ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
