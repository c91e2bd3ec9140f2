/**
 * The MQTT topic tree, one place for it. Everything lives under `<prefix>/<agentId>/` so one IOC
 * subscription (`<prefix>/+/incidents/#`) sees every box, and ACLs can be granted per box.
 */

/** A single topic level: non-empty, no separator, no wildcard, no NUL (MQTT 3.1.1 §4.7). */
function level(name: string, value: string): string {
  if (value.length === 0 || /[/+#\u0000]/.test(value)) {
    throw new Error(`${name} ${JSON.stringify(value)} cannot be an MQTT topic level (empty, or contains / + # or NUL)`);
  }
  return value;
}

/** The prefix may have several levels (`city/hcm/camwatch`); trailing slashes are dropped. */
function base(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  if (trimmed.length === 0 || /[+#\u0000]/.test(trimmed)) {
    throw new Error(`topic prefix ${JSON.stringify(prefix)} is empty or contains + # or NUL`);
  }
  return trimmed;
}

/** `<prefix>/<agentId>/incidents/<category>/<type>`: QoS 1, not retained (every incident is an event). */
export function incidentTopic(prefix: string, agentId: string, category: string, type: string): string {
  return `${base(prefix)}/${level('agentId', agentId)}/incidents/${level('category', category)}/${level('type', type)}`;
}

/** `<prefix>/<agentId>/status`: retained `online` while connected; the broker's Last Will sets `offline`. */
export function statusTopic(prefix: string, agentId: string): string {
  return `${base(prefix)}/${level('agentId', agentId)}/status`;
}

/** `<prefix>/<agentId>/cameras/<cameraId>/state`: retained latest state of one camera's stream. */
export function cameraStateTopic(prefix: string, agentId: string, cameraId: string): string {
  return `${base(prefix)}/${level('agentId', agentId)}/cameras/${level('cameraId', cameraId)}/state`;
}

/** `<prefix>/<agentId>/evidence/<incidentId>/<sequence>`: the raw JPEG of one event, when snapshots go by topic. */
export function evidenceTopic(prefix: string, agentId: string, incidentId: string, sequence: number): string {
  return `${base(prefix)}/${level('agentId', agentId)}/evidence/${level('incidentId', incidentId)}/${sequence}`;
}

/** `<prefix>/<agentId>/stats`: retained periodic stats (fps, inferences, drops, backlog, disk). */
export function statsTopic(prefix: string, agentId: string): string {
  return `${base(prefix)}/${level('agentId', agentId)}/stats`;
}

/** `<prefix>/<agentId>/cameras/<cameraId>/counts`: retained cumulative in/out counts of the camera's lines. */
export function cameraCountsTopic(prefix: string, agentId: string, cameraId: string): string {
  return `${base(prefix)}/${level('agentId', agentId)}/cameras/${level('cameraId', cameraId)}/counts`;
}

/**
 * `<prefix>/<agentId>/cameras/<cameraId>/counts/bins`: closed count bins (camwatch.counts-bin/1), QoS 1, not
 * retained: every bin is an event, delivered at least once and in order from the outbox.
 */
export function cameraCountBinsTopic(prefix: string, agentId: string, cameraId: string): string {
  return `${cameraCountsTopic(prefix, agentId, cameraId)}/bins`;
}

/** Subscription filter for the incidents of one box, or of every box when agentId is omitted. */
export function incidentFilter(prefix: string, agentId?: string): string {
  return `${base(prefix)}/${agentId === undefined ? '+' : level('agentId', agentId)}/incidents/#`;
}

/** `<prefix>/<agentId>/cmd/<name>`: requests from the IOC to this box (QoS 1, not retained). */
export function commandTopic(prefix: string, agentId: string, name: string): string {
  return `${base(prefix)}/${level('agentId', agentId)}/cmd/${level('command', name)}`;
}

/** The command name of a topic under `<prefix>/<agentId>/cmd/`, or undefined for any other topic. */
export function commandName(prefix: string, agentId: string, topic: string): string | undefined {
  const head = `${base(prefix)}/${level('agentId', agentId)}/cmd/`;
  if (!topic.startsWith(head)) return undefined;
  const name = topic.slice(head.length);
  return name.length > 0 && !name.includes('/') ? name : undefined;
}

/** Subscription filter for every command of one box. */
export function commandFilter(prefix: string, agentId: string): string {
  return `${base(prefix)}/${level('agentId', agentId)}/cmd/+`;
}

/** Longest part of a response topic after `<prefix>/<agentId>/responses/` (bytes of UTF-8). */
export const MAX_RESPONSE_SUFFIX_BYTES = 128;

/**
 * `<prefix>/<agentId>/responses/`: the only place the box answers commands. Inside the box's own tree, so
 * the broker ACL that lets it write only there (docs/mqtt.md) also keeps its answers out of other boxes'
 * trees; and a dedicated branch, so a requester cannot make it answer on its incidents or status.
 */
export function responseTopicRoot(prefix: string, agentId: string): string {
  return `${base(prefix)}/${level('agentId', agentId)}/responses/`;
}

/** Where a request whose response topic is refused is answered (COMMAND_RESPONSE_TOPIC), with its correlation data. */
export function refusedResponseTopic(prefix: string, agentId: string): string {
  return `${responseTopicRoot(prefix, agentId)}refused`;
}

/** Subscription filter for every command answer of one box, or of every box when agentId is omitted. */
export function responseFilter(prefix: string, agentId?: string): string {
  return `${base(prefix)}/${agentId === undefined ? '+' : level('agentId', agentId)}/responses/#`;
}

/**
 * Why `topic` cannot be a response topic of this box, or undefined when it can (pure): it must be
 * `<prefix>/<agentId>/responses/<suffix>`, the suffix 1 to 128 bytes of non-empty levels without
 * wildcards or NUL.
 */
export function responseTopicProblem(prefix: string, agentId: string, topic: string): string | undefined {
  const root = responseTopicRoot(prefix, agentId);
  const where = `it must be ${root}<name>`;
  if (!topic.startsWith(root)) return where;
  const suffix = topic.slice(root.length);
  if (suffix.length === 0 || Buffer.byteLength(suffix, 'utf8') > MAX_RESPONSE_SUFFIX_BYTES) return `${where}, <name> of 1 to ${MAX_RESPONSE_SUFFIX_BYTES} bytes`;
  if (/[+#\u0000]/.test(suffix) || suffix.split('/').some((l) => l.length === 0)) return `${where}, <name> without wildcards, NUL or empty levels`;
  return undefined;
}
