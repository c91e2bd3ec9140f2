/**
 * The clip upload lane against a real node:http server: the endpoint down (connection refused), then a 500 in
 * the middle of a body, then success. Every clip is uploaded at least once with its exact bytes; the queue is
 * the store's (a real SQLite file); a presigned URL's query string and the headers never reach the log.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../agent/core/index.js';
import { openStore, type IncidentStore } from '../../agent/store/index.js';
import { ClipUploader } from '../../agent/uplink/index.js';
import { makeRecord } from '../fixtures/outbox-data.js';
import { freePort } from '../helpers/mosquitto.js';

const SECRET_QUERY = 'X-Amz-Credential=AKIA%2Fsecret&X-Amz-Signature=0123SECRETsig';
const TOKEN = 'Bearer SECRET-token-42';

describe('clip upload lane', () => {
  let dir: string;
  let store: IncidentStore;
  let server: Server | undefined;
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: new Writable({ write: (chunk: Buffer, _e, cb) => { lines.push(chunk.toString()); cb(); } }) });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-upload-'));
    store = openStore({ path: join(dir, 'camwatch.db'), logger });
    mkdirSync(store.clips!.dir, { recursive: true });
  });
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const addClip = (i: number, bytes: number) => {
    const record = makeRecord('upload', i);
    store.save(record);
    const path = join(store.clips!.dir, `${record.incident.id}.mp4`);
    const data = randomBytes(bytes);
    writeFileSync(path, data);
    store.clips!.add({ incidentId: record.incident.id, cameraId: 'cam-1', path, bytes, sha256: createHash('sha256').update(data).digest('hex'), durationSeconds: 4, fromMs: 0, toMs: 4_000 }, { upload: true });
    return { id: record.incident.id, sha256: createHash('sha256').update(data).digest('hex'), bytes };
  };

  it('uploads every clip at least once through an outage and a 500 mid-body, bytes intact', async () => {
    const port = await freePort();
    const clips = [addClip(1, 300_000), addClip(2, 50_000), addClip(3, 1_000)];
    const received = new Map<string, { sha256: string; bytes: number; auth?: string; length?: string }>();
    let requests = 0;
    const uploader = new ClipUploader({
      clips: store.clips!,
      upload: { urlTemplate: `http://127.0.0.1:${port}/bucket/{agentId}/{cameraId}/{incidentId}.mp4?${SECRET_QUERY}`, method: 'PUT', headers: { authorization: TOKEN }, timeoutSeconds: 5 },
      agentId: 'box-1',
      logger,
      backoff: { initialDelayMs: 100, maxDelayMs: 400, multiplier: 2, jitterRatio: 0 },
    });
    try {
      // Down: nothing listens on the port; every attempt fails and is retried.
      uploader.start();
      await expect.poll(() => uploader.stats().failedAttempts, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
      expect(store.clips!.uploadsPending()).toBe(3);

      // Up, but the first request gets a 500 after part of its body.
      server = createServer((req, res) => {
        requests++;
        if (requests === 1) {
          req.once('data', () => res.writeHead(500, { connection: 'close' }).end('boom'));
          return;
        }
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          const path = (req.url ?? '').split('?')[0]!;
          received.set(path, { sha256: createHash('sha256').update(body).digest('hex'), bytes: body.length, auth: req.headers.authorization, length: req.headers['content-length'] });
          expect(req.headers['content-type']).toBe('video/mp4');
          res.writeHead(req.url?.includes('X-Amz-Signature=0123SECRETsig') ? 200 : 403).end();
        });
      });
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
      await expect.poll(() => store.clips!.uploadsPending(), { timeout: 10_000 }).toBe(0);
    } finally {
      await uploader.stop();
    }
    // Content-Length given (S3 presigned PUTs refuse chunked bodies), the bytes streamed intact.
    for (const c of clips) expect(received.get(`/bucket/box-1/cam-1/${c.id}.mp4`)).toEqual({ sha256: c.sha256, bytes: c.bytes, auth: TOKEN, length: String(c.bytes) });
    expect(requests).toBe(4); // one 500, then each clip once
    expect(uploader.stats()).toMatchObject({ uploaded: 3, pending: 0 });
    const log = lines.join('');
    expect(log).toContain('clip upload failed; retrying later');
    expect(log).toContain('HTTP 500');
    expect(log).toContain(`http://127.0.0.1:${port}/bucket/box-1/cam-1/`);
    expect(log).not.toContain('SECRET');
    expect(log).not.toContain('AKIA');
  }, 30_000);

  it('retries an upload queued before a restart at once', async () => {
    const [clip] = [addClip(1, 2_000)];
    store.clips!.markUploadFailed(clip!.id, Date.now() + 3_600_000);
    const port = await freePort();
    let got = 0;
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        got++;
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    const uploader = new ClipUploader({ clips: store.clips!, upload: { urlTemplate: `http://127.0.0.1:${port}/{incidentId}`, method: 'PUT', headers: {}, timeoutSeconds: 5 }, agentId: 'a', logger });
    try {
      uploader.start();
      await expect.poll(() => got, { timeout: 5_000 }).toBe(1);
      await expect.poll(() => store.clips!.uploadsPending(), { timeout: 5_000 }).toBe(0);
    } finally {
      await uploader.stop();
    }
  });
});
