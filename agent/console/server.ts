import { statSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { configJsonSchema, isLoopbackHost, resolveConfigPath, type ConsoleConfig, type LoadedConfig } from '../config/index.js';
import { DEFAULT_CONFIG_MAX_BYTES, ID_PATTERN, isCamwatchError, jsonNestingDepth, readTextCappedAsync, type Logger } from '../core/index.js';
import { openStoreReader, readCounts, type IncidentSummary } from '../store/index.js';
import { checkAccess, securityHeaders } from './auth.js';
import { editCamera, fileHasCamera, EDITABLE_CAMERA_FIELDS } from './camera-edit.js';
import { configWritable, writeConfigAtomically } from './config-file.js';
import { backupConfig, CONFIG_HISTORY_DIR } from './config-history.js';
import { ApiError, noCamera } from './http-errors.js';
import { encodeFrameJpeg, LiveHub } from './live-hub.js';
import type { ConsolePort } from './port.js';
import { consoleSecrets, redactDeep, redactYamlText } from './redact.js';
import { CONSOLE_UI_DIR, NOT_BUILT_PAGE, packageRoot, readAsset } from './static-files.js';
import { consoleStatus } from './status.js';

/** Deepest JSON nesting a request body may have: a camera's config (zones → points → [x, y]) needs about 6. */
const CONSOLE_MAX_BODY_DEPTH = 32;

export interface ConsoleAppOptions {
  port: ConsolePort;
  settings: Pick<ConsoleConfig, 'host' | 'maxBodyBytes' | 'liveFps'>;
  token: string;
  /** The SQLite store file (read-only connections are opened on it). */
  storePath: string;
  logger: Logger;
  /** Folder of the page; default <package root>/console-ui. */
  uiDir?: string;
}

/** Longest incident list one request returns. */
export const MAX_INCIDENT_LIMIT = 1000;
export const DEFAULT_INCIDENT_LIMIT = 100;

const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: ID_PATTERN.source } } } as const;
const incidentParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9A-Za-z_-]{1,64}$' } } } as const;
const time = { type: 'string', maxLength: 40 } as const;
/** The filters /api/incidents and /api/counts share: a camera and a time range. */
const cameraAndTimeQuery = { camera: { type: 'string', pattern: ID_PATTERN.source }, since: time, until: time } as const;

function parseTime(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(ms)) throw new ApiError(400, 'CONSOLE_BAD_REQUEST', `${field} must be an ISO 8601 time or epoch ms, got "${value}"`, field);
  return ms;
}

/** `camera`, `since` and `until` of a query as the store's filter fields (absent ones left out). */
function cameraAndTime(q: { camera?: string; since?: string; until?: string }): { cameraId?: string; sinceMs?: number; untilMs?: number } {
  const sinceMs = parseTime(q.since, 'since');
  const untilMs = parseTime(q.until, 'until');
  return {
    ...(q.camera === undefined ? {} : { cameraId: q.camera }),
    ...(sinceMs === undefined ? {} : { sinceMs }),
    ...(untilMs === undefined ? {} : { untilMs }),
  };
}

/** The console's HTTP app (not listening: `startConsoleServer` listens; the tests `inject()`). */
export function createConsoleApp(options: ConsoleAppOptions): { app: FastifyInstance; hub: LiveHub } {
  const { port } = options;
  const log = options.logger.child({ component: 'console' });
  const uiDir = options.uiDir ?? join(packageRoot(), CONSOLE_UI_DIR);
  const app = Fastify({
    bodyLimit: options.settings.maxBodyBytes,
    // Our own log lines only: fastify's request log would carry URLs and headers.
    logger: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true, allErrors: false } },
  });
  // An empty JSON body (a bare POST …/ack) is {}; anything else goes through fastify's own parser, which
  // refuses __proto__ / constructor keys (prototype poisoning).
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, {});
    // Checked before anything walks the value recursively (the YAML splice's marker search overflowed the
    // stack on a body 20,000 levels deep: a 500 asking to report a bug instead of a 400).
    if (jsonNestingDepth(Buffer.from(text), CONSOLE_MAX_BODY_DEPTH) > CONSOLE_MAX_BODY_DEPTH) {
      return done(new ApiError(400, 'CONSOLE_BAD_REQUEST', `the body is nested deeper than ${CONSOLE_MAX_BODY_DEPTH} levels (a camera's config needs about 6)`), undefined);
    }
    return jsonParser(req, text, done);
  });
  const hub = new LiveHub({
    fps: options.settings.liveFps,
    liveFrame: (id) => port.liveFrame(id),
    camera: (id) => port.loaded().config.cameras.find((c) => c.id === id),
    logger: log,
  });
  // Derived once per loaded config (a reload gives a new object), not on every answer the redaction hook sees.
  let secretsOf: { loaded: LoadedConfig; values: string[] } | undefined;
  const secrets = (): string[] => {
    const loaded = port.loaded();
    if (secretsOf?.loaded !== loaded) secretsOf = { loaded, values: consoleSecrets(loaded, options.token) };
    return secretsOf.values;
  };
  // The config file as it is on disk now (a technician may have edited it since the last reload), read with the
  // loader's own cap and checks: a FIFO or a huge file named by the config is refused, not read for ever.
  const readConfigText = (path: string) => readTextCappedAsync(path, { maxBytes: DEFAULT_CONFIG_MAX_BYTES });
  // The schema does not change while the agent runs; zod's conversion took ~15 ms a call here (46 ms the first),
  // so it is built at the first ask and kept.
  let jsonSchema: Record<string, unknown> | undefined;
  const policy = { token: options.token, loopback: isLoopbackHost(options.settings.host) };
  let reader: ReturnType<typeof openStoreReader> | undefined;
  const store = () => (reader ??= openStoreReader(options.storePath));
  // Edits run one at a time: two saves must not both read the old file.
  let saving: Promise<unknown> = Promise.resolve();

  app.addHook('onRequest', async (req, reply) => {
    securityHeaders(req, reply);
    checkAccess(policy, req);
  });
  // Defence in depth: whatever a route answers in JSON passes through the redaction first.
  app.addHook('preSerialization', async (_req, _reply, payload) => redactDeep(payload, secrets()));
  app.setErrorHandler((err: unknown, req, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).send(err.body());
    const e = err as { statusCode?: number; code?: string; validation?: Array<{ instancePath?: string; params?: Record<string, unknown> }>; validationContext?: string; message?: string };
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send(new ApiError(413, 'CONSOLE_BODY_TOO_LARGE', `the body is larger than console.maxBodyBytes (${options.settings.maxBodyBytes} bytes)`).body());
    }
    if (e.validation !== undefined) {
      const first = e.validation[0];
      const field = (first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.') || String(first?.params?.missingProperty ?? first?.params?.additionalProperty ?? e.validationContext ?? '');
      return reply.code(400).send(new ApiError(400, 'CONSOLE_BAD_REQUEST', `${e.validationContext ?? 'request'} ${e.message ?? 'is invalid'}`, field).body());
    }
    if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.code(e.statusCode).send(new ApiError(e.statusCode, 'CONSOLE_BAD_REQUEST', e.message ?? 'bad request').body());
    }
    if (isCamwatchError(err)) {
      // The store or the config could not be read (STORE_OPEN, CONFIG_…): the agent's own error, with its hint.
      log.warn({ err, method: req.method, route: req.routeOptions.url }, 'console: request failed');
      return reply.code(503).send({ error: { code: err.code, message: err.message, hint: err.hint } });
    }
    log.error({ err, method: req.method, route: req.routeOptions.url }, 'console: request failed');
    return reply.code(500).send(new ApiError(500, 'CONSOLE_FAILED', `${req.method} ${req.url.split('?')[0]} failed inside the agent`).body());
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(new ApiError(404, 'CONSOLE_NOT_FOUND', `no ${req.method} ${req.url.split('?')[0]}`).body()));

  const requireCamera = (id: string) => {
    const camera = port.loaded().config.cameras.find((c) => c.id === id);
    if (camera === undefined) throw noCamera(id, port.loaded().config.cameras.map((c) => c.id));
    return camera;
  };

  app.get('/api/status', async () => consoleStatus(port, store, options.storePath, hub.viewers, Date.now()));

  app.get<{ Params: { id: string } }>('/api/cameras/:id/frame.jpg', { schema: { params: idParam } }, async (req, reply) => {
    requireCamera(req.params.id);
    const frame = port.liveFrame(req.params.id);
    if (frame === undefined) throw new ApiError(404, 'CONSOLE_NOT_FOUND', `camera "${req.params.id}" has not delivered a frame yet (state in GET /api/status)`);
    const jpeg = await encodeFrameJpeg(frame);
    return reply
      .type('image/jpeg')
      .header('x-frame-seq', String(frame.seq))
      .header('x-frame-captured-at', new Date(frame.capturedAtMs).toISOString())
      .send(jpeg);
  });

  app.get<{ Params: { id: string }; Querystring: { fps?: number } }>(
    '/api/cameras/:id/live',
    { schema: { params: idParam, querystring: { type: 'object', additionalProperties: false, properties: { fps: { type: 'number', exclusiveMinimum: 0, maximum: 30 } } } } },
    async (req, reply) => {
      requireCamera(req.params.id);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        connection: 'keep-alive',
      });
      res.write(`retry: 2000\n\n`);
      hub.join(req.params.id, res, req.query.fps);
    },
  );

  app.get('/api/schema', async () => (jsonSchema ??= configJsonSchema()));

  app.get('/api/config/yaml', async () => {
    const { path } = port.loaded();
    const text = await readConfigText(path);
    return { file: path.split('/').pop(), yaml: redactYamlText(text, secrets()) };
  });

  app.get<{ Params: { id: string } }>('/api/cameras/:id/config', { schema: { params: idParam } }, async (req) => {
    const camera = requireCamera(req.params.id);
    const text = await readConfigText(port.loaded().path);
    const frame = port.liveFrame(req.params.id);
    return {
      camera,
      editable: EDITABLE_CAMERA_FIELDS,
      ...(frame === undefined ? {} : { frame: { width: frame.width, height: frame.height, sourceWidth: frame.sourceWidth, sourceHeight: frame.sourceHeight } }),
      inFile: fileHasCamera(text, req.params.id),
      // false: saves will be refused (CONSOLE_CONFIG_UNWRITABLE); the page can say so before any edit.
      writable: configWritable(port.loaded().path),
    };
  });

  const editBody = {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: Object.fromEntries(EDITABLE_CAMERA_FIELDS.map((f) => [f, {}])),
  } as const;

  const runEdit = async (req: FastifyRequest<{ Params: { id: string }; Body: Record<string, unknown> }>) => {
    const loaded = port.loaded();
    requireCamera(req.params.id);
    const text = await readConfigText(loaded.path);
    const result = editCamera(text, loaded, req.params.id, req.body, secrets());
    if (result === undefined) throw new ApiError(404, 'CONSOLE_NOT_FOUND', `camera "${req.params.id}" is not in ${loaded.path} (is it from another file?)`, 'id');
    return { text, result };
  };

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/api/cameras/:id/config/preview', { schema: { params: idParam, body: editBody } }, async (req) => {
    const { result } = await runEdit(req);
    return { diff: result.diff, errors: result.errors };
  });

  // The file as it was before a save, in <dataDir>/config-history/ (docs/operations.md: rollback). A failed
  // copy does not undo the save the technician asked for: it is logged, and the answer says backup: null.
  const keepPrevious = (previous: string, writtenPath: string): string | null => {
    const loaded = port.loaded();
    try {
      const dir = join(resolveConfigPath(loaded, loaded.config.agent.dataDir), CONFIG_HISTORY_DIR);
      return backupConfig(dir, previous, statSync(writtenPath).mode & 0o777, new Date());
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'console: could not keep a copy of the previous config; the save stands');
      return null;
    }
  };

  app.put<{ Params: { id: string }; Body: Record<string, unknown> }>('/api/cameras/:id/config', { schema: { params: idParam, body: editBody } }, async (req, reply) => {
    const run = saving.then(async () => {
      const { text, result } = await runEdit(req);
      if (result.errors.length > 0) {
        const n = result.errors.length;
        throw new ApiError(422, 'CONFIG_INVALID', `the edit leaves the config with ${n} error${n === 1 ? '' : 's'}; nothing was written`, result.errors[0]!.field ?? result.errors[0]!.path, { errors: result.errors, diff: result.diff });
      }
      if (result.text === text) return { diff: '', plan: null, written: false };
      let written: string;
      try {
        written = writeConfigAtomically(port.loaded().path, result.text);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
          throw new ApiError(409, 'CONSOLE_CONFIG_UNWRITABLE', `cannot write ${port.loaded().path} (${code}); nothing was changed`, undefined, { diff: result.diff });
        }
        throw err;
      }
      const backup = keepPrevious(text, written);
      log.info({ camera: req.params.id, backup }, 'console: config saved; reloading');
      const plan = await port.reloadFromDisk();
      return { diff: result.diff, plan, written: true, backup };
    });
    saving = run.catch(() => undefined);
    return reply.send(await run);
  });

  app.get<{ Querystring: { camera?: string; type?: string; status?: 'new' | 'update' | 'end' | 'summary' | 'open' | 'acknowledged'; since?: string; until?: string; limit: number } }>(
    '/api/incidents',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...cameraAndTimeQuery,
            type: { type: 'string', pattern: '^[a-z_]{1,64}$' },
            status: { type: 'string', enum: ['new', 'update', 'end', 'summary', 'open', 'acknowledged'] },
            limit: { type: 'integer', minimum: 1, maximum: MAX_INCIDENT_LIMIT, default: DEFAULT_INCIDENT_LIMIT },
          },
        },
      },
    },
    async (req) => {
      const q = req.query;
      const list = store().list({
        limit: q.limit,
        ...cameraAndTime(q),
        ...(q.type === undefined ? {} : { type: q.type }),
        ...(q.status === undefined ? {} : { status: q.status }),
      });
      return { incidents: list.map(incidentRow) };
    },
  );

  const showIncident = (id: string) => {
    const detail = store().show(id);
    if (detail === undefined) throw new ApiError(404, 'CONSOLE_NOT_FOUND', `no incident ${id}`, 'id');
    return detail;
  };

  app.get<{ Params: { id: string } }>('/api/incidents/:id', { schema: { params: incidentParam } }, async (req) => {
    const { snapshotJpeg, history, ...summary } = showIncident(req.params.id);
    return {
      ...incidentRow(summary),
      hasSnapshot: snapshotJpeg !== undefined,
      events: history.map((h) => ({ ...h, createdAt: new Date(h.createdAtMs).toISOString(), ...(h.sentAtMs === undefined ? {} : { sentAt: new Date(h.sentAtMs).toISOString() }) })),
    };
  });

  app.get<{ Params: { id: string } }>('/api/incidents/:id/snapshot.jpg', { schema: { params: incidentParam } }, async (req, reply) => {
    const { snapshotJpeg } = showIncident(req.params.id);
    if (snapshotJpeg === undefined) throw new ApiError(404, 'CONSOLE_NOT_FOUND', `incident ${req.params.id} has no snapshot (flood control, quota, or pruned)`);
    return reply.type('image/jpeg').send(snapshotJpeg);
  });

  app.post<{ Params: { id: string } }>('/api/incidents/:id/ack', { schema: { params: incidentParam } }, async (req) => {
    const cancelled = port.acknowledge(req.params.id);
    if (cancelled === undefined) throw new ApiError(404, 'CONSOLE_NOT_FOUND', `no incident ${req.params.id}`, 'id');
    log.info({ incidentId: req.params.id, cancelled }, 'console: incident acknowledged');
    return { id: req.params.id, cancelled };
  });

  app.post<{ Params: { id: string } }>('/api/incidents/:id/resend', { schema: { params: incidentParam } }, async (req) => {
    showIncident(req.params.id);
    const queued = port.resend({ incidentIds: [req.params.id] });
    log.info({ incidentId: req.params.id, queued }, 'console: incident queued again');
    return { id: req.params.id, queued };
  });

  app.get<{ Querystring: { camera?: string; line?: string; class?: string; period?: number; since?: string; until?: string } }>(
    '/api/counts',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...cameraAndTimeQuery,
            line: { type: 'string', pattern: ID_PATTERN.source },
            class: { type: 'string', maxLength: 64 },
            period: { type: 'integer', minimum: 1, maximum: 86_400 },
          },
        },
      },
    },
    async (req) => {
      const q = req.query;
      const rows = readCounts(options.storePath, {
        ...cameraAndTime(q),
        ...(q.line === undefined ? {} : { id: q.line }),
        ...(q.class === undefined ? {} : { className: q.class }),
        ...(q.period === undefined ? {} : { periodSeconds: q.period }),
      });
      return { rows };
    },
  );

  app.get('/', async (_req, reply) => {
    const page = await readAsset(uiDir, 'index.html');
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page?.body ?? NOT_BUILT_PAGE);
  });

  app.get<{ Params: { '*': string } }>('/assets/*', async (req, reply) => {
    const asset = await readAsset(join(uiDir, 'assets'), req.params['*']);
    if (asset === undefined) throw new ApiError(404, 'CONSOLE_NOT_FOUND', `no asset ${req.params['*']}`);
    return reply.type(asset.contentType).header('cache-control', 'no-cache').send(asset.body);
  });

  // Before the server closes: open live streams would otherwise hold it open.
  app.addHook('preClose', async () => hub.close());
  app.addHook('onClose', async () => reader?.close());
  return { app, hub };
}

/** An incident in a listing: the incident itself plus when it was stored, its events and delivery state. */
function incidentRow(s: IncidentSummary): Record<string, unknown> {
  return {
    ...s.incident,
    storedAt: new Date(s.createdAtMs).toISOString(),
    eventCount: s.events,
    unsent: s.unsent,
    ...(s.ackedAtMs === undefined ? {} : { acknowledgedAt: new Date(s.ackedAtMs).toISOString() }),
  };
}
