import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseArgs } from 'node:util';
import { DEFAULT_DETECTOR_BUSY_WARN } from '../../detection/index.js';
import { loadConfig } from '../../config/index.js';
import { DEFAULT_HEALTH_HOST, DEFAULT_HEALTH_PORT, type AgentStatus, type CameraStatus } from '../../ops/index.js';
import { describeError, formatTable } from '../../core/index.js';
import type { CliCommand } from '../types.js';
import { commandUsage } from '../usage.js';

/** How long to wait for the agent's health server (ms): it answers from memory, so a slow answer is a hung agent. */
export const DEFAULT_STATUS_TIMEOUT_MS = 3_000;
export const DEFAULT_STATUS_URL = `http://${DEFAULT_HEALTH_HOST}:${DEFAULT_HEALTH_PORT}`;

const usage = `Usage: camwatch status [--url ${DEFAULT_STATUS_URL} | --config FILE] [--json]

What the running agent is doing, from its health server (GET /status and /readyz): uptime, broker
connection and backlog, and per camera: state, analysed fps, frames, dropped frames, detector runs and
runs skipped because nothing moved, frames shed under CPU load, incidents, reconnects, p95 latency
(frame captured → analysed) and the last error.

Options:
      --url URL       the agent's health server (default: ${DEFAULT_STATUS_URL})
  -c, --config FILE   take the address from this config's health section instead
      --json          print the agent's /status answer as JSON
  -h, --help          this text

Exit codes: 0 the agent answered, 1 it did not (not running, wrong address), 2 usage error.`;

/** `camwatch status`: ask the running agent what it is doing. */
export const statusCommand: CliCommand = {
  name: 'status',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        config: { type: 'string', short: 'c' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
    const use = commandUsage('status', usage, io);
    if (values.help) return use.help();
    if (positionals.length > 0) return use.error(`unexpected "${positionals.join(' ')}"`);
    if (values.url !== undefined && values.config !== undefined) return use.error('give --url or --config, not both');
    let base = values.url ?? DEFAULT_STATUS_URL;
    if (values.config !== undefined) {
      const { health } = (await loadConfig(values.config, { cwd: io.cwd, env: io.env, resolveSecrets: false })).config;
      if (!health.enabled) {
        io.stderr.write(`camwatch status: health.enabled is false in ${values.config}: the agent serves no status.\n  → Set health.enabled: true and reload the agent (systemctl reload camwatch).\n`);
        return 1;
      }
      // 0.0.0.0 / :: are listen-everywhere addresses; locally the agent is reached on loopback.
      const host = health.host === '0.0.0.0' || health.host === '::' ? DEFAULT_HEALTH_HOST : health.host;
      base = `http://${host.includes(':') ? `[${host}]` : host}:${health.port}`;
    }
    let protocol: string;
    try {
      protocol = new URL(base).protocol;
    } catch {
      return use.error(`--url "${base}" is not a URL (example: ${DEFAULT_STATUS_URL})`);
    }
    if (protocol !== 'http:' && protocol !== 'https:') return use.error(`--url "${base}" is not an http:// address (example: ${DEFAULT_STATUS_URL})`);
    base = base.replace(/\/+$/, '');

    let status: AgentStatus;
    try {
      status = await fetchStatus(base);
    } catch (err) {
      io.stderr.write(`camwatch status: ${describeError(err)}\n`);
      return 1;
    }
    if (values.json) {
      io.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      return 0;
    }
    const ready = await fetchReady(base);
    io.stdout.write(formatStatus(status, ready));
    return 0;
  },
};

/** Thrown when the agent cannot be asked; the message says what to try. */
class StatusUnavailable extends Error {}

async function fetchStatus(base: string): Promise<AgentStatus> {
  const url = `${base}/status`;
  let res: HttpAnswer;
  try {
    res = await httpGet(url, DEFAULT_STATUS_TIMEOUT_MS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).name;
    const why =
      code === 'ECONNREFUSED'
        ? 'connection refused: no agent is listening there'
        : code === 'TimeoutError'
          ? `no answer within ${DEFAULT_STATUS_TIMEOUT_MS / 1000} s: the agent may be hung`
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? 'unknown host name'
            : `${code}`;
    throw new StatusUnavailable(
      `cannot ask the agent at ${url}: ${why}.\n  → Is it running? systemctl status camwatch (or journalctl -u camwatch -n 50). If health.port or health.host differ, give --url or --config.`,
    );
  }
  if (res.status === 404) {
    throw new StatusUnavailable(`${url} answered 404: this is not a camwatch agent, or one too old to have /status.\n  → Check the address (--url) and the agent version (camwatch --version).`);
  }
  if (res.status !== 200) throw new StatusUnavailable(`${url} answered HTTP ${res.status}.\n  → Check the agent log: journalctl -u camwatch -n 50.`);
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    throw new StatusUnavailable(`${url} did not answer JSON: is that address a camwatch agent?`);
  }
  const shape = body as Partial<AgentStatus> | null;
  if (typeof shape?.agentId !== 'string' || !Array.isArray(shape.cameras)) {
    throw new StatusUnavailable(`${url} answered JSON without agentId and cameras: is that address a camwatch agent?`);
  }
  return body as AgentStatus;
}

interface HttpAnswer {
  status: number;
  body: string;
}

/** Largest answer read (bytes): /status of a box with dozens of cameras is tens of KB. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/**
 * One GET with node:http rather than fetch: fetch refuses the ports on the WHATWG "bad ports" list
 * (1, 6000, 6665–6669, 10080…) with a bare "fetch failed", and health.port may be any port.
 */
function httpGet(url: string, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(url, { method: 'GET', headers: { accept: 'application/json' } }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_ANSWER_BYTES) req.destroy(new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end();
  });
}

/** /readyz: ready, or the failing checks; undefined when the agent does not serve it. */
export interface Readiness {
  ready: boolean;
  failing: string[];
}

async function fetchReady(base: string): Promise<Readiness | undefined> {
  try {
    const res = await httpGet(`${base}/readyz`, DEFAULT_STATUS_TIMEOUT_MS);
    if (res.status !== 200 && res.status !== 503) return undefined;
    const body = JSON.parse(res.body) as { checks?: Record<string, { ok: boolean; detail?: string }> };
    const failing = Object.entries(body.checks ?? {})
      .filter(([, c]) => !c.ok)
      .map(([name, c]) => (c.detail === undefined ? name : `${name} (${c.detail})`));
    return { ready: res.status === 200, failing };
  } catch {
    return undefined;
  }
}

/** The human report (pure). Fields an older agent does not send print as "-". */
export function formatStatus(status: AgentStatus, ready?: Readiness): string {
  const up = status.uplink;
  const lines = [
    `agent    ${status.agentId} (camwatch ${status.version ?? '?'}${status.model === undefined ? '' : `, model ${status.model}`}), up ${formatUptime(status.uptimeS)}`,
  ];
  if (ready !== undefined) lines.push(`ready    ${ready.ready ? 'yes' : `no: ${ready.failing.join('; ') || 'starting'}`}`);
  if (up !== undefined) {
    const link = up.connected ? 'connected' : `NOT connected${up.lastError === undefined ? '' : ` (${up.lastError})`}`;
    lines.push(`broker   ${link}; ${up.published ?? 0} published since start, ${up.pending ?? 0} waiting to be sent`);
  }
  const det = status.detector;
  if (det !== undefined) {
    const busy = Math.round(det.busyFraction * 100);
    // Near 100 % the cameras wait for the detector: load shedding lowers their fps (the SHED column).
    const verdict = det.busyFraction >= DEFAULT_DETECTOR_BUSY_WARN ? ': at capacity, fewer cameras or a lower analysis.fps' : '';
    const workers = det.workers !== undefined && det.workers > 1 ? ` (${det.workers} workers)` : '';
    lines.push(`detector busy ${busy}% of the time${workers}, ${det.queued} waiting${verdict}`);
  }
  const loop = status.eventLoop;
  // Late callbacks delay every camera's frames and every detection's answer, with cores idle (docs/operations.md, Size a box).
  if (loop !== undefined) lines.push(`main thread late by ${loop.p99Ms} ms at p99 (max ${loop.maxMs} ms) over the last 10 s`);
  lines.push('');
  if (status.cameras.length === 0) {
    lines.push('no cameras running (none enabled in the config?)');
    return `${lines.join('\n')}\n`;
  }
  const n = (v: number | undefined): string => (v === undefined ? '-' : String(v));
  const rows = status.cameras.map((c: Partial<CameraStatus> & { id: string }) => [
    c.id,
    c.state ?? '-',
    `${c.analysisFps === undefined ? '-' : c.analysisFps.toFixed(1)}${c.targetFps === undefined ? '' : `/${c.targetFps}`}`,
    n(c.framesAnalysed),
    n(c.framesDropped),
    n(c.framesShed),
    n(c.inferencesRun),
    n(c.inferencesSkipped),
    n(c.incidents),
    n(c.reconnects),
    c.latencyP95Ms === undefined ? '-' : String(Math.round(c.latencyP95Ms)),
    c.lastError ?? '-',
  ]);
  const header = ['CAMERA', 'STATE', 'FPS/TARGET', 'ANALYSED', 'DROPPED', 'SHED', 'DETECTOR', 'STILL', 'INCIDENTS', 'RECONNECTS', 'P95 MS', 'LAST ERROR'];
  return (
    `${lines.join('\n')}\n${formatTable(header, rows, { right: [2, 3, 4, 5, 6, 7, 8, 9, 10] })}` +
    'DROPPED: decoded but never analysed; SHED: skipped to keep up (CPU); DETECTOR: frames the detector ran on;\n' +
    'STILL: frames not sent to the detector because nothing moved; P95 MS: frame captured → analysed, 95th percentile.\n'
  );
}

/** 7325 → "2h 02m"; 90061 → "1d 01h" (pure). */
export function formatUptime(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  if (d > 0) return `${d}d ${String(h).padStart(2, '0')}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
